"""UPG202: the recorded fingerprint, the history comment or a release table lags behind VERSION."""

from __future__ import annotations

from upgradelint.core import versions
from upgradelint.core.model import Span
from upgradelint.core.paths import is_test_path
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.objects.analysis import ObjectsAnalysis
from upgradelint.families.objects.fixes import ObjectFixes
from upgradelint.families.objects.world import Scope, Unresolved


class ObjectVersionBookkeepingStale(Rule):
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
    Safe: bookkeeping only. Each finding's fix writes its piece: the recorded
    string set to the fingerprint computed from source (exactly what
    oslo.versionedobjects would compute; an object that does not resolve
    gets nothing, and `fix` says why), the missing history comment, the
    cinder `OBJ_VERSIONS.add(...)` entry (a new history version, or the newest
    one when the change added it), the version first in ironic's
    `RELEASE_MAPPING['master']`, or the record of a new object in its
    alphabetical place.

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
        a = ctx.analysis(ObjectsAnalysis)
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
            fix = ctx.analysis(ObjectFixes).part_fix(rec.name, "record", rel, rec)
            ctx.report(self, path, span, f"{rec.table}.{rec.name}", fix=fix, variant=variant, table=rec.table,
                       cls=rec.name, recorded=rec.value, expected=expected, **fmt)
        self._history(ctx, a)
        self._obj_versions(ctx, a)
        self._release_mapping(ctx, a)
        self._unrecorded(ctx, a)

    def _unrecorded(self, ctx, a):
        """With --base: an object the change registers for the first time, in a
        project that records fingerprints, must get its record in the table
        whose test checks it (nova: a notification or payload in
        notification_object_data, anything else in object_data)."""
        if ctx.base is None:
            return
        recorded = {(r.table, r.name) for _, r in a.records()}
        if not recorded:
            return
        for name in sorted(a.refs):
            if name in a.base_refs:
                continue
            ref, how = a.refs[name]
            table = a.hashing.belongs(a.head, ref, how)
            if (table, name) in recorded:
                continue
            rel, span = a.version_span(name)
            if rel is None or is_test_path(rel) or not a.changed(rel):
                continue
            fp = a.expected_in(name, table)
            if fp is None or fp.value is None:
                continue  # unresolved: no expected string to offer
            ctx.report(self, rel, span, f"{table}.{name}", variant="missing", cls=name, table=table,
                       expected=fp.value, fix=ctx.analysis(ObjectFixes).part_fix(name, "missing", table=table))

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
            ctx.report(self, rel, span, f"{name}.VERSION", variant="history", cls=name, version=new.version,
                       fix=ctx.analysis(ObjectFixes).part_fix(name, "history"))

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
                    ver = a.head.eval(args[0], Scope(ex.summary.module))
                    upd = a.head.eval(args[1], Scope(ex.summary.module))
                except Unresolved:
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
                           version=fp.version, listed=listed, next=nxt,
                           fix=ctx.analysis(ObjectFixes).part_fix(name, "obj_versions"))

    def _release_mapping(self, ctx, a):
        for rel, f in ctx.head.items():
            ex = f.extra.get("objects")
            if ex is None or ex.summary is None or "RELEASE_MAPPING" not in ex.summary.names:
                continue
            try:
                mapping = a.head.global_(ex.summary.module, "RELEASE_MAPPING")
            except Unresolved:
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
                           version=fp.version, listed=listed[0],
                           fix=ctx.analysis(ObjectFixes).part_fix(name, "release"))
