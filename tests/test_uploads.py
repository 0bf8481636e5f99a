"""Issue 10, defect 8: an upload's size is checked on the server, and files no uploader
shows are not kept (Streamlit's in-memory upload store, bounded and pruned)."""

from __future__ import annotations

from unittest import mock

from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.uploaded_file_manager import UploadedFileRec

from brainlab.ui import costs as cui
from brainlab.ui import retrieval as rui
from brainlab.ui import uploads
from brainlab.words import Words

MB = 1024 * 1024


class Upload:
    """What st.file_uploader returns, as far as the labs read it."""

    def __init__(self, size: int, name: str = "big.csv", file_id: str = "f1") -> None:
        self.size, self.name, self.file_id = size, name, file_id
        self.read = 0

    def getvalue(self) -> bytes:
        self.read += 1
        return b"x" * self.size


def test_too_big_is_measured_on_the_server():
    assert uploads.too_big(Upload(3 * MB), 1)
    assert not uploads.too_big(Upload(MB), 1)
    assert uploads.size_mb(Upload(3 * MB)) == "3.0"


def test_the_cost_lab_refuses_an_over_limit_csv_without_reading_it():
    s = cui.CostState()
    big = Upload(3 * MB, name="<b>big</b>.csv")
    cui._import(s, big, Words())
    kind, note = s.import_note
    note = note.replace("\\.", ".")
    assert kind == "error" and "3.0 MB" in note and "at most 1 MB" in note
    assert "<b>" not in note  # the file name is shown as text
    assert big.read == 0 and s.values == {}


def test_the_retrieval_lab_refuses_an_over_limit_library():
    lab = rui.Lab(library=[], brain=None)
    state = {"retrieval_import": Upload(5 * MB, name="lib.json"), rui.STATE: lab}
    with mock.patch.object(rui.st, "session_state", state):
        rui._import()
    assert lab.pending is None
    ((_where, kind, text),) = lab.notices
    assert kind == "error" and "5.0 MB" in text and "at most 2 MB" in text


def add(manager, session, file_id, size):
    manager.add_file(session, UploadedFileRec(file_id, f"{file_id}.bin", "x", b"x" * size))


def test_one_session_cannot_pile_up_uploads():
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    uploads.install_bound(manager)
    uploads.install_bound(manager)  # once only
    for i in range(10):
        add(manager, "s1", f"f{i}", 5 * MB)  # 10 x 5 MB, as in the probe
    add(manager, "s2", "other", MB)
    kept = manager.file_storage["s1"]
    assert list(kept) == ["f9"]  # 6 MB per session: only the newest 5 MB file fits
    for i in range(6):
        add(manager, "s1", f"small{i}", 1000)
    assert len(manager.file_storage["s1"]) == uploads.MAX_FILES_PER_SESSION
    assert "small5" in manager.file_storage["s1"]
    assert list(manager.file_storage["s2"]) == ["other"]  # another session untouched


def test_unattached_files_are_dropped_after_the_grace_period():
    manager = MemoryUploadedFileManager("/_stcore/upload_file")
    uploads.install_bound(manager)
    add(manager, "s", "attached", 10)
    add(manager, "s", "orphan", 10)
    now = uploads._first_seen[("s", "orphan")]
    assert uploads.prune(manager, "s", {"attached"}, now=now + 1) == 0  # may be attached soon
    assert uploads.prune(manager, "s", {"attached"}, now=now + uploads.GRACE_SECONDS) == 1
    assert list(manager.file_storage["s"]) == ["attached"]
