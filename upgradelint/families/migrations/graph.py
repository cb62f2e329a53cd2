"""The order migrations run in, per ``.../versions`` tree: alembic scripts by
``down_revision``, sqlalchemy-migrate scripts (which carry no revision
variables) by the ``NNN_`` number of their file name."""

from __future__ import annotations

import posixpath
import re

from upgradelint.families.migrations.facts import Migration, versions_root

_NUMBERED = re.compile(r"^(\d+)_")
_INITIAL_REVISIONS = {"8f2f1571d55b", "d67eeaabee36", "921e1a36b076", "27e647c0fad4", "liberty_initial",
                      "INIT_VERSION"}


def stem(path: str) -> str:
    """A migration file's name without directory and extension."""
    return posixpath.splitext(path.rsplit("/", 1)[-1])[0]


def number(path: str, mig: Migration) -> int | None:
    """A sqlalchemy-migrate script's version, from its ``NNN_`` file name (it
    has no ``revision`` / ``down_revision`` variables); None for alembic."""
    if mig.revision is not None or mig.down_revisions:
        return None
    m = _NUMBERED.match(stem(path))
    return int(m.group(1)) if m else None


class RevisionGraph:
    """Parents and ancestors of the migrations of one run (``ctx.head``)."""

    def __init__(self, head: dict):
        self._migs: dict[str, Migration] = {p: f.migration for p, f in head.items() if f.migration is not None}
        self._by_rev: dict[str, dict[str, str]] = {}  # root -> revision -> path
        self._numbered: dict[str, list[tuple[int, str]]] = {}  # root -> sorted (number, path)
        for p, mig in sorted(self._migs.items()):
            root = versions_root(p)
            if mig.revision:
                self._by_rev.setdefault(root, {})[mig.revision] = p
            n = number(p, mig)
            if n is not None:
                self._numbered.setdefault(root, []).append((n, p))
        for lst in self._numbered.values():
            lst.sort()

    def migration(self, path: str) -> Migration:
        return self._migs[path]

    def paths(self) -> list[str]:
        """Every migration script of the run, sorted."""
        return sorted(self._migs)

    def by_revision(self, root: str) -> dict[str, str]:
        """revision -> path of one versions tree."""
        return self._by_rev.get(root, {})

    def numbered(self, root: str) -> list[tuple[int, str]]:
        """(number, path) of the sqlalchemy-migrate scripts of one versions tree, in order."""
        return self._numbered.get(root, [])

    def parents(self, path: str) -> list[str]:
        mig = self._migs[path]
        root = versions_root(path)
        n = number(path, mig)
        if n is not None:
            lower = [p for m, p in self.numbered(root) if m < n]
            return lower[-1:]
        by_rev = self.by_revision(root)
        return [by_rev[r] for r in mig.down_revisions if r in by_rev]

    def ancestors(self, path: str, limit: int = 5000):
        """The migrations that ran before ``path``, nearest first."""
        seen = {path}
        todo = self.parents(path)
        while todo and len(seen) < limit:
            p = todo.pop(0)
            if p in seen:
                continue
            seen.add(p)
            yield p
            todo.extend(self.parents(p))

    def is_initial(self, path: str) -> bool:
        """The first migration of a tree (it creates the schema: nothing to judge):
        an alembic script with no ``down_revision`` or a known initial revision,
        the lowest-numbered sqlalchemy-migrate script of its directory."""
        mig = self._migs[path]
        name = stem(path)
        if mig.revision in _INITIAL_REVISIONS or name in _INITIAL_REVISIONS or name.endswith("_initial") \
                or name == "initial" or "_initial_" in name:
            return True
        n = number(path, mig)
        if n is not None:
            lst = self.numbered(versions_root(path))
            return bool(lst) and lst[0][1] == path
        return not mig.down_revisions
