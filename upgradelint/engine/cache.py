"""Facts cached by file content: one SQLite file in a directory that is safe
to delete (``$UPGRADELINT_CACHE_DIR``, else ``$XDG_CACHE_HOME/upgradelint``)."""

from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import time

from upgradelint import __version__
from upgradelint.core.model import FACTS_SCHEMA

_SALT = f"{__version__}:{FACTS_SCHEMA}".encode()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, not ours to signal
        return True
    return True


def cache_dir() -> str:
    env = os.environ.get("UPGRADELINT_CACHE_DIR")
    if env:
        return env
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "upgradelint")


def key(relpath: str, data: bytes) -> str:
    h = hashlib.blake2b(_SALT, digest_size=20)
    h.update(relpath.encode("utf-8", "surrogateescape"))
    h.update(b"\0")
    h.update(data)
    return h.hexdigest()


class FactCache:
    """Read everything needed in one query; write new entries in one transaction.
    Any problem with the cache disables it quietly: it is only a cache."""

    def __init__(self, enabled: bool = True):
        self.db = None
        if not enabled:
            return
        try:
            d = cache_dir()
            os.makedirs(d, exist_ok=True)
            self.db = sqlite3.connect(os.path.join(d, f"facts-{FACTS_SCHEMA}.sqlite"), timeout=5)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("CREATE TABLE IF NOT EXISTS facts (k TEXT PRIMARY KEY, v BLOB)")
            self.db.execute("CREATE TABLE IF NOT EXISTS claims (k TEXT PRIMARY KEY, pid INTEGER, t REAL)")
        except (OSError, sqlite3.Error):
            self.db = None

    # Claims: processes filling the cache at the same time (flake8's workers)
    # share the work instead of each extracting the same context files: a
    # process extracts only what it claimed, publishes each result at once,
    # and reads the others' results from the cache.
    CLAIM_TTL = 120.0  # seconds after which an unpublished claim is another's to take

    def claim(self, k: str) -> bool:
        """Take ``k`` to extract; False when another live process holds it.
        True too when the cache is off: then nobody else can be waited for."""
        if self.db is None:
            return True
        now, pid = time.time(), os.getpid()
        try:
            with self.db:
                if self.db.execute("INSERT OR IGNORE INTO claims VALUES (?, ?, ?)", (k, pid, now)).rowcount:
                    return True
                row = self.db.execute("SELECT pid, t FROM claims WHERE k = ?", (k,)).fetchone()
                if row is None or row[0] == pid or now - row[1] > self.CLAIM_TTL or not _alive(row[0]):
                    self.db.execute("INSERT OR REPLACE INTO claims VALUES (?, ?, ?)", (k, pid, now))
                    return True
                return False
        except sqlite3.Error:
            return True

    def release(self, keys) -> None:
        if self.db is None or not keys:
            return
        try:
            with self.db:
                self.db.executemany("DELETE FROM claims WHERE k = ? AND pid = ?", [(k, os.getpid()) for k in keys])
        except sqlite3.Error:
            pass

    def get_many(self, keys: list[str]) -> dict:
        out = {}
        if self.db is None or not keys:
            return out
        try:
            for i in range(0, len(keys), 500):
                chunk = keys[i:i + 500]
                q = f"SELECT k, v FROM facts WHERE k IN ({','.join('?' * len(chunk))})"
                for k, v in self.db.execute(q, chunk):
                    try:
                        out[k] = pickle.loads(v)
                    except Exception:  # noqa: BLE001 - a stale or broken entry is a miss
                        pass
        except sqlite3.Error:
            return {}
        return out

    def put_many(self, items: dict) -> None:
        if self.db is None or not items:
            return
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO facts VALUES (?, ?)",
                                    [(k, pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL)) for k, v in items.items()])
        except sqlite3.Error:
            pass

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


# A second use of the same store: results derived from files the facts do not
# cover (modules the fingerprint reads lazily, library sources, stubs), keyed
# by namespace and content. The engine switches it with the run's cache setting.
_aux: FactCache | None = None
_aux_enabled = True


def configure(enabled: bool) -> None:
    global _aux, _aux_enabled
    _aux_enabled = enabled
    if not enabled and _aux is not None:
        _aux.close()
        _aux = None


def cached(namespace: str, data: bytes, compute):
    """``compute()``, memoised on disk by (namespace, data); None is not stored."""
    global _aux
    if not _aux_enabled:
        return compute()
    if _aux is None:
        _aux = FactCache(True)
    k = key(namespace, data)
    hit = _aux.get_many([k]).get(k)
    if hit is not None:
        return hit
    value = compute()
    if value is not None:
        _aux.put_many({k: value})
    return value
