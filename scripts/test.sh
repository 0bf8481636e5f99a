#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite (pytest arguments pass through).
#   bash scripts/test.sh            # everything: core, every page (AppTest), real browser
#   bash scripts/test.sh -m "not browser"
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

# The browser tests drive Debian's Chromium (never `playwright install`: it downloads).
if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
    if [ "$(id -u)" = "0" ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    elif command -v sudo >/dev/null; then
        sudo apt-get update -qq
        sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "Chromium is missing: install Debian's 'chromium' package for the browser tests." >&2
    fi
fi

exec python -m pytest "$@"
