"""The objects family's shared analysis: fingerprints of the head tree (and of
the base tree in diff mode), computed once per run from the facts and shared by
the UPG2xx rules through ``ctx.analysis(ObjectsAnalysis)``."""

from __future__ import annotations

from typing import Iterator

from upgradelint.core import versions
from upgradelint.core.model import FileFacts, Replacement, Span
from upgradelint.core.rule import Context
from upgradelint.families.objects import fingerprint as F
from upgradelint.families.objects.fingerprint import Fingerprint, Hashing
from upgradelint.families.objects.summary import Record
from upgradelint.families.objects.world import ClassRef, Unresolved, World

# what ``describe`` gives for an object it cannot describe
EMPTY_DESCRIPTION = {"fields": {}, "methods": {}, "child_versions": None}


class ObjectsAnalysis:
    """Fingerprints of the head tree (and of the base tree in diff mode),
    computed once per run from the facts and shared by the UPG2xx rules."""

    ctx: Context
    mod_path: dict[str, str]  # module -> head relpath of the module's facts
    head: World
    refs: dict[str, tuple[ClassRef, str]]  # registered name -> (class, 'object' | 'notification')
    hashing: Hashing  # how the project's tests hash each record (the head's tests)
    head_fp: dict[str, Fingerprint | None]
    traces: dict[str, list]  # name -> classes and modules its head fingerprint read, in order
    base: World | None  # the base tree (diff mode)
    base_refs: dict[str, tuple[ClassRef, str]]
    base_fp: dict[str, Fingerprint | None]
    base_hashing: Hashing
    base_facts: dict[str, FileFacts]  # head relpath -> the facts of its base version (unchanged: the head's)

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.mod_path = {}
        for rel, f in ctx.head.items():
            ex = f.extra.get("objects")
            if ex is not None and ex.summary is not None:
                self.mod_path.setdefault(ex.summary.module, rel)
        self.head = F.world_from_facts(ctx.head, ctx.reader)
        self.refs = {ref.name: (ref, how) for ref, how in F.registered(self.head)}
        self.hashing = Hashing.from_facts(ctx.head)
        self.head_fp = {}
        self.traces = {}
        self.base = None
        self.base_refs = {}
        self.base_fp = {}
        self.base_facts = {}
        self.base_hashing = self.hashing
        if ctx.base is not None and ctx.diff is not None:
            for rel, f in ctx.head.items():
                ch = ctx.diff.changes.get(rel)
                if ch is None:
                    self.base_facts[rel] = f
                elif ch.status != "A" and rel in ctx.base:
                    self.base_facts[rel] = ctx.base[rel]
            # modules read lazily (enum constants in non-object modules): at the base commit
            self.base = F.world_from_facts(self.base_facts, ctx.reader, diff=ctx.diff)
            self.base_refs = {ref.name: (ref, how) for ref, how in F.registered(self.base)}
            self.base_hashing = Hashing.from_facts(self.base_facts)

    def fp(self, name: str, base: bool = False) -> Fingerprint | None:
        cache, refs, world = (self.base_fp, self.base_refs, self.base) if base else (self.head_fp, self.refs, self.head)
        if name not in cache:
            entry = refs.get(name)
            if entry is None:
                cache[name] = None
            else:
                world.trace = []
                try:
                    hashing = self.base_hashing if base else self.hashing
                    cache[name] = hashing.fingerprint(world, entry[0], entry[1])
                finally:
                    if not base:
                        self.traces[name] = world.trace
                    world.trace = None
        return cache[name]

    def describe(self, name: str, base: bool = False) -> dict | None:
        refs, world = (self.base_refs, self.base) if base else (self.refs, self.head)
        entry = refs.get(name)
        if entry is None:
            return None
        try:
            return F.describe(world, entry[0])
        except Unresolved:
            return None

    def enum_values(self, name: str, base: bool = False) -> dict[str, frozenset] | None:
        """field -> the values each enum field of the class accepts (None: unresolved)."""
        refs, world = (self.base_refs, self.base) if base else (self.refs, self.head)
        entry = refs.get(name)
        if entry is None:
            return None
        try:
            return F.enum_values(world, entry[0])
        except Unresolved:
            return None

    def same_values_only(self, name: str) -> bool:
        """Does the class's fingerprint change only in how enums hold their
        values (``ALL = (X)``, a string, becoming ``(X,)``), each enum accepting
        the same values? Nothing an N-1 peer sees has changed then."""
        d_old, d_new = self.describe(name, True), self.describe(name)
        if d_old is None or d_new is None or d_old["fields"].keys() != d_new["fields"].keys():
            return False
        if d_old["methods"] != d_new["methods"] or d_old["child_versions"] != d_new["child_versions"]:
            return False
        changed = [f for f in d_new["fields"] if d_new["fields"][f] != d_old["fields"][f]]
        v_old, v_new = self.enum_values(name, True) or {}, self.enum_values(name) or {}
        return bool(changed) and all(
            f in v_old and v_old[f] == v_new.get(f)
            and d_old["fields"][f].split(",valid_values=")[0] == d_new["fields"][f].split(",valid_values=")[0]
            for f in changed)

    def notes(self, name: str) -> list[tuple[tuple, str]]:
        """((M, N), text) of the head class's ``# Version M.N: text`` history, in version order."""
        rel = self.mod_path.get(self.refs[name][0].module) if name in self.refs else None
        ex = self.ctx.head[rel].extra.get("objects") if rel else None
        entries = (ex.notes or {}).get(name, ()) if ex is not None else ()
        out = [(versions.parse(v)[:2], text) for v, text in entries if versions.parse(v)]
        return sorted(out, key=lambda e: e[0])

    def reportable(self, name: str) -> bool:
        """Can a finding on this class's module be reported in this run? (A
        flake8 or pre-commit run on one file need not hash every object.)"""
        entry = self.refs.get(name)
        return entry is not None and self.mod_path.get(entry[0].module) in self.ctx.targets

    def facts_obj(self, name: str):
        """(path, VersionedObject fact) of a registered head class."""
        entry = self.refs.get(name)
        if entry is None:
            return None, None
        rel = self.mod_path.get(entry[0].module)
        if rel is None:
            return None, None
        for o in self.ctx.head[rel].objects:
            if o.name == name:
                return rel, o
        return rel, None

    def version_span(self, name: str) -> tuple[str | None, Span | None]:
        """(path, span) of the class's VERSION (else its name)."""
        rel, o = self.facts_obj(name)
        if rel is None:
            return None, None
        if o is not None:
            return rel, o.version_span or o.span
        cs = self.head.class_summary(self.refs[name][0])
        line = cs.line if cs is not None and cs.line else 1
        return rel, Span(line, 0, line, 0)

    def class_span(self, ref) -> tuple[str | None, Span | None]:
        rel = self.mod_path.get(ref.module)
        cs = self.head.class_summary(ref)
        if rel is None or cs is None:
            return None, None
        line = cs.line or 1
        return rel, Span(line, 0, line, 0)

    def changed(self, rel: str) -> bool:
        return self.ctx.diff is None or rel in self.ctx.diff.changes

    def records(self, base: bool = False) -> list[tuple[str, Record]]:
        return F.records_from_facts(self.base_facts if base else self.ctx.head)

    def expected(self, rec: Record, base: bool = False) -> Fingerprint | None:
        """The fingerprint a record should hold, hashed as the test of its table
        hashes it (None: unknown)."""
        return self.expected_in(rec.name, rec.table, base)

    def expected_in(self, name: str, table: str, base: bool = False) -> Fingerprint | None:
        """The fingerprint ``table`` should hold for ``name`` (None: not registered)."""
        fp = self.fp(name, base)
        if fp is None:
            return None
        refs, world, hashing = (self.base_refs, self.base, self.base_hashing) if base else \
            (self.refs, self.head, self.hashing)
        ref = refs[name][0]
        if hashing.with_schema(world, ref, table) != fp.notification:
            fp = F.compute(world, ref, with_schema=not fp.notification)
        return fp

    def bumped_pairs(self) -> Iterator[tuple[str, ClassRef, Fingerprint, Fingerprint]]:
        """(name, ref, old fp, new fp) for registered objects present before and after, both resolved."""
        for name, (ref, how) in sorted(self.refs.items()):
            if name not in self.base_refs:
                continue
            new, old = self.fp(name), self.fp(name, base=True)
            if new is None or old is None or new.value is None or old.value is None:
                continue
            yield name, ref, old, new


def bump_fix(span: Span | None, name: str, new: str | None) -> Replacement | None:
    """The fix that bumps ``name.VERSION`` to ``new``."""
    if span is None or new is None:
        return None
    return Replacement(span.line, span.column, span.end_line, span.end_column, f"'{new}'",
                       description=f"Bump {name}.VERSION to {new}")
