# Make or reuse the project's virtual environment: sourced by scripts/run.sh, scripts/test.sh
# and .ci/run, from the checkout's root. A venv works where the system Python refuses
# `pip install` (Debian, Ubuntu, Homebrew: "externally-managed-environment").
#
#   use_venv REQUIREMENTS_FILE
#
# makes $VENV (default .venv) with `python3 -m venv` unless it exists and works, installs
# REQUIREMENTS_FILE into it unless the requirements files are unchanged since the last
# install, and leaves $VENV set. Environment:
#   PYTHON   the interpreter that makes the venv (default: python3.11, else python3).
#            Tested: 3.11. pyproject.toml allows newer; torch==2.13.0 must exist for it.
#   VENV     where the venv lives (default .venv, which .gitignore ignores)

_venv_fail() {
    echo "scripts/venv.sh: $*" >&2
    return 1
}

_venv_version_ok() {  # _venv_version_ok PYTHON: is it Python 3.11 or newer?
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

_venv_pick_python() {
    if [ -n "${PYTHON:-}" ]; then
        echo "$PYTHON"
        return
    fi
    local candidate
    for candidate in python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 && _venv_version_ok "$candidate"; then
            echo "$candidate"
            return
        fi
    done
    echo python3
}

use_venv() {
    local requirements="$1" python stamp wanted
    VENV="${VENV:-.venv}"
    if [ -x "$VENV/bin/python" ] && _venv_version_ok "$VENV/bin/python"; then
        echo "Reusing the virtual environment $VENV" >&2
    else
        python="$(_venv_pick_python)"
        command -v "$python" >/dev/null 2>&1 \
            || _venv_fail "no '$python' found: install Python 3.11 (or set PYTHON=/path/to/python3.11)" \
            || return 1
        _venv_version_ok "$python" \
            || _venv_fail "$python is Python $("$python" -c 'import platform; print(platform.python_version())'): this project needs 3.11 or newer (tested: 3.11); set PYTHON=/path/to/python3.11" \
            || return 1
        if [ -e "$VENV" ]; then
            echo "$VENV does not run (or is older than Python 3.11): making it again" >&2
        fi
        echo "Making the virtual environment $VENV with $python (once)" >&2
        if ! "$python" -m venv --clear "$VENV"; then
            rm -rf "$VENV"
            _venv_fail "'$python -m venv' failed. On Debian or Ubuntu: sudo apt-get install python3-venv" \
                || return 1
        fi
    fi
    # Install only when a requirements file changed since the last install into this venv:
    # a start then costs no pip run at all.
    stamp="$VENV/.installed-$(basename "$requirements")"
    wanted="$(cat requirements*.txt | cksum)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
        return 0
    fi
    echo "Installing $requirements into $VENV (a first install takes about a minute, ~2 GB)" >&2
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" \
        || _venv_fail "pip could not install $requirements into $VENV" \
        || return 1
    # Packages whose own dependencies must not come along (requirements-nodeps.txt says why).
    if [ -f requirements-nodeps.txt ]; then
        "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps \
            -r requirements-nodeps.txt \
            || _venv_fail "pip could not install requirements-nodeps.txt into $VENV" \
            || return 1
    fi
    echo "$wanted" >"$stamp"
}
