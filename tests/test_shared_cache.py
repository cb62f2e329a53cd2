"""Processes filling the fact cache at the same time (flake8's workers)
share the extraction through claims: each file is extracted once, by the
process that claimed it, and read from the cache by the others; a claim
whose holder is gone, or that is too old, is taken over."""

import multiprocessing
import os
import time

import pytest

from upgradelint.engine import pipeline
from upgradelint.engine.cache import FactCache, key

from tests.helpers import RPCAPI_BAD, RPCAPI_GOOD


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("UPGRADELINT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _insert_claim(k, pid, t):
    c = FactCache(True)
    with c.db:
        c.db.execute("INSERT OR REPLACE INTO claims VALUES (?, ?, ?)", (k, pid, t))
    c.close()


def test_a_claim_held_by_a_live_process_is_not_taken(cache_dir):
    c = FactCache(True)
    _insert_claim("k1", os.getppid(), time.time())
    assert not c.claim("k1")
    c.release(["k1"])  # not ours: stays
    assert not c.claim("k1")


def test_a_claim_of_a_dead_or_slow_holder_is_taken(cache_dir):
    _insert_claim("dead", 4194305, time.time())  # above any pid_max: no such process
    _insert_claim("old", os.getppid(), time.time() - FactCache.CLAIM_TTL - 1)
    c = FactCache(True)
    assert c.claim("dead") and c.claim("old") and c.claim("new")
    c.release(["dead", "old", "new"])
    assert c.db.execute("SELECT count(*) FROM claims").fetchone()[0] == 0


def _worker(files, log):
    def job(item, real=pipeline._extract_job):
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()} {item[0]}\n")
        time.sleep(0.05)  # long enough for the two workers to meet
        return real(item)

    pipeline._extract_job = job
    store = pipeline.FactStore(True, 1, memo=True)
    try:
        got = store.facts_for({rel: (text, text.encode()) for rel, text in files.items()})
    finally:
        store.close()
    return {rel: f.rpc[0].name for rel, f in got.items()}


def test_two_processes_extract_each_file_once(cache_dir, tmp_path):
    files = {f"pkg{i}/rpcapi.py": (RPCAPI_BAD if i % 2 else RPCAPI_GOOD).replace("SchedulerAPI", f"API{i}")
             for i in range(8)}
    log = tmp_path / "jobs.log"
    mp = multiprocessing.get_context("fork")
    with mp.Pool(2) as pool:
        results = pool.starmap(_worker, [(files, str(log)), (files, str(log))])
    expected = {rel: f"API{rel[3]}" for rel in files}
    assert results == [expected, expected]
    jobs = log.read_text().split("\n")[:-1]
    assert sorted(line.split()[1] for line in jobs) == sorted(files)  # once each
    c = FactCache(True)
    assert len(c.get_many([key(rel, text.encode()) for rel, text in files.items()])) == len(files)
    assert c.db.execute("SELECT count(*) FROM claims").fetchone()[0] == 0
