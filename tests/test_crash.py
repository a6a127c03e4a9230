"""Kill a run with SIGKILL at different points; the next run must finish the work with exactly
the contents of an uninterrupted run: nothing lost, nothing duplicated, no work redone that was
already saved. On SQLite and PostgreSQL.

Each run is its own process (forked by tests/store/worker.py's warm server; ingest_into_store
without Prefect). The kill comes from inside (SISTERCITY_FAULT: after claiming a document, after
processing it, inside the save transaction with its rows written, right after the commit) or from
outside (SIGKILL sent by this test once N documents are processed, wherever the run is then).
After every kill the store is checked: each stored document equals its uninterrupted version, no
orphan rows, only dead runs' claims, and the killed run shows as interrupted.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from tests.store.dbs import KINDS, PG_ENV, dump, fresh_database, inbox_files, make_inbox, row_counts

pytestmark = pytest.mark.slow

# A scenario is the list of kills, one per run, before a last clean run.
SCENARIOS = {
    "after claiming the 2nd document": ["claimed@2"],
    "inside the save transaction, twice in a row": ["save:rows@2", "save:rows@1"],
    "before saving, then right after a commit": ["processed@1", "saved@2"],
    "SIGKILL from outside after 2 documents": ["external@2"],
}
REDONE = {"processed", "save:rows"}  # kills that lose one document's processing (it is done again)


@pytest.fixture(scope="module")
def runner():
    from tests.store.worker import shared_runner

    return shared_runner()


@pytest.fixture(scope="module")
def reference(runner, tmp_path_factory):
    """The store after one uninterrupted run (SQLite); PostgreSQL must end with the same."""
    folder = tmp_path_factory.mktemp("reference")
    inbox = make_inbox(folder / "inbox")
    url = f"sqlite:///{folder / 'reference.db'}"
    pid, _ = runner.start(url, inbox)
    assert runner.wait(pid) == 0, runner.stderr()
    return dump(url, inbox)


def processed(log: Path, pid: int | None = None) -> list[str]:
    if not log.exists():
        return []
    lines = [line.split(" ", 1) for line in log.read_text().splitlines()]
    return [path for p, path in lines if pid is None or int(p) == pid]


def run(runner, url: str, inbox: Path, log: Path, kill: str | None) -> tuple[int, Path]:
    if kill and kill.startswith("external@"):
        n = int(kill.partition("@")[2])
        pid, out = runner.start(url, inbox, log, pause=0.2)
        deadline = time.monotonic() + 120
        while len(processed(log, pid)) < n and not out.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        runner.kill(pid)
    else:
        pid, out = runner.start(url, inbox, log, fault=kill)
    return runner.wait(pid), out  # the server reaps the run: its pid is then dead


def check_partial(url: str, inbox: Path, reference: dict, what: str) -> None:
    from pipeline.store.db import Store, owner_is_dead

    got = dump(url, inbox)
    for key, doc in got.items():
        assert doc == reference[key], f"{what}: {key} differs from its uninterrupted version"
    counts = row_counts(url)
    assert counts["documents"] == len(got), what
    assert counts["passages"] == sum(len(d["passages"]) for d in got.values()), f"{what}: orphan or duplicate passages"
    assert counts["entities"] == sum(len(d["entities"]) for d in got.values()), f"{what}: orphan or duplicate entities"
    store = Store(url)
    assert all(owner_is_dead(c["owner"]) for c in store.claims()), what
    assert store.runs(1)[0]["status"] == "interrupted", f"{what}: the killed run is not shown as interrupted"
    store.close()


@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("kind", KINDS)
def test_killed_runs_are_finished_by_the_next_run(kind, name, runner, reference, tmp_path):
    from pipeline.store.db import Store

    if kind == "postgresql" and not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set (.ci/run starts a PostgreSQL server and sets it)")
    kills = SCENARIOS[name]
    with fresh_database(kind, tmp_path) as url:
        inbox = make_inbox(tmp_path / "inbox")
        log = tmp_path / "processed.log"
        for i, kill in enumerate(kills, 1):
            what = f"run {i} ({kill})"
            returncode, out = run(runner, url, inbox, log, kill)
            assert returncode == -signal.SIGKILL, f"{what} was not killed (rc {returncode}): {out.read_text() if out.exists() else ''}"
            check_partial(url, inbox, reference, what)
        returncode, out = run(runner, url, inbox, log, None)
        assert returncode == 0, f"the clean run failed: {out.read_text()}"
        assert dump(url, inbox) == reference, "contents differ from an uninterrupted run"
        assert row_counts(url) == {"documents": len(reference), "claims": 0,
                                   "passages": sum(len(d["passages"]) for d in reference.values()),
                                   "entities": sum(len(d["entities"]) for d in reference.values())}
        work = processed(log)
        assert set(work) == inbox_files(inbox)
        again = len(work) - len(inbox_files(inbox))
        if any(k.startswith("external@") for k in kills):
            assert again in (0, 1), f"{again} documents processed more than once"
        else:
            expected = sum(k.partition("@")[0] in REDONE for k in kills)
            assert again == expected, f"{again} documents processed again, expected {expected}"
        final = json.loads(out.read_text())["counts"]
        assert final["busy"] == final["changed"] == 0
        assert final["skipped"] + final["new"] + final["failed"] == final["seen"] == len(inbox_files(inbox))
        store = Store(url)
        assert [r["status"] for r in store.runs()] == ["ok"] + ["interrupted"] * len(kills)
        store.close()
