"""UPG2xx: versioned object rules."""

from __future__ import annotations

from upgradelint.core.model import Span
from upgradelint.core.paths import is_test_path
from upgradelint.core.model import Replacement
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.core import versions


def _summary(before, after) -> str:
    changes = []
    if before.fields is not None and after.fields is not None:
        old = {f.name: f.code for f in before.fields}
        new = {f.name: f.code for f in after.fields}
        changes += [f"added '{n}'" for n in new if n not in old]
        changes += [f"removed '{n}'" for n in old if n not in new]
        changes += [f"changed '{n}'" for n in new if n in old and old[n] != new[n]]
    old_r, new_r = dict(before.remotables), dict(after.remotables)
    changes += [f"remotable '{n}'" for n in sorted(set(old_r) | set(new_r)) if old_r.get(n) != new_r.get(n)]
    return _short(changes)


def _short(changes) -> str:
    if len(changes) > 3:
        changes = changes[:3] + [f"{len(changes) - 3} more"]
    return ", ".join(changes)


def _describe_change(old: dict, new: dict) -> str:
    changes = []
    for part, label in (("fields", ""), ("methods", "remotable ")):
        o, n = old[part], new[part]
        changes += [f"added {label}'{k}'" for k in n if k not in o]
        changes += [f"removed {label}'{k}'" for k in o if k not in n]
        changes += [f"changed {label}'{k}'" for k in n if k in o and o[k] != n[k]]
    if old["child_versions"] != new["child_versions"]:
        changes.append("child_versions")
    return _short(changes) or "inherited or schema data"


# ---------------------------------------------------------------- the shared analysis


class _Analysis:
    """Fingerprints of the head tree (and of the base tree in diff mode),
    computed once per run from the facts and shared by the UPG2xx rules."""

    def __init__(self, ctx: Context):
        from upgradelint.families.objects import fingerprint as F

        self.F = F
        self.ctx = ctx
        self.mod_path: dict[str, str] = {}
        for rel, f in ctx.head.items():
            ex = f.extra.get("objects")
            if ex is not None and ex.summary is not None:
                self.mod_path.setdefault(ex.summary.module, rel)
        root = getattr(ctx, "root", None)
        sources = F.source_paths_from_env()  # e.g. an unpacked neutron-lib
        self.head = F.world_from_facts(ctx.head, root, sources)
        self.refs = {ref.name: (ref, how) for ref, how in F.registered(self.head)}
        self.head_fp: dict = {}
        self.traces: dict = {}  # name -> classes and modules its head fingerprint read
        self.base = None
        self.base_refs: dict = {}
        self.base_fp: dict = {}
        self.base_facts: dict = {}
        if ctx.base is not None and ctx.diff is not None:
            for rel, f in ctx.head.items():
                ch = ctx.diff.changes.get(rel)
                if ch is None:
                    self.base_facts[rel] = f
                elif ch.status != "A" and rel in ctx.base:
                    self.base_facts[rel] = ctx.base[rel]
            self.base = F.world_from_facts(self.base_facts, root, sources)
            reader = getattr(ctx, "base_reader", None)
            if reader is not None:
                self.base.overlay = _BaseReader(reader, ctx.diff)
            self.base_refs = {ref.name: (ref, how) for ref, how in F.registered(self.base)}

    @classmethod
    def of(cls, ctx: Context) -> "_Analysis":
        a = getattr(ctx, "_objects_analysis", None)
        if a is None:
            a = cls(ctx)
            ctx._objects_analysis = a
        return a

    def fp(self, name: str, base: bool = False):
        cache, refs, world = (self.base_fp, self.base_refs, self.base) if base else (self.head_fp, self.refs, self.head)
        if name not in cache:
            entry = refs.get(name)
            if entry is None:
                cache[name] = None
            else:
                world.trace = []
                try:
                    cache[name] = self.F.compute(world, entry[0], with_schema=self.F.is_payload(world, entry[0]))
                finally:
                    if not base:
                        self.traces[name] = world.trace
                    world.trace = None
        return cache[name]

    def describe(self, name: str, base: bool = False):
        refs, world = (self.base_refs, self.base) if base else (self.refs, self.head)
        entry = refs.get(name)
        if entry is None:
            return None
        try:
            return self.F.describe(world, entry[0])
        except self.F.Unresolved:
            return None

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

    def version_span(self, name: str):
        """(path, span) of the class's VERSION (else its name)."""
        rel, o = self.facts_obj(name)
        if rel is None:
            return None, None
        if o is not None:
            return rel, o.version_span or o.span
        cs = self.head.class_summary(self.refs[name][0])
        line = cs.line if cs is not None and cs.line else 1
        return rel, Span(line, 0, line, 0)

    def class_span(self, ref):
        rel = self.mod_path.get(ref.module)
        cs = self.head.class_summary(ref)
        if rel is None or cs is None:
            return None, None
        line = cs.line or 1
        return rel, Span(line, 0, line, 0)

    def changed(self, rel: str) -> bool:
        return self.ctx.diff is None or rel in self.ctx.diff.changes

    def records(self, base: bool = False):
        return self.F.records_from_facts(self.base_facts if base else self.ctx.head)

    def expected(self, rec, base: bool = False):
        """The fingerprint a record should hold (None: unknown)."""
        fp = self.fp(rec.name, base)
        if fp is None:
            return None
        if fp.notification and rec.table != "notification_object_data":
            refs, world = (self.base_refs, self.base) if base else (self.refs, self.head)
            fp = self.F.compute(world, refs[rec.name][0], with_schema=False)
        return fp


class _BaseReader:
    """Base-tree text of modules the fingerprint reads lazily (enum constants
    in non-object modules): changed files come from the base commit, through
    the engine's batched reader."""

    def __init__(self, reader, diff):
        self.reader, self.diff = reader, diff

    def __call__(self, rel):
        ch = self.diff.changes.get(rel)
        if ch is None:
            return None
        if ch.status == "A":
            return False
        from upgradelint.core.source import SourceError, decode

        try:
            blob = self.reader.read([rel]).get(rel)
            return decode(blob) if blob is not None else False
        except (SourceError, OSError, Exception):  # noqa: BLE001 - a git problem: read the disk
            return None


def _bump_fix(span, name, new):
    if span is None or new is None:
        return None
    return Replacement(span.line, span.column, span.end_line, span.end_column, f"'{new}'",
                       description=f"Bump {name}.VERSION to {new}")


# ---------------------------------------------------------------- UPG201


class FieldsChangedWithoutVersionBump(Rule):
    """
    ## What it does
    Checks for registered versioned objects whose fingerprint inputs changed
    while `VERSION` stayed the same: own or inherited fields (type, `nullable`,
    `default`, enum values), remotable method signatures and `child_versions`.
    With `--base` it compares the object's oslo.versionedobjects fingerprint
    data before and after the change (a change in a base class or mixin counts
    for every subclass); without `--base` it compares the fingerprint computed
    from source with the one recorded in the project's `object_data`.

    ## Why is this bad?
    Services still running release N-1 trust `VERSION` to decide whether they
    understand an object and whether the sender must backport it. If the fields
    change but `VERSION` does not, an old conductor or compute receives a
    primitive with fields it does not know (or misses ones it needs), and no
    `obj_make_compatible` backport ever runs.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    A change that really leaves the wire format alone (a comment, a reordering of
    the dict) is not reported. Anything else needs the bump; if you are sure, add
    `# noqa: UPG201` to the `VERSION` line with a reason.

    ## Fix safety
    The fix bumps the minor version and is safe. It does not write the history
    comment, the `obj_make_compatible` branch or the new `object_data` hash:
    review those by hand.

    ## References
    - oslo.versionedobjects usage: https://docs.openstack.org/oslo.versionedobjects/latest/user/usage.html
    - nova, object versioning: https://docs.openstack.org/nova/latest/contributor/code-review.html
    """

    code = "UPG201"
    name = "object-fields-changed-without-version-bump"
    message = "{cls}: fields changed ({changes}) but VERSION is still '{version}'; bump it to '{new}'"
    messages = {
        "recorded": "{cls}: fingerprint is {actual} but object_data records {recorded} for the same VERSION; "
                    "bump VERSION to '{new}'",
        "inherited": "{cls}: {base} changed ({changes}) but {cls}.VERSION is still '{version}'; bump it to '{new}'",
    }
    severity = "error"
    scope = "any"
    fix_safety = "safe"
    INVALID = [
        Invalid(
            {"nova/objects/flavor.py": """
                from nova.objects import base
                from nova.objects import fields


                @base.NovaObjectRegistry.register
                class Flavor(base.NovaObject):
                    # Version 1.0: Initial version
                    # Version 1.1: Added description
                    VERSION = '1.1'  # expect: UPG201

                    fields = {
                        'id': fields.IntegerField(),
                        'description': fields.StringField(nullable=True),
                        'memory_mb': fields.IntegerField(),
                    }
                """},
            before={"nova/objects/flavor.py": """
                from nova.objects import base
                from nova.objects import fields


                @base.NovaObjectRegistry.register
                class Flavor(base.NovaObject):
                    # Version 1.0: Initial version
                    # Version 1.1: Added description
                    VERSION = '1.1'

                    fields = {
                        'id': fields.IntegerField(),
                        'description': fields.StringField(nullable=True),
                    }
                """},
        ),
        Invalid(
            {"nova/objects/base.py": """
                from oslo_versionedobjects import base as ovo_base
                from oslo_versionedobjects import fields


                class NovaObject(ovo_base.VersionedObject):
                    pass


                class NovaPersistentObject(object):
                    fields = {
                        'created_at': fields.DateTimeField(nullable=True),
                        'deleted': fields.BooleanField(default=False),
                    }


                class NovaObjectRegistry(ovo_base.VersionedObjectRegistry):
                    pass
                """,
             "nova/objects/flavor.py": """
                from oslo_versionedobjects import fields

                from nova.objects import base


                @base.NovaObjectRegistry.register
                class Flavor(base.NovaPersistentObject, base.NovaObject):
                    VERSION = '1.0'  # expect: UPG201

                    fields = {
                        'id': fields.IntegerField(),
                    }
                """},
            before={"nova/objects/base.py": """
                from oslo_versionedobjects import base as ovo_base
                from oslo_versionedobjects import fields


                class NovaObject(ovo_base.VersionedObject):
                    pass


                class NovaPersistentObject(object):
                    fields = {
                        'created_at': fields.DateTimeField(nullable=True),
                    }


                class NovaObjectRegistry(ovo_base.VersionedObjectRegistry):
                    pass
                """,
                    "nova/objects/flavor.py": """
                from oslo_versionedobjects import fields

                from nova.objects import base


                @base.NovaObjectRegistry.register
                class Flavor(base.NovaPersistentObject, base.NovaObject):
                    VERSION = '1.0'

                    fields = {
                        'id': fields.IntegerField(),
                    }
                """},
        ),
    ]
    VALID = [
        Valid(
            {"nova/objects/flavor.py": """
                from nova.objects import base
                from nova.objects import fields


                @base.NovaObjectRegistry.register
                class Flavor(base.NovaObject):
                    # Version 1.0: Initial version
                    # Version 1.1: Added description
                    # Version 1.2: Added memory_mb
                    VERSION = '1.2'

                    fields = {
                        'id': fields.IntegerField(),
                        'description': fields.StringField(nullable=True),
                        'memory_mb': fields.IntegerField(),
                    }
                """},
            before={"nova/objects/flavor.py": """
                from nova.objects import base
                from nova.objects import fields


                @base.NovaObjectRegistry.register
                class Flavor(base.NovaObject):
                    # Version 1.0: Initial version
                    # Version 1.1: Added description
                    VERSION = '1.1'

                    fields = {
                        'id': fields.IntegerField(),
                        'description': fields.StringField(nullable=True),
                    }
                """},
        ),
    ]

    def check(self, ctx: Context):
        a = _Analysis.of(ctx)
        if ctx.base is None:
            self._check_recorded(ctx, a)
            return
        done = set()
        # fingerprints before and after: catches inherited changes too
        for name, (ref, how) in sorted(a.refs.items()):
            if name not in a.base_refs:
                continue
            new, old = a.fp(name), a.fp(name, base=True)
            if new is None or old is None or new.value is None or old.value is None:
                continue
            done.add(name)
            if new.version != old.version or new.data == old.data:
                continue
            changes = _describe_change(a.describe(name, True) or _EMPTY, a.describe(name) or _EMPTY)
            rel, span = a.version_span(name)
            bump = versions.bump_minor(new.version) or "the next minor"
            if rel is not None and a.changed(rel):
                ctx.report(self, rel, span, f"{name}.VERSION",
                           fix=_bump_fix(span, name, versions.bump_minor(new.version)),
                           cls=name, changes=changes, version=new.version, new=bump)
                continue
            # the object's module is unchanged: report on the changed base class,
            # field class or enum it read (the first one, in reading order)
            for c in a.head.mro(ref)[1:] + a.traces.get(name, []):
                if not hasattr(c, "module"):
                    continue
                if isinstance(c, a.F.ModuleRef):
                    crel = a.mod_path.get(c.module)
                    cspan, label = Span(1, 0, 1, 0), c.module
                else:
                    (crel, cspan), label = a.class_span(c), c.name
                if crel is not None and a.changed(crel):
                    ctx.report(self, crel, cspan, f"{name}.VERSION", variant="inherited", cls=name, base=label,
                               changes=changes, version=new.version, new=bump)
                    break
        # the foundation's comparison of the field code, where no fingerprint resolves
        for path, facts in ctx.head.items():
            base = ctx.base.get(path)
            if base is None:
                continue
            old = {o.name: o for o in base.objects}
            for obj in facts.objects:
                prev = old.get(obj.name)
                if obj.name in done or not obj.registered or prev is None or obj.version is None \
                        or obj.version != prev.version:
                    continue
                fields_changed = (obj.fields is not None and prev.fields is not None and
                                  {(f.name, f.code) for f in obj.fields} != {(f.name, f.code) for f in prev.fields})
                if not fields_changed and obj.remotables == prev.remotables:
                    continue
                new = versions.bump_minor(obj.version)
                span = obj.version_span or obj.span
                ctx.report(self, path, span, f"{obj.name}.VERSION", fix=_bump_fix(obj.version_span, obj.name, new),
                           cls=obj.name, changes=_summary(prev, obj), version=obj.version,
                           new=new or "the next minor")

    def _check_recorded(self, ctx, a):
        for rel, rec in a.records():
            if not a.reportable(rec.name):
                continue  # the finding would land outside this run's targets: skip the hash
            fp = a.expected(rec)
            if fp is None or fp.value is None or fp.value == rec.value:
                continue
            if rec.value.split("-", 1)[0] != fp.version:
                continue  # a stale version is UPG202's
            orel, span = a.version_span(rec.name)
            if orel is None:
                continue
            new = versions.bump_minor(fp.version)
            ctx.report(self, orel, span, f"{rec.name}.VERSION", variant="recorded",
                       fix=_bump_fix(span, rec.name, new), cls=rec.name, actual=fp.value,
                       recorded=rec.value, new=new or "the next minor")


_EMPTY = {"fields": {}, "methods": {}, "child_versions": None}


# ---------------------------------------------------------------- UPG202


class RecordedFingerprintStale(Rule):
    """
    ## What it does
    Checks the bookkeeping that goes with an object's `VERSION`:
    - the fingerprint recorded in the project's test (`object_data` in nova,
      cinder and neutron, `notification_object_data` for nova notifications,
      `expected_object_fingerprints` in ironic) must carry the current version,
      and equal the fingerprint computed from source; the message prints the
      expected string;
    - the `# Version X.Y: ...` history comment above `VERSION` must list the
      new version when `VERSION` changes;
    - cinder: the last `OBJ_VERSIONS.add(...)` entry naming the object must
      carry its `VERSION`;
    - ironic: `RELEASE_MAPPING['master']['objects'][name][0]` must be its
      `VERSION`.

    ## Why is this bad?
    The recorded fingerprint is how the next reviewer notices a wire change,
    and the release tables are how cinder and ironic cap what a new service
    sends to an old one during a rolling upgrade. A table that lags behind the
    code lets an upgraded conductor send an object version that the N-1 nodes
    reject (`IncompatibleObjectVersion`) or, for a pinned release, never be
    able to send it at all.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    A hash that changed only because the hashing method changed (a new
    oslo.versionedobjects or Python) is fixed by updating the record, not by a
    bump. Otherwise add `# noqa: UPG202` on the reported line with a reason.

    ## Fix safety
    The fix replaces the recorded string with the computed fingerprint. It is
    unsafe: review that the version bump and the backport code are right
    before accepting a new hash.

    ## References
    - oslo.versionedobjects, `ObjectVersionChecker`: https://docs.openstack.org/oslo.versionedobjects/latest/reference/fixture.html
    - cinder, object versions: https://docs.openstack.org/cinder/latest/contributor/rolling.upgrades.html
    - ironic, release mappings: https://docs.openstack.org/ironic/latest/contributor/rolling-upgrades.html
    """

    code = "UPG202"
    name = "object-version-bookkeeping-stale"
    message = "{table}['{cls}'] is '{recorded}'; set it to '{expected}'"
    messages = {
        "version": "{table}['{cls}'] is '{recorded}' but {cls}.VERSION is '{version}'; set it to '{expected}'",
        "history": "{cls}: VERSION '{version}' has no '# Version {version}:' history comment",
        "obj_versions": "{cls}: VERSION is '{version}' but OBJ_VERSIONS still says '{listed}'; "
                        "add OBJ_VERSIONS.add('{next}', {{'{cls}': '{version}'}})",
        "release": "{cls}: VERSION is '{version}' but RELEASE_MAPPING['master'] starts with '{listed}'; "
                   "put '{version}' first",
        "missing": "{cls} is a new registered object with no {table} entry; add '{cls}': '{expected}'",
    }
    severity = "error"
    scope = "any"
    fix_safety = "unsafe"
    INVALID = [
        Invalid(
            {"nova/objects/base.py": """
                from oslo_versionedobjects import base as ovo_base


                class NovaObject(ovo_base.VersionedObject):
                    pass


                class NovaObjectRegistry(ovo_base.VersionedObjectRegistry):
                    pass
                """,
             "nova/objects/flavor.py": """
                from oslo_versionedobjects import fields

                from nova.objects import base


                @base.NovaObjectRegistry.register
                class Flavor(base.NovaObject):
                    # Version 1.0: Initial version
                    # Version 1.1: Added description
                    VERSION = '1.1'

                    fields = {
                        'id': fields.IntegerField(),
                        'description': fields.StringField(nullable=True),
                    }
                """,
             "nova/tests/unit/objects/test_objects.py": """
                object_data = {
                    'Flavor': '1.0-2cbd3b5f5a1e2fc4fd7fa4cd2fb1e7a8',  # expect: UPG202
                }
                """},
        ),
        Invalid(
            {"nova/objects/base.py": """
                from oslo_versionedobjects import base as ovo_base


                class NovaObject(ovo_base.VersionedObject):
                    pass


                class NovaObjectRegistry(ovo_base.VersionedObjectRegistry):
                    pass
                """,
             "nova/objects/flavor.py": """
                from oslo_versionedobjects import fields

                from nova.objects import base


                @base.NovaObjectRegistry.register
                class Flavor(base.NovaObject):
                    # Version 1.0: Initial version
                    VERSION = '1.1'  # expect: UPG202

                    fields = {
                        'id': fields.IntegerField(),
                        'description': fields.StringField(nullable=True),
                    }
                """},
            before={"nova/objects/base.py": """
                from oslo_versionedobjects import base as ovo_base


                class NovaObject(ovo_base.VersionedObject):
                    pass


                class NovaObjectRegistry(ovo_base.VersionedObjectRegistry):
                    pass
                """,
                    "nova/objects/flavor.py": """
                from oslo_versionedobjects import fields

                from nova.objects import base


                @base.NovaObjectRegistry.register
                class Flavor(base.NovaObject):
                    # Version 1.0: Initial version
                    VERSION = '1.0'

                    fields = {
                        'id': fields.IntegerField(),
                    }
                """},
        ),
    ]
    VALID = [
        Valid(
            {"nova/objects/base.py": """
                from oslo_versionedobjects import base as ovo_base


                class NovaObject(ovo_base.VersionedObject):
                    pass


                class NovaObjectRegistry(ovo_base.VersionedObjectRegistry):
                    pass
                """,
             "nova/objects/flavor.py": """
                from oslo_versionedobjects import fields

                from nova.objects import base


                @base.NovaObjectRegistry.register
                class Flavor(base.NovaObject):
                    # Version 1.0: Initial version
                    # Version 1.1: Added description
                    VERSION = '1.1'

                    fields = {
                        'id': fields.IntegerField(),
                        'description': fields.StringField(nullable=True),
                    }
                """,
             "nova/tests/unit/objects/test_objects.py": """
                object_data = {
                    'Flavor': '1.1-6c228f7572247c38b0ccc2f303f6ef36',
                }
                """},
        ),
    ]

    def check(self, ctx: Context):
        a = _Analysis.of(ctx)
        base_records = {}
        if ctx.base is not None:
            base_records = {(r.table, r.name): r.value for _, r in a.records(base=True)}
        for rel, rec in a.records():
            if rel not in ctx.targets and not a.reportable(rec.name):
                continue  # reported on the record or the class: neither is a target of this run
            fp = a.expected(rec)
            if fp is None or fp.version is None:
                continue
            recorded_version = rec.value.split("-", 1)[0]
            if fp.value == rec.value:
                continue
            if fp.value is None and recorded_version == fp.version:
                continue
            expected = fp.value or f"{fp.version}-<hash>"
            if recorded_version == fp.version:
                # same version, other hash: with --base, a record edited by hand
                # while the object stayed the same; otherwise UPG201's
                if ctx.base is None or base_records.get((rec.table, rec.name)) == rec.value:
                    continue
                old = a.fp(rec.name, base=True)
                if old is None or old.data != fp.data:
                    continue
                variant, fmt = None, {}
            else:
                variant, fmt = "version", {"version": fp.version}
            span = Span(rec.line, rec.column, rec.end_line, rec.end_column)
            path = rel
            if ctx.diff is not None and not a.changed(rel):
                path, span = a.version_span(rec.name)
                if path is None:
                    continue
                fix = None
            else:
                fix = Replacement(span.line, span.column, span.end_line, span.end_column, f"'{expected}'",
                                  description=f"Record {rec.name} as {expected}", safe=False) if fp.value else None
            ctx.report(self, path, span, f"{rec.table}.{rec.name}", fix=fix, variant=variant, table=rec.table,
                       cls=rec.name, recorded=rec.value, expected=expected, **fmt)
        self._history(ctx, a)
        self._obj_versions(ctx, a)
        self._release_mapping(ctx, a)
        self._unrecorded(ctx, a)

    def _unrecorded(self, ctx, a):
        """With --base: an object the change registers for the first time, in a
        project that records fingerprints, must get its record (the project's
        hash test fails otherwise)."""
        if ctx.base is None:
            return
        records = list(a.records())
        tables = {r.table for _, r in records} - {"notification_object_data"}
        if not tables:
            return
        table = "object_data" if "object_data" in tables else sorted(tables)[0]
        recorded = {r.name for _, r in records if r.table == table}
        for name in sorted(a.refs):
            if name in recorded or name in a.base_refs:
                continue
            rel, span = a.version_span(name)
            if rel is None or is_test_path(rel) or not a.changed(rel):
                continue
            fp = a.fp(name)
            if fp is None or fp.value is None:
                continue  # unresolved: no expected string to offer
            ctx.report(self, rel, span, f"{table}.{name}", variant="missing", cls=name, table=table,
                       expected=fp.value)

    def _history(self, ctx, a):
        if ctx.base is None:
            return  # only a change is judged: old trees have gaps nobody will fix
        for name, (ref, how) in a.refs.items():
            new, old = a.fp(name), a.fp(name, base=True)
            if new is None or old is None or not new.version or not old.version or new.version == old.version:
                continue
            rel = a.mod_path.get(ref.module)
            ex = ctx.head[rel].extra.get("objects") if rel else None
            if ex is None or name not in ex.history:
                continue
            if any(versions.key(v, ()) == versions.key(new.version, ())[:2] for v in ex.history[name]):
                continue
            rel, span = a.version_span(name)
            ctx.report(self, rel, span, f"{name}.VERSION", variant="history", cls=name, version=new.version)

    def _obj_versions(self, ctx, a):
        for rel, f in ctx.head.items():
            ex = f.extra.get("objects")
            if ex is None or ex.summary is None:
                continue
            adds = [c for c in ex.summary.calls if c[0].endswith("OBJ_VERSIONS.add") and len(c[1]) == 2]
            if not adds:
                continue
            current: dict = {}
            history_versions = []
            for _, args, _, _ in adds:
                try:
                    ver = a.head.eval(args[0], a.F.Scope(ex.summary.module))
                    upd = a.head.eval(args[1], a.F.Scope(ex.summary.module))
                except a.F.Unresolved:
                    return
                if not isinstance(upd, dict) or not isinstance(ver, str):
                    return
                history_versions.append(ver)
                current.update(upd)
            last = history_versions[-1]
            nxt = versions.bump_minor(last) or "<next>"
            for name, listed in sorted(current.items()):
                if name not in a.refs:
                    continue
                fp = a.fp(name)
                if fp is None or not fp.version or fp.version == listed:
                    continue
                orel, span = a.version_span(name)
                if orel is None:
                    continue
                ctx.report(self, orel, span, f"{name}.VERSION", variant="obj_versions", cls=name,
                           version=fp.version, listed=listed, next=nxt)

    def _release_mapping(self, ctx, a):
        for rel, f in ctx.head.items():
            ex = f.extra.get("objects")
            if ex is None or ex.summary is None or "RELEASE_MAPPING" not in ex.summary.names:
                continue
            try:
                mapping = a.head.global_(ex.summary.module, "RELEASE_MAPPING")
            except a.F.Unresolved:
                continue
            master = mapping.get("master") if isinstance(mapping, dict) else None
            objs = master.get("objects") if isinstance(master, dict) else None
            if not isinstance(objs, dict):
                continue
            for name, listed in sorted(objs.items()):
                if name not in a.refs or not isinstance(listed, (list, tuple)) or not listed:
                    continue
                fp = a.fp(name)
                if fp is None or not fp.version or fp.version == listed[0]:
                    continue
                orel, span = a.version_span(name)
                if orel is None:
                    continue
                ctx.report(self, orel, span, f"{name}.VERSION", variant="release", cls=name,
                           version=fp.version, listed=listed[0])


_FLAVOR_BASE = """
    from oslo_versionedobjects import base as ovo_base


    class NovaObject(ovo_base.VersionedObject):
        pass


    class NovaObjectRegistry(ovo_base.VersionedObjectRegistry):
        pass
    """


def _bumped_pairs(a):
    """(name, ref, old fp, new fp) for registered objects present before and after, both resolved."""
    for name, (ref, how) in sorted(a.refs.items()):
        if name not in a.base_refs:
            continue
        new, old = a.fp(name), a.fp(name, base=True)
        if new is None or old is None or new.value is None or old.value is None:
            continue
        yield name, ref, old, new


# ---------------------------------------------------------------- UPG203


class HashBlindTypeChange(Rule):
    """
    ## What it does
    Checks for field changes that the oslo.versionedobjects fingerprint cannot
    see, made without a `VERSION` bump: the target of an `ObjectField` or
    `ListOfObjectsField`, the element type of a List/Dict/Set field
    (`ListOfStringsField` to `ListOfIntegersField`), `subclasses=`, and
    `read_only`.

    ## Why is this bad?
    The fingerprint hashes only the type class name (`List`, `Object`), so the
    project's own hash test stays green while the wire format changes. An N-1
    service deserialises the field with the old element or object type and
    fails (or silently coerces) during the rolling upgrade.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    Aliasing a field class to the same resolved type is not reported. Anything
    else needs the bump; `# noqa: UPG203` on the `VERSION` line with a reason.

    ## Fix safety
    The fix bumps the minor version and is safe; add the history comment and
    the backport by hand.

    ## References
    - oslo.versionedobjects fields: https://docs.openstack.org/oslo.versionedobjects/latest/reference/fields.html
    """

    code = "UPG203"
    name = "object-hash-blind-type-change"
    message = "{cls}.{field}: type changed from {before} to {after}, which the fingerprint does not see; " \
              "bump VERSION to '{new}'"
    severity = "error"
    scope = "diff"
    fix_safety = "safe"
    INVALID = [
        Invalid(
            {"nova/objects/base.py": _FLAVOR_BASE, "nova/objects/host.py": """
                from oslo_versionedobjects import fields

                from nova.objects import base


                @base.NovaObjectRegistry.register
                class Host(base.NovaObject):
                    VERSION = '1.0'  # expect: UPG203

                    fields = {
                        'ports': fields.ListOfIntegersField(),
                    }
                """},
            before={"nova/objects/base.py": _FLAVOR_BASE, "nova/objects/host.py": """
                from oslo_versionedobjects import fields

                from nova.objects import base


                @base.NovaObjectRegistry.register
                class Host(base.NovaObject):
                    VERSION = '1.0'

                    fields = {
                        'ports': fields.ListOfStringsField(),
                    }
                """},
        ),
    ]
    VALID = [
        Valid(
            {"nova/objects/base.py": _FLAVOR_BASE, "nova/objects/host.py": """
                from oslo_versionedobjects import fields

                from nova.objects import base


                @base.NovaObjectRegistry.register
                class Host(base.NovaObject):
                    # Version 1.1: ports are integers
                    VERSION = '1.1'

                    fields = {
                        'ports': fields.ListOfIntegersField(),
                    }
                """},
            before={"nova/objects/base.py": _FLAVOR_BASE, "nova/objects/host.py": """
                from oslo_versionedobjects import fields

                from nova.objects import base


                @base.NovaObjectRegistry.register
                class Host(base.NovaObject):
                    VERSION = '1.0'

                    fields = {
                        'ports': fields.ListOfStringsField(),
                    }
                """},
        ),
    ]

    def check(self, ctx: Context):
        a = _Analysis.of(ctx)
        for name, ref, old, new in _bumped_pairs(a):
            if old.version != new.version:
                continue
            d_old = a.F.field_details(a.base, a.base_refs[name][0])
            d_new = a.F.field_details(a.head, ref)
            o_repr, n_repr = (a.describe(name, True) or _EMPTY)["fields"], (a.describe(name) or _EMPTY)["fields"]
            for field in sorted(set(d_old) & set(d_new)):
                if d_old[field] == d_new[field] or o_repr.get(field) != n_repr.get(field):
                    continue
                rel, span = a.version_span(name)
                if rel is None or not a.changed(rel):
                    continue
                bump = versions.bump_minor(new.version)
                ctx.report(self, rel, span, f"{name}.{field}", fix=_bump_fix(span, name, bump), cls=name,
                           field=field, before=d_old[field], after=d_new[field], new=bump or "the next minor")
                break


# ---------------------------------------------------------------- UPG204


class MissingBackport(Rule):
    """
    ## What it does
    Checks a `VERSION` bump that adds fields (or enum values to a field) for a
    matching branch in `obj_make_compatible`: a `target_version < (M, N)` guard
    for the new version that removes (or converts) that field. It also reports
    a guard for the new version that names a key which is not a field added in
    that version (a typo, or the wrong field).

    ## Why is this bad?
    When a new conductor sends the object to an N-1 compute, the object is
    backported with `obj_make_compatible`. Without the branch the old service
    receives a field it does not know, or an enum value it rejects, and the
    call fails during the rolling upgrade.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    Projects whose house rule is that additive fields need no backport (cinder,
    which caps senders through `OBJ_VERSIONS`) set
    `objects-backport-new-fields = false`. Classes that backport through
    ironic's `_convert_to_version` are not checked.

    ## Fix safety
    No fix: the backport code needs a human.

    ## References
    - oslo.versionedobjects, obj_make_compatible: https://docs.openstack.org/oslo.versionedobjects/latest/user/usage.html
    """

    code = "UPG204"
    name = "object-bump-without-backport"
    message = "{cls} {version} adds '{field}' but obj_make_compatible has no 'target_version < ({major}, {minor})' " \
              "branch removing it"
    messages = {
        "enum": "{cls} {version} adds values to '{field}' but obj_make_compatible has no "
                "'target_version < ({major}, {minor})' branch for it",
        "wrong": "{cls}: the obj_make_compatible branch for {version} names '{key}', which is not a field "
                 "added in {version} ({added})",
    }
    severity = "warning"
    scope = "diff"
    INVALID = [
        Invalid(
            {"nova/objects/base.py": _FLAVOR_BASE, "nova/objects/host.py": """
                from oslo_utils import versionutils
                from oslo_versionedobjects import fields

                from nova.objects import base


                @base.NovaObjectRegistry.register
                class Host(base.NovaObject):
                    # Version 1.0: Initial version
                    # Version 1.1: Added zone
                    VERSION = '1.1'  # expect: UPG204

                    fields = {
                        'id': fields.IntegerField(),
                        'zone': fields.StringField(nullable=True),
                    }
                """},
            before={"nova/objects/base.py": _FLAVOR_BASE, "nova/objects/host.py": """
                from oslo_utils import versionutils
                from oslo_versionedobjects import fields

                from nova.objects import base


                @base.NovaObjectRegistry.register
                class Host(base.NovaObject):
                    # Version 1.0: Initial version
                    VERSION = '1.0'

                    fields = {
                        'id': fields.IntegerField(),
                    }
                """},
        ),
        Invalid(
            {"nova/objects/base.py": _FLAVOR_BASE, "nova/objects/host.py": """
                from oslo_utils import versionutils
                from oslo_versionedobjects import fields

                from nova.objects import base


                @base.NovaObjectRegistry.register
                class Host(base.NovaObject):
                    # Version 1.0: Initial version
                    # Version 1.1: Added zone
                    VERSION = '1.1'  # expect: UPG204

                    fields = {
                        'id': fields.IntegerField(),
                        'zone': fields.StringField(nullable=True),
                    }

                    def obj_make_compatible(self, primitive, target_version):
                        super().obj_make_compatible(primitive, target_version)
                        target_version = versionutils.convert_version_to_tuple(target_version)
                        if target_version < (1, 1) and 'zones' in primitive:  # expect: UPG204
                            del primitive['zones']
                """},
            before={"nova/objects/base.py": _FLAVOR_BASE, "nova/objects/host.py": """
                from oslo_utils import versionutils
                from oslo_versionedobjects import fields

                from nova.objects import base


                @base.NovaObjectRegistry.register
                class Host(base.NovaObject):
                    # Version 1.0: Initial version
                    VERSION = '1.0'

                    fields = {
                        'id': fields.IntegerField(),
                    }
                """},
        ),
    ]
    VALID = [
        Valid(
            {"nova/objects/base.py": _FLAVOR_BASE, "nova/objects/host.py": """
                from oslo_utils import versionutils
                from oslo_versionedobjects import fields

                from nova.objects import base


                @base.NovaObjectRegistry.register
                class Host(base.NovaObject):
                    # Version 1.0: Initial version
                    # Version 1.1: Added zone
                    VERSION = '1.1'

                    fields = {
                        'id': fields.IntegerField(),
                        'zone': fields.StringField(nullable=True),
                    }

                    def obj_make_compatible(self, primitive, target_version):
                        super().obj_make_compatible(primitive, target_version)
                        target_version = versionutils.convert_version_to_tuple(target_version)
                        if target_version < (1, 1) and 'zone' in primitive:
                            del primitive['zone']
                """},
            before={"nova/objects/base.py": _FLAVOR_BASE, "nova/objects/host.py": """
                from oslo_utils import versionutils
                from oslo_versionedobjects import fields

                from nova.objects import base


                @base.NovaObjectRegistry.register
                class Host(base.NovaObject):
                    # Version 1.0: Initial version
                    VERSION = '1.0'

                    fields = {
                        'id': fields.IntegerField(),
                    }
                """},
        ),
        Valid(
            {"cinder/objects/base.py": _FLAVOR_BASE, "cinder/objects/volume.py": """
                from oslo_versionedobjects import fields

                from cinder.objects import base


                @base.NovaObjectRegistry.register
                class Volume(base.NovaObject):
                    # Version 1.0: Initial version
                    # Version 1.1: Added zone
                    VERSION = '1.1'

                    fields = {
                        'id': fields.IntegerField(),
                        'zone': fields.StringField(nullable=True),
                    }
                """},
            before={"cinder/objects/base.py": _FLAVOR_BASE, "cinder/objects/volume.py": """
                from oslo_versionedobjects import fields

                from cinder.objects import base


                @base.NovaObjectRegistry.register
                class Volume(base.NovaObject):
                    # Version 1.0: Initial version
                    VERSION = '1.0'

                    fields = {
                        'id': fields.IntegerField(),
                    }
                """},
            config={"objects-backport-new-fields": False},
        ),
    ]

    def check(self, ctx: Context):
        if not getattr(ctx.config, "objects_backport_new_fields", True):
            return
        a = _Analysis.of(ctx)
        for name, ref, old, new in _bumped_pairs(a):
            how = a.refs[name][1]
            vo, vn = versions.key(old.version, ()), versions.key(new.version, ())
            if len(vo) < 2 or len(vn) < 2 or vn[:2] <= vo[:2] or vn[0] != vo[0]:
                continue
            rel, span = a.version_span(name)
            if rel is None or not a.changed(rel):
                continue
            cs = a.head.class_summary(ref)
            if cs is None or "_convert_to_version" in cs.names:
                continue
            if how == "notification" or a.F.is_payload(a.head, ref):
                continue  # notifications are emitted, never backported
            d_old, d_new = a.describe(name, True), a.describe(name)
            if d_old is None or d_new is None:
                continue
            added = [f for f in d_new["fields"] if f not in d_old["fields"]]
            enums = [f for f in d_new["fields"] if f in d_old["fields"] and "valid_values=" in d_new["fields"][f]
                     and d_new["fields"][f] != d_old["fields"][f]]
            if not added and not enums:
                continue
            ex = ctx.head[rel].extra.get("objects")
            guards = ex.guards.get(name, ()) if ex is not None else ()
            major, minor = vn[0], vn[1]
            at_new = [g for g in guards if tuple(g[0]) == (major, minor)]
            keys = {k for g in at_new for k in g[1]}
            for f in added:
                if f not in keys:
                    ctx.report(self, rel, span, f"{name}.{f}", cls=name, version=new.version, field=f,
                               major=major, minor=minor)
            for f in enums:
                if f not in keys:
                    ctx.report(self, rel, span, f"{name}.{f}", variant="enum", cls=name, version=new.version,
                               field=f, major=major, minor=minor)
            fields_now = set(d_new["fields"])
            for g in at_new:
                for key in g[1]:
                    if key in added or key in enums or key in fields_now or not key.isidentifier():
                        continue
                    if key in ("primitive", "target_version", "versioned_object.data"):
                        continue
                    gspan = Span(g[2], 0, g[2], 0) if g[2] else span
                    ctx.report(self, rel, gspan, f"{name}.obj_make_compatible", variant="wrong", cls=name,
                               version=new.version, key=key, added=", ".join(repr(x) for x in added + enums))


# ---------------------------------------------------------------- UPG205

_LIST_BASE = """
    from oslo_versionedobjects import base as ovo_base


    class NeutronObject(ovo_base.VersionedObject):
        pass


    class NeutronObjectRegistry(ovo_base.VersionedObjectRegistry):
        pass
    """


class RelationshipMapStale(Rule):
    """
    ## What it does
    Where a project still uses hand-kept version maps (a list object's
    non-empty `child_versions`, or a parent's `obj_relationships`), checks that
    the maps are in order and that a child's `VERSION` bump is matched by a new
    entry (and a bump of the list or parent).

    Projects that backport sub-objects through the version manifest (nova,
    cinder and ironic today) keep `child_versions` empty and are not checked.

    ## Why is this bad?
    With map-based backports the list or parent tells the receiver which child
    version goes with which parent version. A child bumped without a new map
    entry is never backported for an N-1 service, which then rejects it
    (`IncompatibleObjectVersion`) during the rolling upgrade.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    Move to manifest-based backports (`obj_make_compatible_from_manifest`) and
    drop the map; or `# noqa: UPG205` with a reason.

    ## Fix safety
    No fix: pick the new parent version by hand.

    ## References
    - oslo.versionedobjects, version manifests: https://docs.openstack.org/oslo.versionedobjects/latest/user/usage.html
    """

    code = "UPG205"
    name = "object-relationship-map-stale"
    message = "{cls}.{map} has no entry for {child} {child_version}; bump {cls} and map its new version to " \
              "'{child_version}'"
    messages = {"order": "{cls}.{map}: child versions go backwards at '{at}'; keep the map in version order"}
    severity = "error"
    scope = "any"
    INVALID = [
        Invalid(
            {"neutron/objects/base.py": _LIST_BASE, "neutron/objects/rule.py": """
                from oslo_versionedobjects import base as ovo_base
                from oslo_versionedobjects import fields

                from neutron.objects import base


                @base.NeutronObjectRegistry.register
                class Rule(base.NeutronObject):
                    # Version 1.1: Added direction
                    VERSION = '1.1'

                    fields = {
                        'id': fields.IntegerField(),
                        'direction': fields.StringField(),
                    }


                @base.NeutronObjectRegistry.register
                class RuleList(ovo_base.ObjectListBase, base.NeutronObject):
                    VERSION = '1.0'  # expect: UPG205

                    fields = {
                        'objects': fields.ListOfObjectsField('Rule'),
                    }

                    child_versions = {
                        '1.0': '1.0',
                    }
                """},
            before={"neutron/objects/base.py": _LIST_BASE, "neutron/objects/rule.py": """
                from oslo_versionedobjects import base as ovo_base
                from oslo_versionedobjects import fields

                from neutron.objects import base


                @base.NeutronObjectRegistry.register
                class Rule(base.NeutronObject):
                    VERSION = '1.0'

                    fields = {
                        'id': fields.IntegerField(),
                    }


                @base.NeutronObjectRegistry.register
                class RuleList(ovo_base.ObjectListBase, base.NeutronObject):
                    VERSION = '1.0'

                    fields = {
                        'objects': fields.ListOfObjectsField('Rule'),
                    }

                    child_versions = {
                        '1.0': '1.0',
                    }
                """},
        ),
    ]
    VALID = [
        Valid(
            {"neutron/objects/base.py": _LIST_BASE, "neutron/objects/rule.py": """
                from oslo_versionedobjects import base as ovo_base
                from oslo_versionedobjects import fields

                from neutron.objects import base


                @base.NeutronObjectRegistry.register
                class Rule(base.NeutronObject):
                    # Version 1.1: Added direction
                    VERSION = '1.1'

                    fields = {
                        'id': fields.IntegerField(),
                        'direction': fields.StringField(),
                    }


                @base.NeutronObjectRegistry.register
                class RuleList(ovo_base.ObjectListBase, base.NeutronObject):
                    # Version 1.1: Rule 1.1
                    VERSION = '1.1'

                    fields = {
                        'objects': fields.ListOfObjectsField('Rule'),
                    }

                    child_versions = {
                        '1.0': '1.0',
                        '1.1': '1.1',
                    }
                """},
            before={"neutron/objects/base.py": _LIST_BASE, "neutron/objects/rule.py": """
                from oslo_versionedobjects import base as ovo_base
                from oslo_versionedobjects import fields

                from neutron.objects import base


                @base.NeutronObjectRegistry.register
                class Rule(base.NeutronObject):
                    VERSION = '1.0'

                    fields = {
                        'id': fields.IntegerField(),
                    }


                @base.NeutronObjectRegistry.register
                class RuleList(ovo_base.ObjectListBase, base.NeutronObject):
                    VERSION = '1.0'

                    fields = {
                        'objects': fields.ListOfObjectsField('Rule'),
                    }

                    child_versions = {
                        '1.0': '1.0',
                    }
                """},
        ),
    ]

    def check(self, ctx: Context):
        a = _Analysis.of(ctx)
        F = a.F
        for name, (ref, how) in sorted(a.refs.items()):
            if not a.reportable(name):
                continue  # findings land on the class's module, which this run does not report on
            maps = []
            try:
                if a.head.definer(ref, "child_versions") is not None:
                    cv = a.head.class_attr(ref, "child_versions")
                    details = F.field_details(a.head, ref)
                    target = details.get("objects", "")
                    child = target.split("'")[1] if target.count("'") >= 2 else None
                    if isinstance(cv, dict) and cv and child:
                        maps.append(("child_versions", child,
                                     sorted(cv.items(), key=lambda kv: versions.key(kv[0], ()))))
                if a.head.definer(ref, "obj_relationships") is not None:
                    rel_map = a.head.class_attr(ref, "obj_relationships")
                    details = F.field_details(a.head, ref)
                    for field, pairs in (rel_map.items() if isinstance(rel_map, dict) else ()):
                        t = details.get(field, "")
                        child = t.split("'")[1] if t.count("'") >= 2 else None
                        if child and isinstance(pairs, (list, tuple)) and all(
                                isinstance(p, (list, tuple)) and len(p) == 2 for p in pairs):
                            maps.append((f"obj_relationships['{field}']", child,
                                         sorted(pairs, key=lambda kv: versions.key(kv[0], ()))))
            except F.Unresolved:
                continue
            for map_name, child, pairs in maps:
                rel, span = a.version_span(name)
                if rel is None:
                    continue
                for (p1, c1), (p2, c2) in zip(pairs, pairs[1:]):
                    if versions.key(c2, ()) < versions.key(c1, ()):
                        ctx.report(self, rel, span, f"{name}.{map_name}", variant="order", cls=name, map=map_name,
                                   at=p2)
                        break
                if ctx.base is None or child not in a.refs or child not in a.base_refs:
                    continue
                new, old = a.fp(child), a.fp(child, base=True)
                if new is None or old is None or not new.version or new.version == old.version:
                    continue
                if any(c == new.version for _, c in pairs):
                    continue
                crel, cspan = a.version_span(child)
                where = (rel, span) if a.changed(rel) else (crel, cspan)
                if where[0] is None:
                    continue
                ctx.report(self, where[0], where[1], f"{name}.{map_name}", cls=name, map=map_name, child=child,
                           child_version=new.version)


# ---------------------------------------------------------------- UPG206


class RemotableSignatureHazard(Rule):
    """
    ## What it does
    Checks remotable methods (`@remotable`, `@remotable_classmethod`) for
    signatures the fingerprint cannot hash in a stable or meaningful way:
    - a decorator placed *under* `@remotable`: the hash then covers the
      wrapper's `(*args, **kwargs)`, so later signature changes go unnoticed;
    - a default whose value has no stable repr (an object sentinel, a call);
    - with `--base`: type annotations or keyword-only arguments newly added to a
      remotable method, which switch its hash from the `ArgSpec` to the
      `FullArgSpec` form and so need a `VERSION` bump.

    `@base.serialize_args` stacked above `@remotable_classmethod` is fine.

    ## Why is this bad?
    The remotable signature is part of the object's contract with services one
    release apart: an N-1 conductor executes the method with the arguments the
    new caller sends. A hash that cannot see the signature lets an
    incompatible change through without a bump.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    `# noqa: UPG206` on the method with a reason.

    ## Fix safety
    No fix.

    ## References
    - oslo.versionedobjects fixture, ObjectVersionChecker: https://docs.openstack.org/oslo.versionedobjects/latest/reference/fixture.html
    """

    code = "UPG206"
    name = "object-remotable-signature-hazard"
    message = "{cls}.{method}: {hazard}"
    severity = "error"
    scope = "any"
    INVALID = [
        Invalid(
            {"nova/objects/base.py": _FLAVOR_BASE, "nova/objects/host.py": """
                from oslo_versionedobjects import base as ovo_base
                from oslo_versionedobjects import fields

                from nova.objects import base
                from nova import utils


                @base.NovaObjectRegistry.register
                class Host(base.NovaObject):
                    VERSION = '1.0'

                    fields = {
                        'id': fields.IntegerField(),
                    }

                    @ovo_base.remotable
                    @utils.synchronized('host')
                    def save(self, context):  # expect: UPG206
                        pass
                """},
        ),
    ]
    VALID = [
        Valid(
            {"nova/objects/base.py": _FLAVOR_BASE, "nova/objects/host.py": """
                from oslo_versionedobjects import base as ovo_base
                from oslo_versionedobjects import fields

                from nova.objects import base
                from nova import utils


                @base.NovaObjectRegistry.register
                class Host(base.NovaObject):
                    VERSION = '1.0'

                    fields = {
                        'id': fields.IntegerField(),
                    }

                    @ovo_base.remotable
                    def save(self, context):
                        self._save(context)

                    @utils.synchronized('host')
                    def _save(self, context):
                        pass
                """},
        ),
    ]

    def check(self, ctx: Context):
        a = _Analysis.of(ctx)
        F = a.F
        for name, (ref, how) in sorted(a.refs.items()):
            cs = a.head.class_summary(ref)
            rel = a.mod_path.get(ref.module)
            if cs is None or rel is None or not a.changed(rel):
                continue
            base_cs = a.base.class_summary(a.base_refs[name][0]) if a.base is not None and name in a.base_refs \
                else None
            for mname, (kind, method) in cs.names.items():
                if kind != "func":
                    continue
                hazard = None
                try:
                    impl = F.remotable_impl(method)
                    if impl is None:
                        continue
                    spec = F.method_spec(a.head, impl, ref.module)
                except F.Unresolved as exc:
                    msg = str(exc)
                    if "under @remotable" in msg:
                        hazard = "a decorator under @remotable hides the signature from the fingerprint; " \
                                 "move it above or into a helper"
                    elif "no stable repr" in msg:
                        hazard = "a default value has no stable repr, so the fingerprint changes from run to run; " \
                                 "use None or a literal"
                    else:
                        continue
                else:
                    old = base_cs.names.get(mname) if base_cs is not None else None
                    if type(spec).__name__ == "FullArgSpec" and old is not None and old[0] == "func":
                        try:
                            old_impl = F.remotable_impl(old[1])
                            old_spec = F.method_spec(a.base, old_impl, ref.module) if old_impl else None
                        except F.Unresolved:
                            old_spec = None
                        if old_spec is not None and type(old_spec).__name__ == "ArgSpec":
                            hazard = "annotations or keyword-only arguments switch its fingerprint to FullArgSpec; " \
                                     "bump VERSION and record the new hash"
                if hazard is None:
                    continue
                line = method.line or cs.line or 1
                ctx.report(self, rel, Span(line, 0, line, 0), f"{name}.{mname}", cls=name, method=mname,
                           hazard=hazard)
