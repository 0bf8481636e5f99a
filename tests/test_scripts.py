"""The README's two commands and their settings: the scripts make and reuse .venv, test.sh
on a machine without apt-get says how to get Chromium and still runs the tests, and
Streamlit's e-mail prompt is off.

Running the real commands (a 2 GB install) is too slow here, so the scripts run in a copy of
the project whose requirements files are empty.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import ROOT

BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)
# The tools the scripts use, and nothing else: no apt-get, no sudo.
TOOLS = ("bash", "sh", "cat", "cksum", "basename", "dirname", "id", "env", "rm", "grep")


def test_config_turns_the_email_prompt_off():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["showEmailPrompt"] is False
    # ...and it is an option Streamlit knows (a misspelt key would be ignored silently).
    from streamlit import config as st_config

    assert "server.showEmailPrompt" in st_config._config_options_template


def test_both_commands_go_through_the_venv():
    for script in ("run.sh", "test.sh"):
        text = (ROOT / "scripts" / script).read_text()
        assert "source scripts/venv.sh" in text
        assert 'exec "$VENV/bin/python" -m' in text
    assert "bash scripts/run.sh" in (ROOT / "README.md").read_text()
    assert "bash scripts/test.sh" in (ROOT / "README.md").read_text()
    assert (ROOT / ".ci" / "run").read_text().rstrip().endswith("bash scripts/test.sh")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the scripts in a project whose requirements install nothing."""
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    (tmp_path / "requirements.txt").write_text("# nothing to install in this test\n")
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\n")
    return tmp_path


def bare_path(tmp_path: Path, extra: dict[str, str] | None = None) -> str:
    """A PATH holding only TOOLS (plus ``extra`` name -> script): no apt-get, no sudo."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    for name, body in (extra or {}).items():
        (bin_dir / name).write_text(body)
        (bin_dir / name).chmod(0o755)
    return str(bin_dir)


def use_venv(project: Path, requirements: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f"source scripts/venv.sh && use_venv {requirements}"],
        cwd=project,
        env={**os.environ, "PYTHON": BASE_PYTHON},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_use_venv_makes_then_reuses_the_venv(project: Path):
    first = use_venv(project, "requirements.txt")
    assert first.returncode == 0, first.stderr
    assert "Making the virtual environment .venv" in first.stderr
    python = project / ".venv" / "bin" / "python"
    assert (project / ".venv" / "pyvenv.cfg").is_file()
    check = [str(python), "-c", "import sys; print(sys.prefix != sys.base_prefix)"]
    assert subprocess.run(check, capture_output=True, text=True).stdout.strip() == "True"
    made = (project / ".venv" / "pyvenv.cfg").stat().st_mtime_ns

    again = use_venv(project, "requirements.txt")
    assert again.returncode == 0, again.stderr
    assert "Reusing the virtual environment .venv" in again.stderr
    assert "Making" not in again.stderr
    assert "Installing" not in again.stderr  # requirements unchanged: no pip run
    assert (project / ".venv" / "pyvenv.cfg").stat().st_mtime_ns == made

    (project / "requirements.txt").write_text("# changed\n")
    changed = use_venv(project, "requirements.txt")
    assert "Reusing" in changed.stderr
    assert "Installing requirements.txt into .venv" in changed.stderr


def test_use_venv_refuses_an_old_python_plainly(project: Path, tmp_path: Path):
    old = tmp_path / "python3.9"
    # Answers like a Python 3.9 (the version check fails, the version reads 3.9.6).
    old.write_text('#!/bin/sh\ncase "$*" in *version_info*) exit 1 ;; esac\necho 3.9.6\n')
    old.chmod(0o755)
    out = subprocess.run(
        ["bash", "-c", "source scripts/venv.sh && use_venv requirements.txt"],
        cwd=project,
        env={**os.environ, "PYTHON": str(old)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0
    assert "needs 3.11 or newer" in out.stderr
    assert not (project / ".venv").exists()


FAKE_PYTHON = """#!/bin/sh
# A venv's python that records what test.sh asks of it.
case "$1 $2" in
  "-m pip") echo "pip $*" >>"$LOG"; exit 0 ;;
  "-m pytest") shift 2; echo "pytest $* CHROMIUM_PATH=${CHROMIUM_PATH:-}" >>"$LOG"; exit 0 ;;
esac
exec {python} "$@"
"""


def run_test_sh(project: Path, tmp_path: Path, *, extra=None, ci=False, chromium="/nowhere"):
    """scripts/test.sh in ``project`` with a recording venv and a PATH without apt-get."""
    venv_bin = project / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "python").write_text(FAKE_PYTHON.replace("{python}", BASE_PYTHON))
    (venv_bin / "python").chmod(0o755)
    log = tmp_path / "calls.log"
    env = {"PATH": bare_path(tmp_path, extra), "HOME": str(tmp_path), "LOG": str(log)}
    if chromium:
        env["CHROMIUM_PATH"] = chromium
    if ci:
        env["CI"] = "true"
    out = subprocess.run(
        ["bash", "scripts/test.sh", "-k", "something"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return out, log.read_text() if log.exists() else ""


SUDO = '#!/bin/sh\necho "sudo $*" >>"$LOG"\nexit 1\n'


def test_test_sh_without_apt_get_says_how_to_get_chromium_then_runs_the_tests(project, tmp_path):
    out, calls = run_test_sh(project, tmp_path, extra={"sudo": SUDO})
    assert out.returncode == 0, out.stderr
    assert "Chromium is missing, and this machine has no apt-get" in out.stderr
    assert "What it is for: the browser tests" in out.stderr
    assert "sudo dnf install chromium" in out.stderr
    assert "brew install --cask chromium" in out.stderr
    assert "reported as skipped" in out.stderr
    assert "pip install" in calls and "requirements-dev.txt" in calls
    assert "pytest -k something" in calls  # the tests ran, with the arguments passed on
    assert "sudo" not in calls  # nothing tried sudo apt-get (the rc 127 of the old script)


def test_test_sh_under_ci_says_the_browser_tests_will_fail(project, tmp_path):
    out, calls = run_test_sh(project, tmp_path, ci=True)
    assert out.returncode == 0, out.stderr
    assert "Under CI the browser tests FAIL without Chromium" in out.stderr
    assert "pytest -k something" in calls


def test_test_sh_finds_a_chromium_on_the_path(project, tmp_path):
    out, calls = run_test_sh(
        project, tmp_path, extra={"chromium-browser": "#!/bin/sh\n"}, chromium=None
    )
    if Path("/usr/bin/chromium").exists():
        expected = "/usr/bin/chromium"  # Debian's package comes first
    else:
        expected = str(tmp_path / "bin" / "chromium-browser")
    assert "Chromium is missing" not in out.stderr
    assert f"CHROMIUM_PATH={expected}" in calls


def test_test_sh_when_apt_get_fails_still_runs_the_tests(project, tmp_path):
    apt = '#!/bin/sh\necho "apt-get $*" >>"$LOG"\nexit 100\n'
    out, calls = run_test_sh(project, tmp_path, extra={"apt-get": apt, "sudo": SUDO})
    assert out.returncode == 0, out.stderr
    assert "apt-get could not install it" in out.stderr
    assert "pytest -k something" in calls
