#!/usr/bin/env bash
# Install everything the tests need, then run the whole suite (pytest arguments pass through).
#   bash scripts/test.sh            # everything: core, every page (AppTest), real browser
#   bash scripts/test.sh -m "not browser"
# Python packages go into .venv (made or reused, scripts/venv.sh). The browser tests drive a
# real Chromium by path; where apt-get exists and Chromium does not, it is installed with it.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/venv.sh
source scripts/venv.sh
use_venv requirements-dev.txt

ci() { [ -n "${CI:-}" ] && [ "${CI}" != "0" ] && [ "${CI}" != "false" ]; }

# Where a Chromium is: $CHROMIUM_PATH, Debian's package, Fedora's, or a macOS app.
find_chromium() {
    local candidate
    if [ -n "${CHROMIUM_PATH:-}" ]; then
        [ -x "$CHROMIUM_PATH" ] && echo "$CHROMIUM_PATH"
        return 0
    fi
    for candidate in /usr/bin/chromium chromium chromium-browser \
        "/Applications/Chromium.app/Contents/MacOS/Chromium" \
        "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"; do
        if [ -x "$candidate" ]; then
            echo "$candidate"
            return 0
        elif command -v "$candidate" >/dev/null 2>&1; then
            command -v "$candidate"
            return 0
        fi
    done
}

how_to_get_chromium() {
    cat >&2 <<EOF

Chromium is missing, and $1.
What it is for: the browser tests (tests/browser/) open the app in a real headless Chromium
and check what a learner sees in a 1280x720 window. Every other test runs without it.
How to get it (never 'playwright install': it downloads a browser of its own):
  Debian, Ubuntu:  sudo apt-get install chromium fonts-noto-cjk
  Fedora:          sudo dnf install chromium
  macOS:           brew install --cask chromium   (or use an installed Google Chrome)
This script finds it there; anywhere else: export CHROMIUM_PATH=/path/to/chromium
EOF
    if ci; then
        echo "Running the tests now. Under CI the browser tests FAIL without Chromium." >&2
    else
        echo "Running the tests now: the browser tests are reported as skipped." >&2
    fi
    echo >&2
}

install_chromium() {
    local sudo=""
    if [ "$(id -u)" != "0" ]; then
        if ! command -v sudo >/dev/null 2>&1; then
            how_to_get_chromium "this user is not root and has no sudo to install it with"
            return 0
        fi
        sudo="sudo"
        echo "Installing Debian's chromium for the browser tests (with sudo)" >&2
    fi
    if $sudo apt-get update -qq \
        && $sudo env DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; then
        return 0
    fi
    how_to_get_chromium "apt-get could not install it"
}

chromium="$(find_chromium || true)"
if [ -z "$chromium" ]; then
    if command -v apt-get >/dev/null 2>&1; then
        install_chromium
        chromium="$(find_chromium || true)"
    else
        how_to_get_chromium "this machine has no apt-get to install it with"
    fi
fi
if [ -n "$chromium" ]; then
    export CHROMIUM_PATH="$chromium"
fi

exec "$VENV/bin/python" -m pytest "$@"
