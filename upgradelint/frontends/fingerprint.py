"""``upgradelint fingerprint``, and the fingerprints of a tree on disk: the
objects family's facts of the tree (through the engine's fact cache) and a
World that reads the modules they do not cover through the engine's reader
(the tree, ``--source-path`` directories, installed packages)."""

from __future__ import annotations

import os

from upgradelint.engine.reader import EngineReader, source_paths_from_env
from upgradelint.families.objects.fingerprint import (  # noqa: F401 - the API over a tree, in one place
    Fingerprint, compare, compute, fingerprints, records_from_facts,
)
from upgradelint.families.objects.world import ClassRef, World  # noqa: F401
from upgradelint.families.objects.fingerprint import world_from_facts as _world_from_facts


def tree_facts(root: str, use_cache: bool = True, jobs: int | None = None) -> tuple[str, dict]:
    """Facts of the object-family files of a tree (cache first), from the engine."""
    from upgradelint import engine

    return engine.tree_facts(root, family="objects", use_cache=use_cache, jobs=jobs)


def world_from_facts(facts: dict, root: str | None = None, source_paths=(), base_facts: dict | None = None) -> World:
    """The World of a tree's facts, reading other modules under ``root``, then
    ``source_paths``, then the installed packages, then the built-in stubs."""
    return _world_from_facts(facts, EngineReader(root, source_paths=tuple(source_paths)), base_facts)


def cli(root: str | None, fmt: str = "text", source_paths=(), use_cache: bool = True) -> int:
    """``upgradelint fingerprint``: print every registered object's fingerprint."""
    import json
    import sys

    from upgradelint.engine import project

    root = root or project.find_root(os.getcwd())
    if not os.path.isdir(root):
        print(f"upgradelint: error: {root}: no such directory", file=sys.stderr)
        return 2
    root, facts = tree_facts(root, use_cache=use_cache)
    world = world_from_facts(facts, root, tuple(source_paths) + source_paths_from_env())
    fps = fingerprints(world)
    recorded = {r.name: r.value for _, r in records_from_facts(facts)
                if r.table != "notification_object_data" or fps.get(r.name) and fps[r.name].notification}
    rows = []
    for name, fp in sorted(fps.items()):
        rows.append({"name": name, "module": fp.module, "version": fp.version, "fingerprint": fp.value,
                     "notification": fp.notification, "unresolved": fp.reason,
                     "recorded": recorded.get(name)})
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
    else:
        width = max((len(r["name"]) for r in rows), default=0)
        for r in rows:
            value = r["fingerprint"] or f"unresolved: {r['unresolved']}"
            mark = ""
            if r["fingerprint"] and r["recorded"] and r["recorded"] != r["fingerprint"]:
                mark = f"  (recorded {r['recorded']})"
            sys.stdout.write(f"{r['name'].ljust(width)}  {value}{mark}\n")
        done = sum(1 for r in rows if r["fingerprint"])
        sys.stderr.write(f"{done} of {len(rows)} registered objects fingerprinted\n")
    return 0
