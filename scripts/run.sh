#!/usr/bin/env bash
# Start the app: make or reuse .venv, install requirements.txt into it when it changed, then
# `streamlit run app.py` (arguments pass through: bash scripts/run.sh --server.port 8502).
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/venv.sh
source scripts/venv.sh
use_venv requirements.txt

exec "$VENV/bin/python" -m streamlit run app.py "$@"
