"""Versioned objects between the two refs: versions, fields, remotable
methods, backports and recorded fingerprints, from the fingerprint machinery
of the objects family run over each side's module summaries. The modules a
fingerprint reads lazily come from that side's tree (``engine.trees.TreeReader``)."""

from __future__ import annotations

from upgradelint.core import versions
from upgradelint.engine.trees import TreeReader
from upgradelint.families.objects import fingerprint as F
from upgradelint.families.objects.sources import ModuleSources
from upgradelint.families.objects.world import Unresolved
from upgradelint.families.objects.world import World as ObjectWorld
from upgradelint.frontends.report.model import FieldChange, ObjectChange


class World:
    """One side's registered objects, fingerprints and descriptions."""

    def __init__(self, side, source_paths=()):
        self.side = side
        summaries = {mod: s for mod, (_, s) in side.summaries.items()}
        self.world = ObjectWorld(summaries, ModuleSources(TreeReader(side.tf, tuple(source_paths))))
        self.refs = {ref.name: (ref, how) for ref, how in F.registered(self.world)} if summaries else {}
        self._fp: dict = {}

    def path(self, name: str) -> str | None:
        entry = self.refs.get(name)
        found = self.side.summaries.get(entry[0].module) if entry else None
        return found[0] if found else None

    def notification(self, name: str) -> bool:
        ref, how = self.refs[name]
        return how == "notification" or F.is_payload(self.world, ref)

    def fingerprint(self, name: str, with_schema: bool | None = None):
        ref, _ = self.refs[name]
        schema = F.is_payload(self.world, ref) if with_schema is None else with_schema
        if (name, schema) not in self._fp:
            self._fp[(name, schema)] = F.compute(self.world, ref, with_schema=schema)
        return self._fp[(name, schema)]

    def describe(self, name: str) -> dict | None:
        try:
            return F.describe(self.world, self.refs[name][0])
        except (Unresolved, RecursionError):
            return None

    def details(self, name: str) -> dict:
        try:
            return F.field_details(self.world, self.refs[name][0])
        except (Unresolved, RecursionError):
            return {}

    def own(self, name: str):
        """The VersionedObject fact of the class (its own fields' code)."""
        path = self.path(name)
        f = self.side.facts.get(path) if path else None
        return next((o for o in f.objects if o.name == name), None) if f is not None else None

    def class_summary(self, name: str):
        return self.world.class_summary(self.refs[name][0])


def object_changes(a, b, backport_new_fields: bool = True, source_paths=()) -> list[ObjectChange]:
    wa, wb = World(a, source_paths), World(b, source_paths)
    records = _records(b)
    out = []
    for name in sorted(set(wa.refs) | set(wb.refs)):
        if name not in wb.refs:
            out.append(ObjectChange(name, wa.path(name), wa.fingerprint(name).version, None,
                                    notification=wa.notification(name)))
            continue
        change = _change(wa, wb, name, records.get(name), backport_new_fields)
        if change is not None:
            out.append(change)
    return out


def _records(side) -> dict:
    """name -> {table: recorded value} at this side."""
    out: dict = {}
    for _, rec in F.records_from_facts(side.facts):
        out.setdefault(rec.name, {})[rec.table] = rec.value
    return out


def _change(wa: World, wb: World, name: str, recorded: dict | None, backport_new_fields: bool):
    new = wb.fingerprint(name)
    old = wa.fingerprint(name) if name in wa.refs else None
    ch = ObjectChange(name, wb.path(name), old.version if old else None, new.version,
                      notification=wb.notification(name))
    _fingerprint_record(wb, name, ch, new, recorded)
    if old is None:
        return ch
    da, db = (wa.describe(name), wb.describe(name)) if old.data != new.data else (None, None)
    if da is not None and db is not None:
        _diff_described(ch, da, db)
    elif old.data != new.data or old.value is None or new.value is None:
        ch.resolved = False
        _diff_own(ch, wa.own(name), wb.own(name))
    _hash_blind(ch, wa.details(name), wb.details(name))
    if ch.version_from == ch.version_to and not _changed(ch):
        return None
    _backports(ch, wb, name, da, db, backport_new_fields)
    return ch


def _changed(ch: ObjectChange) -> bool:
    return bool(ch.fields_added or ch.fields_removed or ch.fields_changed or ch.remotables_added
                or ch.remotables_removed or ch.remotables_changed or ch.child_versions_changed)


def _fingerprint_record(wb: World, name: str, ch: ObjectChange, fp, recorded: dict | None) -> None:
    if recorded:
        table = "notification_object_data" if ch.notification and "notification_object_data" in recorded \
            else next((t for t in ("object_data", "expected_object_fingerprints") if t in recorded),
                      next(iter(recorded)))
        ch.recorded = recorded[table]
        if fp.notification and table != "notification_object_data":
            fp = wb.fingerprint(name, with_schema=False)
    ch.computed = fp.value
    ch.unresolved = fp.reason


def _diff_described(ch: ObjectChange, da: dict, db: dict) -> None:
    fo, fn = da["fields"], db["fields"]
    ch.fields_added = sorted(k for k in fn if k not in fo)
    ch.fields_removed = sorted(k for k in fo if k not in fn)
    ch.fields_changed = [FieldChange(k, fo[k], fn[k]) for k in sorted(fn) if k in fo and fo[k] != fn[k]]
    mo, mn = da["methods"], db["methods"]
    ch.remotables_added = sorted(k for k in mn if k not in mo)
    ch.remotables_removed = sorted(k for k in mo if k not in mn)
    ch.remotables_changed = sorted(k for k in mn if k in mo and mo[k] != mn[k])
    ch.child_versions_changed = da["child_versions"] != db["child_versions"]


def _diff_own(ch: ObjectChange, old, new) -> None:
    """Without fingerprints: the class's own fields and remotable signatures."""
    if old is None or new is None:
        return
    if old.fields is not None and new.fields is not None:
        fo = {f.name: f.code for f in old.fields}
        fn = {f.name: f.code for f in new.fields}
        ch.fields_added = sorted(k for k in fn if k not in fo)
        ch.fields_removed = sorted(k for k in fo if k not in fn)
        ch.fields_changed = [FieldChange(k, fo[k], fn[k]) for k in sorted(fn) if k in fo and fo[k] != fn[k]]
    ro, rn = dict(old.remotables), dict(new.remotables)
    ch.remotables_added = sorted(k for k in rn if k not in ro)
    ch.remotables_removed = sorted(k for k in ro if k not in rn)
    ch.remotables_changed = sorted(k for k in rn if k in ro and ro[k] != rn[k])


def _hash_blind(ch: ObjectChange, old: dict, new: dict) -> None:
    """What the fingerprint cannot see: the object a field holds, element types, read_only."""
    seen = {c.name for c in ch.fields_changed}
    for k in sorted(new):
        if k in old and old[k] != new[k] and k not in seen and k not in ch.fields_added:
            ch.fields_changed.append(FieldChange(k, old[k], new[k], hash_blind=True))


def _backports(ch: ObjectChange, wb: World, name: str, da, db, backport_new_fields: bool) -> None:
    """Does every added field (and every enum that gained values) have its
    ``obj_make_compatible`` branch at a version in (from, to]?"""
    needs = list(ch.fields_added)
    if da is not None and db is not None:
        needs += [c.name for c in ch.fields_changed if not c.hash_blind and c.values()[0]]
    lo, hi = versions.parse(ch.version_from), versions.parse(ch.version_to)
    if not needs:
        return
    cs = wb.class_summary(name)
    if ch.notification:
        ch.backport_note = "notifications are emitted, never backported"
    elif lo is None or hi is None or hi[:2] <= lo[:2]:
        ch.backport_note = "VERSION was not bumped"
    elif cs is not None and "_convert_to_version" in cs.names:
        ch.backport_note = "converted by _convert_to_version (ironic style), not obj_make_compatible"
    elif not backport_new_fields:
        ch.backport_note = "the project does not backport new fields (objects-backport-new-fields = false)"
    if ch.backport_note:
        return
    path = wb.path(name)
    ex = wb.side.facts[path].extra.get("objects") if path in wb.side.facts else None
    guards = ex.guards.get(name, ()) if ex is not None else ()
    covered = {k for mn, keys, _ in guards if lo[:2] < tuple(mn) <= hi[:2] for k in keys}
    ch.missing_backports = [f for f in needs if f not in covered]
    ch.backported = not ch.missing_backports
