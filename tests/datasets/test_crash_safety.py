"""A writer killed with SIGKILL mid-run leaves a consistent store, and the next run finishes the rest only."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from lab_cli.datasets.store import DirectoryStore

KEY = "c0ffee" * 10 + "abcd"
BATCH, TOTAL = 20_000, 120_000

WRITER = f"""
import sys
from pathlib import Path
from lab_cli.datasets.store import DirectoryStore

store = DirectoryStore(Path(sys.argv[1]))
start = store.count({KEY!r})
made = 0
for first in range(start, {TOTAL}, {BATCH}):
    batch = [{{"n": n, "text": "x" * 40}} for n in range(first, min(first + {BATCH}, {TOTAL}))]
    store.append({KEY!r}, batch)
    made += len(batch)
store.mark_complete({KEY!r})
print(made)
"""


def test_sigkill_mid_batch_then_resume(tmp_path: Path) -> None:
    root = tmp_path / "store"
    child = subprocess.Popen([sys.executable, "-c", WRITER, str(root)], stdout=subprocess.PIPE, text=True)
    folder = root / KEY[:2] / KEY
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(folder.glob("part-*.jsonl"))) < 2:
        time.sleep(0.005)
    child.send_signal(signal.SIGKILL)
    child.wait()

    store = DirectoryStore(root)
    stored = store.count(KEY)
    assert 0 < stored < TOTAL and stored % BATCH == 0  # whole batches only
    for part in folder.glob("part-*.jsonl"):  # every visible part parses completely
        assert all(json.loads(line)["text"] for line in part.read_text().splitlines())
    assert not store.is_complete(KEY)

    rerun = subprocess.run([sys.executable, "-c", WRITER, str(root)], capture_output=True, text=True, check=True)
    assert int(rerun.stdout) == TOTAL - stored  # nothing finished before the kill was redone
    assert [sample["n"] for sample in store.read(KEY)] == list(range(TOTAL))
    assert store.is_complete(KEY)


APPENDER = """
import sys
from pathlib import Path
from lab_cli.datasets.store import DirectoryStore

store = DirectoryStore(Path(sys.argv[1]))
writer = sys.argv[2]
for batch in range(150):
    store.append("{key}", [{{"writer": writer, "batch": batch}}])
"""


def test_two_processes_appending_to_one_key_lose_no_batch(tmp_path: Path) -> None:
    root = tmp_path / "store"
    script = APPENDER.format(key=KEY)
    writers = [subprocess.Popen([sys.executable, "-c", script, str(root), name]) for name in ("a", "b", "c")]
    assert all(writer.wait(timeout=120) == 0 for writer in writers)
    stored = [(sample["writer"], sample["batch"]) for sample in DirectoryStore(root).read(KEY)]
    assert sorted(stored) == sorted((name, batch) for name in ("a", "b", "c") for batch in range(150))


def test_without_hard_links_parts_are_still_never_overwritten(tmp_path: Path, monkeypatch) -> None:
    import os

    import pytest

    from lab_cli.datasets.store import write_atomic_text

    def no_links(source: object, target: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    store = DirectoryStore(tmp_path / "store")
    store.append(KEY, [{"n": 1}])
    store.append(KEY, [{"n": 2}])
    assert [sample["n"] for sample in store.read(KEY)] == [1, 2]
    with pytest.raises(FileExistsError):
        write_atomic_text(tmp_path / "store" / KEY[:2] / KEY / "part-000001.jsonl", "x\n", replace=False)
    assert [sample["n"] for sample in store.read(KEY)] == [1, 2] and not list(tmp_path.rglob("*.tmp"))
