"""UPG204: a VERSION bump that adds fields without an obj_make_compatible branch."""

from __future__ import annotations

import re

from upgradelint.core import versions
from upgradelint.core.model import Span
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.objects.analysis import ObjectsAnalysis
from upgradelint.families.objects.examples import FLAVOR_BASE, IRONIC_BASE, ironic_history
from upgradelint.families.objects.fingerprint import is_payload
from upgradelint.families.objects.fixes import ObjectFixes
from upgradelint.families.objects.world import Unresolved


class ObjectBumpWithoutBackport(Rule):
    """
    ## What it does
    Checks a `VERSION` bump that adds fields (or enum values to a field) for a
    matching branch in `obj_make_compatible`: a `target_version < (M, N)` guard
    for the new version that removes (or converts) that field. It also reports
    a guard for the new version that names a key which is not a field added in
    that version (a typo, or the wrong field).

    When the change spans several versions (a release, or a branch of several
    commits: 1.39 to 1.42), the object's `# Version M.N: ...` history says which
    version added which field or enum value, and the branch must be at that
    version; what the history does not name may be handled at any of the new
    versions. Enum values are read from the enum class, wherever it lives (a
    `fields.py` class whose `ALL` gains members), and only new values count:
    `ALL = (X)` becoming `ALL = (X,)` adds none. The version test may be a
    tuple, a string, or a parsed literal (`SemanticVersion.parse('1.2')`).
    cinder's table-driven backport counts as well: each row of
    `added_fields = (((1, 7), ('parent',)), ...)`, walked by
    `for version, remove_fields in added_fields: if target_version < version:`,
    is the branch for its version. A class without its own
    `obj_make_compatible` is judged by the one it inherits.

    ## Why is this bad?
    When a new service sends the object to an N-1 one, the object is
    backported with `obj_make_compatible`. An enum value the old service does
    not know is rejected when it reads the field, and the call fails. A field
    the old version does not define is dropped on receipt
    (oslo.versionedobjects reads only the fields a class declares), so nothing
    fails, but the primitive claims a version it does not match and the value
    still travels to a service that must not see it (nova's ShareMapping
    1.2 `access_key` is a credential). Removing attributes added since the
    target version is what oslo.versionedobjects documents
    `obj_make_compatible` for; hence a warning, not an error.

    In ironic's idiom (a project base class with `_convert_to_version`, called
    both for RPC and for the database while the conductor is pinned), a class
    that adds a field and does not define `_convert_to_version` is reported
    the same way, naming that method.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    Projects whose house rule is that additive fields need no backport (cinder,
    which caps senders through `OBJ_VERSIONS`) set
    `objects-backport-new-fields = false`. Classes that define ironic's
    `_convert_to_version` are not checked.

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
        "convert": "{cls} {version} adds '{field}' but {cls} has no _convert_to_version removing it for "
                   "older versions; add one as the other objects do",
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
        Invalid(
            {"ironic/objects/base.py": IRONIC_BASE,
             "ironic/objects/node_history.py": ironic_history("1.1", '        # Version 1.0: Initial version\n        # Version 1.1: Added project field', "            'id': object_fields.IntegerField(),\n            'project': object_fields.StringField(nullable=True),", mark="  # expect: UPG204")},
            before={"ironic/objects/base.py": IRONIC_BASE,
                    "ironic/objects/node_history.py": ironic_history("1.0", '        # Version 1.0: Initial version', "            'id': object_fields.IntegerField(),")},
        ),
    ]
    VALID = [
        Valid(
            {"ironic/objects/base.py": IRONIC_BASE,
             "ironic/objects/node_history.py": ironic_history("1.1", '        # Version 1.0: Initial version\n        # Version 1.1: Added project field', "            'id': object_fields.IntegerField(),\n            'project': object_fields.StringField(nullable=True),", extra="\n        def _convert_to_version(self, target_version, remove_unavailable_fields=True):\n            if target_version == '1.0' and self.obj_attr_is_set('project'):\n                if remove_unavailable_fields:\n                    delattr(self, 'project')\n                else:\n                    self.project = None\n")},
            before={"ironic/objects/base.py": IRONIC_BASE,
                    "ironic/objects/node_history.py": ironic_history("1.0", '        # Version 1.0: Initial version', "            'id': object_fields.IntegerField(),")},
        ),
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
            enums = _new_values(a.enum_values(name, True) or {}, a.enum_values(name) or {})
            if not added and not enums:
                continue
            guards = [g for g in _guards_of(ctx, a, ref, rel) if vo[:2] < tuple(g[0]) <= vn[:2]]
            bump = _Bump(name, vo[:2], vn[:2], [e for e in a.notes(name) if vo[:2] < e[0] <= vn[:2]], guards)
            convert = _inherits_convert_to_version(a.head, ref)
            for f in added:
                missing = bump.missing(f, (f,))
                if missing is None:
                    continue
                if convert:
                    ctx.report(self, rel, span, f"{name}.{f}", variant="convert", cls=name,
                               version=versions.fmt(missing), field=f)
                else:
                    ctx.report(self, rel, span, f"{name}.{f}", cls=name, version=versions.fmt(missing), field=f,
                               major=missing[0], minor=missing[1], fix=ctx.analysis(ObjectFixes).backport_fix(name))
            for f, values in enums.items():
                missing = next((m for m in (bump.missing(f, (x, f)) for x in sorted(values)) if m is not None), None)
                if missing is not None:
                    ctx.report(self, rel, span, f"{name}.{f}", variant="enum", cls=name,
                               version=versions.fmt(missing), field=f, major=missing[0], minor=missing[1])
            self._wrong_keys(ctx, rel, span, bump, set(d_new["fields"]), added + sorted(enums))

    def _wrong_keys(self, ctx, rel, span, bump, fields_now, changed):
        """A branch of the new versions naming a key that is no field at all: a typo, or the wrong name."""
        for g in bump.guards:
            for key in g[1]:
                if key in fields_now or not key.isidentifier():
                    continue
                if key in ("primitive", "target_version", "versioned_object.data"):
                    continue
                gspan = Span(g[2], 0, g[2], 0) if g[2] else span
                at = versions.fmt(g[0])
                ctx.report(self, rel, gspan, f"{bump.name}.obj_make_compatible", variant="wrong", cls=bump.name,
                           version=at, key=key, added=", ".join(repr(x) for x in bump.at(tuple(g[0]), changed)))


def _guards_of(ctx, a, ref, rel) -> tuple:
    """The backport guards the class runs: those of the class in its MRO that
    defines ``obj_make_compatible`` (cinder's ``BackupImport(Backup)`` runs Backup's)."""
    ex = ctx.head[rel].extra.get("objects")
    if ex is not None and ref.name in ex.guards:
        return ex.guards[ref.name]
    try:
        owner = a.head.definer(ref, "obj_make_compatible")
    except Unresolved:
        return ()
    where = a.mod_path.get(owner.module) if owner is not None and owner != ref else None
    bex = ctx.head[where].extra.get("objects") if where is not None else None
    return bex.guards.get(owner.name, ()) if bex is not None else ()


def _inherits_convert_to_version(world, ref) -> bool:
    """Does a project base class define ironic's ``_convert_to_version``?"""
    try:
        return world.definer(ref, "_convert_to_version") is not None
    except Unresolved:
        return False


def _new_values(old: dict, new: dict) -> dict[str, frozenset]:
    """field -> the enum values the bump adds (a field that is new, or whose
    values are unknown on one side, is judged as a field, not here)."""
    return {f: new[f] - old[f] for f in sorted(new) if f in old and new[f] - old[f]}


class _Bump:
    """The versions a bump spans, base < v <= head, with the object's
    ``# Version M.N:`` entries and ``target_version < (M, N)`` branches in
    between: which version added what, and where its branch must be."""

    def __init__(self, name, base, head, notes, guards):
        self.name, self.base, self.head, self.notes, self.guards = name, base, head, notes, guards

    def added_at(self, words) -> tuple | None:
        """The first version whose history entry names one of ``words`` (a
        field, an enum value): the history says which bump added it."""
        for word in words:
            pattern = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")
            for v, text in self.notes:
                if pattern.search(text):
                    return v
        return None

    def missing(self, field, words) -> tuple | None:
        """The version whose branch for ``field`` is missing, None when it is
        there: the branch must be at the version the history names, else at
        any version of the bump."""
        at = self.added_at(words)
        for g in self.guards:
            if field in g[1] and (at is None or tuple(g[0]) == at):
                return None
        return at or self.head

    def at(self, version, changed) -> list:
        """The changed fields the history puts at ``version`` (all of them without history)."""
        placed = [f for f in changed if self.added_at((f,)) == version]
        return placed or [f for f in changed if self.added_at((f,)) is None] or changed
