"""UPG205: hand-kept child_versions / obj_relationships maps out of order or behind a child's bump."""

from __future__ import annotations

from upgradelint.core import versions
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.objects.analysis import ObjectsAnalysis
from upgradelint.families.objects.fingerprint import field_details
from upgradelint.families.objects.world import Unresolved

_LIST_BASE = """
    from oslo_versionedobjects import base as ovo_base


    class NeutronObject(ovo_base.VersionedObject):
        pass


    class NeutronObjectRegistry(ovo_base.VersionedObjectRegistry):
        pass
    """


class ObjectRelationshipMapStale(Rule):
    """
    ## What it does
    Where a project still uses hand-kept version maps (a list object's
    non-empty `child_versions`, or a parent's `obj_relationships`), checks that
    the maps are in order and that a child's `VERSION` bump is matched by a new
    entry (and a bump of the list or parent). With `--base`, a list whose
    `child_versions` gains an entry while its own `VERSION` stays is reported
    too (where the list's fingerprint resolves, UPG201 reports that change).

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
    messages = {"order": "{cls}.{map}: child versions go backwards at '{at}'; keep the map in version order",
                "unbumped": "{cls}.child_versions gained {entries} but {cls}.VERSION is still '{version}'; "
                            "bump it to '{new}'"}
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
        a = ctx.analysis(ObjectsAnalysis)
        if ctx.base is not None:
            self._map_grew(ctx, a)
        for name, (ref, how) in sorted(a.refs.items()):
            if not a.reportable(name):
                continue  # findings land on the class's module, which this run does not report on
            maps = []
            try:
                if a.head.definer(ref, "child_versions") is not None:
                    cv = a.head.class_attr(ref, "child_versions")
                    details = field_details(a.head, ref)
                    target = details.get("objects", "")
                    child = target.split("'")[1] if target.count("'") >= 2 else None
                    if isinstance(cv, dict) and cv and child:
                        maps.append(("child_versions", child,
                                     sorted(cv.items(), key=lambda kv: versions.key(kv[0], ()))))
                if a.head.definer(ref, "obj_relationships") is not None:
                    rel_map = a.head.class_attr(ref, "obj_relationships")
                    details = field_details(a.head, ref)
                    for field, pairs in (rel_map.items() if isinstance(rel_map, dict) else ()):
                        t = details.get(field, "")
                        child = t.split("'")[1] if t.count("'") >= 2 else None
                        if child and isinstance(pairs, (list, tuple)) and all(
                                isinstance(p, (list, tuple)) and len(p) == 2 for p in pairs):
                            maps.append((f"obj_relationships['{field}']", child,
                                         sorted(pairs, key=lambda kv: versions.key(kv[0], ()))))
            except Unresolved:
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

    def _map_grew(self, ctx, a):
        """A list whose child_versions gains an entry while its VERSION stays:
        the new entry maps a list version nobody can send. Where both
        fingerprints resolve, UPG201 reports the same change."""
        for name, (ref, how) in sorted(a.refs.items()):
            if name not in a.base_refs or not a.reportable(name):
                continue
            try:
                if a.head.definer(ref, "child_versions") is None:
                    continue
                new_map = a.head.class_attr(ref, "child_versions")
                old_map = a.base.class_attr(a.base_refs[name][0], "child_versions")
                version = a.head.class_attr(ref, "VERSION")
                old_version = a.base.class_attr(a.base_refs[name][0], "VERSION")
            except Unresolved:
                continue
            if not isinstance(new_map, dict) or not isinstance(old_map, dict) or version != old_version:
                continue
            grew = sorted((k for k in new_map if old_map.get(k) != new_map[k]), key=lambda k: versions.key(k, ()))
            new, old = a.fp(name), a.fp(name, base=True)
            if not grew or (new is not None and old is not None and new.value and old.value):
                continue
            rel, span = a.version_span(name)
            if rel is None or not a.changed(rel):
                continue
            top = grew[-1] if versions.key(grew[-1], ()) > versions.key(version, ()) else None
            ctx.report(self, rel, span, f"{name}.child_versions", variant="unbumped", cls=name, version=version,
                       entries=", ".join(f"'{k}': '{new_map[k]}'" for k in grew),
                       new=top or versions.bump_minor(version) or "the next minor")

