"""``upgradelint fingerprint``, and the fingerprints of a tree on disk: the
objects family's facts of the tree (through the engine's fact cache) and a
World that reads the modules they do not cover through the engine's reader
(the tree, ``--source-path`` directories, installed packages)."""

from __future__ import annotations

import os

from upgradelint.engine.reader import EngineReader, source_paths_from_env
from upgradelint.families.objects.fingerprint import (  # noqa: F401 - the API over a tree, in one place
    Fingerprint, Hashing, compare, compute, fingerprints, records_from_facts,
)
from upgradelint.families.objects.fingerprint import registered as registered_classes
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


def rows(world: World, facts: dict) -> list[dict]:
    """One row per registered object (its fingerprint as the project's test
    computes it, and what the project records for it), then one per recorded
    name that no class registers in the source (a test's own object, or a
    stale record). What ``upgradelint fingerprint`` prints and the tests check."""
    hashing = Hashing.from_facts(facts)
    records = records_from_facts(facts)
    registered = {ref.name: (ref, how) for ref, how in registered_classes(world)}
    expected = {(r.name, r.table): fp for _, r, fp, _ in compare(world, records, hashing)}
    out = []
    for name, (ref, how) in sorted(registered.items()):
        table = hashing.tables.get(name)
        fp = expected.get((name, table)) or hashing.fingerprint(world, ref, how)
        rec = next((r for _, r in records if r.name == name and r.table == table), None)
        out.append({"name": name, "module": fp.module, "version": fp.version, "fingerprint": fp.value,
                    "notification": fp.notification, "unresolved": fp.reason, "registered": True,
                    "table": table, "recorded": rec.value if rec is not None else None})
    for _, r in records:
        if r.name not in registered:
            out.append({"name": r.name, "module": None, "version": None, "fingerprint": None,
                        "notification": False, "unresolved": "no class registers this name in the source",
                        "registered": False, "table": r.table, "recorded": r.value})
    return out


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
    table = rows(world, facts)
    if fmt == "json":
        sys.stdout.write(json.dumps(table, indent=2) + "\n")
        return 0
    shown = [r for r in table if r["registered"]]
    width = max((len(r["name"]) for r in shown), default=0)
    for r in shown:
        value = r["fingerprint"] or f"unresolved: {r['unresolved']}"
        mark = ""
        if r["fingerprint"] and r["recorded"] and r["recorded"] != r["fingerprint"]:
            mark = f"  (recorded {r['recorded']})"
        sys.stdout.write(f"{r['name'].ljust(width)}  {value}{mark}\n")
    done = sum(1 for r in shown if r["fingerprint"])
    sys.stderr.write(f"{done} of {len(shown)} registered objects fingerprinted\n")
    orphans = sorted({r["name"] for r in table if not r["registered"]})
    if orphans:
        sys.stderr.write(f"recorded but registered by no class in the source: {', '.join(orphans)}\n")
    return 0
