"""A classroom opening the Retrieval lab at once, without browsers (issue 10, item 3).

    python benchmarks/classroom_load.py [--sessions 10,30,60] [--questions 3] [--nginx]
    python benchmarks/classroom_load.py --url URL   # a running server on loopback, warm only

Each simulated student speaks Streamlit's own websocket protocol: it connects to
``/_stcore/stream`` (subprotocol ``streamlit``), sends a ``BackMsg`` rerun for the
``retrieval_lab`` page and reads ``ForwardMsg`` messages until that run has finished, then
asks ``--questions`` new questions, each a rerun with the question box's widget state and
the address a browser would send, timed until its run finishes. Each answer must say what
the library says ("44 euros", "30 days"): a wrong answer counts as an error.

Two times per student for its first page, from the moment all students connect:

- **page shown**: the question box has arrived. The lesson, the question and, on a cold
  server, the model's loading progress are on the student's screen (Streamlit sends a run's
  elements as they are made): the page is there and can be read, the answer may still come.
- **first page**: the first run has finished, the library's answer drawn. On a cold server
  this includes loading the model (``import torch`` and the library's embeddings). The
  issue's target (cold N=30 p95 <= 8 s, "model load included") is read against this one.

Without ``--url`` it starts its own server (127.0.0.1, a free port, a temporary workspace
folder) and measures, for each N, **cold** (a just-started server: the model loads while
the students wait) and **warm** (the same N again on that server); ``--nginx`` puts nginx
with deploy/nginx.conf (only its ports changed) in front of it, as in tests/test_replicas.py.
Printed: page shown and first page p50/p95/max, question p50/p95, errors, server RSS before
/ with the sessions / after they closed, and the RSS per extra session.

Bounded: at most 60 sessions per round and 5 questions each, every wait has a timeout, and
the whole run stops after ``--max-seconds``. It refuses any address that is not loopback:
it is a load generator, only for this machine. Run it under ``flock /tmp/browser.lock``.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import socket
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import websockets  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

MAX_SESSIONS = 60
MAX_QUESTIONS = 5
PAGE = "retrieval_lab"
QUESTION_KEY = "retrieval_query"
#: Questions and a word the library's answer must contain (a wrong page counts as an error).
QUESTIONS = [
    ("How much does the K210 kettle cost?", "44 euros"),
    ("How many days do I have to return a product?", "30 days"),
    ("How much does the K210 kettle cost, please?", "44 euros"),
    ("What is the return period for a product?", "30 days"),
    ("What does the K210 kettle cost?", "44 euros"),
]
DONE = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


def check_loopback(url: str) -> None:
    """Refuse anything but this machine."""
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        raise SystemExit(f"refusing {url!r}: cannot resolve {host!r}") from None
    if not addresses or not all(ipaddress.ip_address(a).is_loopback for a in addresses):
        raise SystemExit(f"refusing {url!r}: this load generator only targets loopback")


@dataclass
class Session:
    #: Seconds from the start until the question box arrived: the page is on screen and
    #: usable (the lesson, the question, the loading progress), the answer may still come.
    shown: float | None = None
    #: Seconds until the first run finished: the page with the library's answer drawn (on
    #: a cold server, after the model has loaded). "First page" in the printout.
    first_page: float | None = None
    questions: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    done: bool = False


def _walk_ids(msg: ForwardMsg, found: dict[str, str]) -> None:
    if msg.WhichOneof("type") != "delta":
        return
    delta = msg.delta
    if delta.WhichOneof("type") != "new_element":
        return
    element = delta.new_element
    kind = element.WhichOneof("type")
    if kind == "exception":
        found["__exception__"] = element.exception.message or "exception"
        return
    if kind in ("markdown", "alert"):
        body = element.markdown.body if kind == "markdown" else element.alert.body
        found["__text__"] = found.get("__text__", "") + "\n" + body
    widget = getattr(element, kind, None)
    wid = getattr(widget, "id", "") if widget is not None else ""
    if wid and wid.endswith(QUESTION_KEY):
        found[QUESTION_KEY] = wid
        found["__default__"] = getattr(widget, "default", "")
        # The box sits in the stage's fragment: a browser reruns only that fragment.
        found["__fragment__"] = delta.fragment_id


async def _run(ws, state: BackMsg, timeout: float, found: dict[str, str]) -> None:
    await ws.send(state.SerializeToString())
    started = False
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("script run did not finish in time")
        raw = await asyncio.wait_for(ws.recv(), timeout=left)
        msg = ForwardMsg()
        msg.ParseFromString(raw)
        kind = msg.WhichOneof("type")
        # A run the server had already started (a preload's or a fragment's) may finish
        # after our request was sent: only the run that starts after it is ours.
        if kind == "new_session":
            started = True
            found.pop("__text__", None)
            found.pop("__exception__", None)
        if kind == "navigation":
            found["__page__"] = msg.navigation.page_script_hash
        if kind == "page_info_changed":
            found["__qs__"] = msg.page_info_changed.query_string
        _walk_ids(msg, found)
        if QUESTION_KEY in found and "__shown__" not in found:
            found["__shown__"] = time.monotonic()
        if started and kind == "script_finished" and msg.script_finished in DONE:
            return


def rerun(
    query: str, widgets: dict[str, str] | None = None, page: str = "", fragment: str = ""
) -> BackMsg:
    """A rerun as the browser sends it: the first names the page by its address; a later
    one by the page's script hash (a page name would be a navigation, which starts the page
    afresh) and, for a widget inside a fragment, that fragment's id (only it reruns)."""
    back = BackMsg()
    back.rerun_script.query_string = query
    if page:
        back.rerun_script.page_script_hash = page
    else:
        back.rerun_script.page_name = PAGE
    if fragment:
        back.rerun_script.fragment_id = fragment
    for wid, value in (widgets or {}).items():
        w = back.rerun_script.widget_states.widgets.add()
        w.id = wid
        w.string_value = value
    return back


def bound_query(found: dict[str, str], question: str) -> str:
    """The query string a browser sends with ``question`` typed into the bound question box:
    the address the server last set, the box's parameter set to the question, or dropped
    when the question is the box's default (Streamlit's frontend collapses a bound widget's
    default out of the address)."""
    query = dict(parse_qsl(found.get("__qs__", "")))
    if question == found.get("__default__"):
        query.pop(QUESTION_KEY, None)
    else:
        query[QUESTION_KEY] = question
    return urlencode(query)


async def student(
    url: str, n: int, questions: int, timeout: float, start: float, hold: asyncio.Event, s
) -> Session:
    ws_url = url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"
    try:
        async with websockets.connect(
            ws_url, subprotocols=["streamlit"], max_size=2**26, open_timeout=timeout
        ) as ws:
            found: dict[str, str] = {}
            await _run(ws, rerun(""), timeout, found)
            s.first_page = time.monotonic() - start
            if "__shown__" in found:
                s.shown = found["__shown__"] - start
            if "__exception__" in found:
                s.errors.append(found["__exception__"])
            if found.get(QUESTION_KEY) is None:
                s.errors.append("no question box on the first page")
                return s
            for i in range(questions):
                q, expect = QUESTIONS[(n + i) % len(QUESTIONS)]
                t = time.monotonic()
                found.pop("__exception__", None)
                found.pop("__text__", None)
                # As a browser does: its address bar (what the server last set, the
                # workspace id included) with the bound question box's new value, which
                # the browser leaves out when it is the box's default (sending it anyway
                # made the server answer the previous question again).
                query = bound_query(found, q)
                # The box's id as the last run drew it, as a browser sends it.
                qid = found[QUESTION_KEY]
                back = rerun(query, {qid: q}, found["__page__"], found.get("__fragment__", ""))
                await _run(ws, back, timeout, found)
                s.questions.append(time.monotonic() - t)
                if "__exception__" in found:
                    s.errors.append(found["__exception__"])
                elif expect not in (text := found.get("__text__", "").replace("\\", "")):
                    said = " ".join(text.split())[:160]
                    s.errors.append(f"the answer to {q!r} does not say {expect!r}: {said!r}")
            s.done = True
            await hold.wait()  # stay connected until the server's RSS has been read
    except Exception as exc:
        s.errors.append(f"{type(exc).__name__}: {exc}"[:200])
    return s


async def classroom(
    url: str, n: int, questions: int, timeout: float, pid: int | None
) -> tuple[list[Session], float | None]:
    """Run ``n`` students at once; return them and the server's RSS while all are open."""
    start = time.monotonic()
    hold = asyncio.Event()
    sessions = [Session() for _ in range(n)]
    tasks = [
        asyncio.ensure_future(student(url, i, questions, timeout, start, hold, sessions[i]))
        for i in range(n)
    ]
    # Every student has asked its questions and waits, still connected (or has failed).
    while not all(t.done() or s.done for t, s in zip(tasks, sessions, strict=True)):
        await asyncio.sleep(0.1)
    during = rss_mb(pid)
    hold.set()
    await asyncio.gather(*tasks)
    return sessions, during


def rss_mb(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))] if s else float("nan")


def report(label: str, sessions: list[Session], rss: tuple) -> dict:
    firsts = [s.first_page for s in sessions if s.first_page is not None]
    shown = [s.shown for s in sessions if s.shown is not None]
    qs = [q for s in sessions for q in s.questions]
    errors = [e for s in sessions for e in s.errors]
    before, during, after = rss
    n = len(sessions)
    per = (during - before) / n if before and during else float("nan")
    print(
        f"{label:<14} N={n:3d}  first page p50 {statistics.median(firsts) if firsts else 0:6.2f} s"
        f"  p95 {pct(firsts, 0.95):6.2f} s  max {max(firsts, default=0):6.2f} s"
        f" | question p50 {statistics.median(qs) if qs else 0:5.2f} s"
        f"  p95 {pct(qs, 0.95):5.2f} s | errors {len(errors)}"
    )
    print(
        f"{'':<14} page shown (question box) p50 "
        f"{statistics.median(shown) if shown else 0:6.2f} s  p95 {pct(shown, 0.95):6.2f} s"
        f"  max {max(shown, default=0):6.2f} s"
    )
    if before:
        print(
            f"{'':<14} RSS before {before:6.0f} MB, with sessions {during:6.0f} MB, "
            f"after close {after:6.0f} MB; {per:5.1f} MB per extra session"
        )
    for e in sorted(set(errors))[:5]:
        print(f"{'':<14} error: {e}")
    return {
        "shown_p95": pct(shown, 0.95),
        "first_p95": pct(firsts, 0.95),
        "question_p95": pct(qs, 0.95),
        "errors": len(errors),
    }


def measure(url: str, pid: int | None, n: int, args, label: str) -> dict:
    before = rss_mb(pid)
    sessions, during = asyncio.run(classroom(url, n, args.questions, args.timeout, pid))
    time.sleep(args.settle)
    after = rss_mb(pid)
    return report(label, sessions, (before, during, after))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="10,30,60", help="comma-separated N (<= 60)")
    parser.add_argument("--questions", type=int, default=3, help="questions per student (<= 5)")
    parser.add_argument("--url", help="an already running server on loopback (warm only)")
    parser.add_argument("--timeout", type=float, default=240, help="seconds per script run")
    parser.add_argument("--settle", type=float, default=2, help="seconds before RSS after")
    parser.add_argument("--max-seconds", type=float, default=1500, help="stop after this")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold rounds")
    parser.add_argument(
        "--nginx",
        action="store_true",
        help="through nginx running deploy/nginx.conf (its ports changed) in front of the server",
    )
    args = parser.parse_args()
    counts = [int(x) for x in args.sessions.split(",") if x.strip()]
    if any(c < 1 or c > MAX_SESSIONS for c in counts):
        raise SystemExit(f"each N must be 1..{MAX_SESSIONS}")
    if not 0 <= args.questions <= MAX_QUESTIONS:
        raise SystemExit(f"--questions must be 0..{MAX_QUESTIONS}")
    deadline = time.monotonic() + args.max_seconds

    if args.url:
        check_loopback(args.url)
        for n in counts:
            if time.monotonic() > deadline:
                print("stopped: --max-seconds reached")
                break
            measure(args.url, None, n, args, "warm")
        return

    from tests.browser.harness import streamlit_process

    os.environ.setdefault("BRAINLAB_DATA_DIR", tempfile.mkdtemp(prefix="brainlab-load-"))
    for n in counts:
        if time.monotonic() > deadline:
            print("stopped: --max-seconds reached")
            break
        with ExitStack() as stack:
            url, proc = stack.enter_context(streamlit_process())
            check_loopback(url)
            where = "direct"
            if args.nginx:
                from tests.test_replicas import nginx, nginx_binary

                binary = nginx_binary()
                if binary is None:
                    raise SystemExit("--nginx: nginx not found (Debian: apt-get install nginx)")
                folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="load-")))
                upstream = urlsplit(url).netloc
                # deploy/nginx.conf lists two replicas: both are this one server here.
                url = stack.enter_context(nginx(binary, folder, [upstream, upstream]))
                check_loopback(url)
                where = "nginx"
            if not args.no_cold:
                measure(url, proc.pid, n, args, f"cold {where}")
            measure(url, proc.pid, n, args, f"warm {where}")


if __name__ == "__main__":
    main()
