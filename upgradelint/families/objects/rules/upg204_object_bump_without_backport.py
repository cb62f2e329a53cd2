"""UPG204: a VERSION bump that adds fields without an obj_make_compatible branch."""

from __future__ import annotations

from upgradelint.core import versions
from upgradelint.core.model import Span
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.objects.analysis import ObjectsAnalysis
from upgradelint.families.objects.examples import FLAVOR_BASE
from upgradelint.families.objects.fingerprint import is_payload
from upgradelint.families.objects.fixes import ObjectFixes


class ObjectBumpWithoutBackport(Rule):
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
    Unsafe (`--unsafe-fixes`): the fix adds a branch that drops the added
    fields for older versions, in the class's own style (nova's
    `if target_version < (M, N):` next to the other guards, one more tuple in
    cinder's `added_fields`), or creates `obj_make_compatible` with the
    `super()` call and the `convert_version_to_tuple` line. It changes what
    old services receive: review it. New enum values are not converted
    automatically, nor are ironic's `_convert_to_version` objects.

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
            {"nova/objects/base.py": FLAVOR_BASE, "nova/objects/host.py": """
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
            before={"nova/objects/base.py": FLAVOR_BASE, "nova/objects/host.py": """
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
            {"nova/objects/base.py": FLAVOR_BASE, "nova/objects/host.py": """
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
            before={"nova/objects/base.py": FLAVOR_BASE, "nova/objects/host.py": """
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
            {"nova/objects/base.py": FLAVOR_BASE, "nova/objects/host.py": """
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
            before={"nova/objects/base.py": FLAVOR_BASE, "nova/objects/host.py": """
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
            {"cinder/objects/base.py": FLAVOR_BASE, "cinder/objects/volume.py": """
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
            before={"cinder/objects/base.py": FLAVOR_BASE, "cinder/objects/volume.py": """
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
        a = ctx.analysis(ObjectsAnalysis)
        for name, ref, old, new in a.bumped_pairs():
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
            if how == "notification" or is_payload(a.head, ref):
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
                               major=major, minor=minor, fix=ctx.analysis(ObjectFixes).backport_fix(name))
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
