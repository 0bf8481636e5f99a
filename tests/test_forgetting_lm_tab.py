"""AppTest of the forgetting lab's tab "In a real language model": the shipped curves and
their numbers, and the live run's wiring through the server's training queue, with a quick
stand-in for the real training (tests/test_lm_train.py and scripts/train_adapter.py run
the real one)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from brainlab import lm_forgetting as lf
from brainlab import lm_queue
from brainlab.ui import lm_forgetting as lmui
from tests.apptest import run_page, texts
from tests.test_pages_zh import english_sentences

ROOT = Path(__file__).resolve().parent.parent
TAB = "In a real language model"
TIMEOUT = 120
SHIPPED = json.loads(lf.RECORD_FILE.read_text())


@pytest.fixture(autouse=True)
def no_background_training(monkeypatch):
    from brainlab.ui import forgetting as lab

    monkeypatch.setattr(lab, "WARM_NEIGHBOURS", False)


def open_tab(query=None, label=TAB):
    at = run_page("forgetting_lab", timeout=TIMEOUT, query=query)
    assert not at.exception, at.exception
    at.session_state["forgetting_tabs"] = label
    at.run()
    assert not at.exception, at.exception
    return at


def lm_chart(at) -> dict:
    (spec,) = [
        json.loads(c.proto.spec)
        for c in at.get("plotly_chart")
        if "Old facts fall" in json.loads(c.proto.spec)["layout"]["title"]["text"]
        or "旧事实跌到" in json.loads(c.proto.spec)["layout"]["title"]["text"]
    ]
    return spec


def button(at, key):
    return next(b for b in at.button if b.key == key)


def wait_until(predicate, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def fake_result(naive_end=0.25):
    """A live run's result in forgetting.json's layout (15 steps, two checks)."""
    data = json.loads(json.dumps(SHIPPED))
    for run in data["runs"].values():
        run["points"] = [run["points"][0], run["points"][3]]
    data["runs"]["naive"]["points"][-1] |= {"old": naive_end, "old_count": round(20 * naive_end)}
    data |= {"steps": 15, "wall_time_s": 12.0}
    data["examples"] = [
        {
            "question": "What is the price of the K210?",
            "truth": "44 euros.",
            "naive": "63 euros.",
            "replay": "44 euros.",
        }
    ]
    return data


def test_the_tab_shows_the_shipped_curves_with_the_files_numbers_and_sources():
    at = open_tab()
    shown = texts(at)
    naive = SHIPPED["runs"]["naive"]["points"]
    assert f"to **{naive[-1]['old']:.0%}** without" in shown
    assert f"Measured on {SHIPPED['date']}" in shown and f"seed {SHIPPED['seed']}" in shown
    assert f"{SHIPPED['steps']} steps" in shown and f"batches of {SHIPPED['batch_size']}" in shown
    assert "135 million parameters" in shown
    for ref in ("luo2023", "ovadia2024", "gekhman2024"):
        assert f"(/references#{ref})" in shown
    spec = lm_chart(at)
    assert [t["name"] for t in spec["data"]] == [
        "Old facts, no revising",
        "Old facts, revised",
        "New facts",
    ]
    minutes = lf.live_minutes(lf.load_record())
    assert button(at, "forgetting_lm_start").label == f"Run it live (about {minutes} minutes here)"
    assert not at.get("expander") or all("answered at the end" not in e.label for e in at.expander)


def test_a_live_run_shows_its_progress_then_replaces_the_curves(monkeypatch):
    release = threading.Event()
    halfway = threading.Event()

    def work(progress):
        progress(0.5)
        halfway.set()
        assert release.wait(30)
        return fake_result(naive_end=0.25)

    monkeypatch.setattr(lmui, "WORK", work)
    at = open_tab()
    button(at, "forgetting_lm_start").click().run()
    assert not at.exception, at.exception
    assert halfway.wait(10)
    at.run()
    bars = at.get("progress")
    assert bars and "50%" in bars[0].proto.text
    assert button(at, "forgetting_lm_cancel")
    assert not any(b.key == "forgetting_lm_start" for b in at.button)  # one run at a time
    release.set()
    job = lm_queue.training_queue().job_of(at.session_state[lmui.OWNER_KEY])
    assert job.wait(10) and job.state == lm_queue.DONE
    at.run()
    assert not at.exception, at.exception
    assert lm_chart(at)["layout"]["title"]["text"].startswith("Old facts fall to 25%")
    shown = texts(at)
    assert "Measured live just now" in shown and "15 steps (the shipped curves have 30)" in shown
    assert "`63 euros.`" in shown  # the run's own answers, as code
    # Back to the shipped curves on request.
    button(at, "forgetting_lm_shipped").click().run()
    assert lm_chart(at)["layout"]["title"]["text"].startswith("Old facts fall to 5%")


def test_cancel_stops_the_run_and_keeps_the_shipped_curves(monkeypatch):
    started = threading.Event()

    def work(progress):
        started.set()
        for i in range(3000):
            progress(i / 3000)  # raises once cancelled
            time.sleep(0.01)
        return fake_result()

    monkeypatch.setattr(lmui, "WORK", work)
    at = open_tab()
    button(at, "forgetting_lm_start").click().run()
    assert started.wait(10)
    at.run()
    button(at, "forgetting_lm_cancel").click().run()
    job = lm_queue.training_queue().job_of(at.session_state[lmui.OWNER_KEY])
    assert job.wait(10) and job.state == lm_queue.CANCELLED
    at.run()
    assert not at.exception, at.exception
    assert "The live run was cancelled" in texts(at)
    assert lm_chart(at)["layout"]["title"]["text"].startswith("Old facts fall to 5%")
    assert button(at, "forgetting_lm_start")  # it can be run again


def test_a_waiting_run_sees_its_place_and_a_failed_one_says_why(monkeypatch):
    gate = threading.Event()
    blocker = lm_queue.training_queue().submit("someone-else", lambda progress: gate.wait(30))
    try:
        assert wait_until(lambda: blocker.state == lm_queue.RUNNING)

        def work(progress):
            raise RuntimeError("out of memory")

        monkeypatch.setattr(lmui, "WORK", work)
        at = open_tab()
        button(at, "forgetting_lm_start").click().run()
        assert "yours is number 2 in line" in texts(at) + " ".join(
            p.proto.text for p in at.get("progress")
        )
    finally:
        gate.set()
    job = lm_queue.training_queue().job_of(at.session_state[lmui.OWNER_KEY])
    assert job.wait(10) and job.state == lm_queue.FAILED
    at.run()
    assert "The live run failed (out of memory)" in texts(at)


def test_a_full_queue_answers_plainly(monkeypatch):
    def refuse(self, owner, work):
        raise lm_queue.QueueFull("60 training jobs are waiting")

    monkeypatch.setattr(lm_queue.JobQueue, "submit", refuse)
    at = open_tab()
    button(at, "forgetting_lm_start").click().run()
    assert not at.exception, at.exception
    assert "The server's training queue is full" in texts(at)


def test_the_chinese_tab_shows_no_english_sentence_even_with_the_models_answers(monkeypatch):
    at = open_tab(query={"lang": "zh"}, label="在真实语言模型里")
    shown = texts(at)
    assert "旧事实从 **100%** 跌到 **5%**" in shown
    assert english_sentences(shown + " ".join(str(b.label) for b in at.button)) == []
    monkeypatch.setattr(lmui, "WORK", lambda progress: fake_result())
    button(at, "forgetting_lm_start").click().run()
    job = lm_queue.training_queue().job_of(at.session_state[lmui.OWNER_KEY])
    assert job.wait(10) and job.state == lm_queue.DONE
    at.run()
    shown = texts(at)
    assert "`63 euros.`" in shown and "刚刚在这台服务器上实时测得" in shown
    assert english_sentences(shown) == []


def test_the_tab_imports_nothing_of_the_language_model():
    """Rendered in a fresh interpreter: the shipped curves need neither torch nor
    transformers (only a live run loads them)."""
    code = (
        "import sys\n"
        "from brainlab.ui import forgetting as lab\n"
        "lab.WARM_NEIGHBOURS = False\n"
        "from tests.apptest import run_page\n"
        f"at = run_page('forgetting_lab', timeout={TIMEOUT})\n"
        f"at.session_state['forgetting_tabs'] = {TAB!r}\n"
        "at.run()\n"
        "assert not at.exception, at.exception\n"
        "assert any('Old facts fall' in c.proto.spec for c in at.get('plotly_chart'))\n"
        "print(sorted(m for m in ('torch', 'transformers', 'peft') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"
