"""UPG201: an object's fingerprint inputs changed without a VERSION bump."""

from __future__ import annotations

import re

from upgradelint.core import versions
from upgradelint.core.model import Span
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.objects.analysis import EMPTY_DESCRIPTION, ObjectsAnalysis, bump_fix
from upgradelint.families.objects.fixes import ObjectFixes
from upgradelint.families.objects.world import ModuleRef


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


_QUALIFIER_RE = re.compile(r"^(?:\w+\s*\.\s*)+(?=\w+\s*\()")


def _moved(code: str) -> str:
    """A field's code without the module its class is read from: ``common_types.X()`` -> ``X()``."""
    return _QUALIFIER_RE.sub("", code)


def _unchanged_records(a) -> set:
    """Names whose recorded fingerprints are all there, and equal, before and after."""
    old, new = {}, {}
    for side, recs in ((old, a.records(base=True)), (new, a.records())):
        for _, r in recs:
            side.setdefault(r.name, set()).add((r.table, r.value))
    return {n for n, v in new.items() if old.get(n) == v}


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


def _fix(ctx, name: str):
    """The whole bookkeeping of the bump (families/objects/fixes.py)."""
    return ctx.analysis(ObjectFixes).bump_fix(name)


class ObjectFieldsChangedWithoutVersionBump(Rule):
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
    Safe: bookkeeping only. The fix bumps the minor version and finishes what
    goes with it: a `# Version X.Y: ...` history comment (when the class keeps
    a history; its words come from the field diff, review them), the recorded
    fingerprint (`object_data`, `notification_object_data`,
    `expected_object_fingerprints`) set to the hash oslo.versionedobjects
    computes, cinder's `OBJ_VERSIONS.add(...)` entry and ironic's
    `RELEASE_MAPPING['master']` object list. Where the fingerprint does not
    resolve statically no hash is written, and `fix` says why.

    Unsafe (`--unsafe-fixes`): the `obj_make_compatible` branch that removes
    the added fields for older versions, in the class's style (nova's
    `if target_version < (M, N):`, cinder's `added_fields`), creating the
    method when there is none. It changes what old services receive.

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
        a = ctx.analysis(ObjectsAnalysis)
        if ctx.base is None:
            self._check_recorded(ctx, a)
            return
        done = self._check_fingerprints(ctx, a)
        self._check_field_code(ctx, done, _unchanged_records(a))

    def _check_fingerprints(self, ctx, a) -> set:
        """Fingerprints before and after: catches inherited changes too.
        Returns the names whose fingerprints resolved on both sides."""
        done = set()
        for name, (ref, how) in sorted(a.refs.items()):
            if name not in a.base_refs:
                continue
            new, old = a.fp(name), a.fp(name, base=True)
            if new is None or old is None or new.value is None or old.value is None:
                continue
            done.add(name)
            if new.version != old.version or new.data == old.data or a.same_values_only(name):
                continue
            changes = _describe_change(a.describe(name, True) or EMPTY_DESCRIPTION,
                                       a.describe(name) or EMPTY_DESCRIPTION)
            rel, span = a.version_span(name)
            bump = versions.bump_minor(new.version) or "the next minor"
            if rel is not None and a.changed(rel):
                ctx.report(self, rel, span, f"{name}.VERSION",
                           fix=_fix(ctx, name) or bump_fix(span, name, versions.bump_minor(new.version)),
                           cls=name, changes=changes, version=new.version, new=bump)
                continue
            self._report_inherited(ctx, a, name, ref, changes=changes, version=new.version, new=bump)
        return done

    def _report_inherited(self, ctx, a, name, ref, **fmt):
        """The object's module is unchanged: report on the changed base class,
        field class or enum it read (the first one, in reading order)."""
        for c in a.head.mro(ref)[1:] + a.traces.get(name, []):
            if not hasattr(c, "module"):
                continue
            if isinstance(c, ModuleRef):
                crel = a.mod_path.get(c.module)
                cspan, label = Span(1, 0, 1, 0), c.module
            else:
                (crel, cspan), label = a.class_span(c), c.name
            if crel is not None and a.changed(crel):
                ctx.report(self, crel, cspan, f"{name}.VERSION", variant="inherited", cls=name, base=label,
                           fix=_fix(ctx, name), **fmt)
                break

    def _check_field_code(self, ctx, done, kept: set):
        """The foundation's comparison of the field code, where no fingerprint
        resolves. A field class now imported from elsewhere under the same name
        and arguments (neutron moving one to neutron-lib) is not a change when
        the object's recorded fingerprint (``kept``) stayed the same."""
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
                moved = _moved if obj.name in kept else str
                fields_changed = (obj.fields is not None and prev.fields is not None and
                                  {(f.name, moved(f.code)) for f in obj.fields} !=
                                  {(f.name, moved(f.code)) for f in prev.fields})
                if not fields_changed and obj.remotables == prev.remotables:
                    continue
                new = versions.bump_minor(obj.version)
                span = obj.version_span or obj.span
                ctx.report(self, path, span, f"{obj.name}.VERSION",
                           fix=_fix(ctx, obj.name) or bump_fix(obj.version_span, obj.name, new),
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
                       fix=_fix(ctx, rec.name) or bump_fix(span, rec.name, new), cls=rec.name, actual=fp.value,
                       recorded=rec.value, new=new or "the next minor")
