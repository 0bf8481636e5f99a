"""Shared test set-up: the project root on sys.path, and the environment the app expects."""

import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The same environment app.py sets, for tests that load the model without app.py.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# AppTests run app.py inside this process: no background model load there (a test that
# needs the model still loads it on demand). Servers started by the browser tests preload.
from brainlab import preload  # noqa: E402

preload.disable_background()

# The library's answer is generated only in the tests that ask for it (the fixture
# ``generated_answers`` in tests/test_lm_answer_page.py loads the small model and turns it on):
# every other AppTest sees the extractive box, whichever test loaded the model before.
from brainlab.ui import lm_answer  # noqa: E402

lm_answer.disable()

# Likewise the specialist's orange box: the stand-in unless a test turns the fine-tune on
# (tests/test_lm_specialist_page.py).
from brainlab.ui import lm_specialist  # noqa: E402

lm_specialist.disable()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the project's content/ and pages/ to break on purpose; returns its content/."""
    shutil.copytree(ROOT / "content", tmp_path / "content")
    shutil.copytree(ROOT / "pages", tmp_path / "pages")
    return tmp_path / "content"


# Workspaces (brainlab/store.py) go to a temporary folder, never the repository's data/:
# AppTests and the servers the browser tests start inherit it.
if not os.environ.get("BRAINLAB_TEST_KEEP_DATA_DIR"):
    import tempfile

    os.environ["BRAINLAB_DATA_DIR"] = tempfile.mkdtemp(prefix="brainlab-ws-")
    # Nor a PostgreSQL database of the developer's: the tests that need one start their own.
    os.environ.pop("BRAINLAB_DATABASE_URL", None)


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL server for this test session (tests/pg_server.py): skipped
    without PostgreSQL, failed instead under CI."""
    from tests import pg_server

    if pg_server.bindir() is None:
        if pg_server.under_ci():
            pytest.fail(f"{pg_server.HOW_TO_GET}. CI must run these tests, never skip them.")
        pytest.skip(pg_server.HOW_TO_GET)
    with pg_server.cluster() as running:
        yield running


@pytest.fixture(scope="session")
def lm_model():
    """The real small language model (brainlab/lm.py), loaded once for the whole session
    (about 17 s). Tests that add an adapter remove it again."""
    from brainlab import lm

    return lm.load_lm()
