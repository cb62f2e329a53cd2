"""UPG207: obj_make_compatible backports a child object to a literal version."""

from __future__ import annotations

from collections import Counter

from upgradelint.core.model import Span
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.objects.analysis import ObjectsAnalysis
from upgradelint.families.objects.examples import FLAVOR_BASE

_BEFORE = """
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
    """

_AFTER = """
    from oslo_utils import versionutils
    from oslo_versionedobjects import fields

    from nova.objects import base


    @base.NovaObjectRegistry.register
    class Host(base.NovaObject):
        # Version 1.0: Initial version
        # Version 1.1: Added numa_topology
        VERSION = '1.1'

        fields = {
            'id': fields.IntegerField(),
            'numa_topology': fields.ObjectField('NUMATopology', nullable=True),
        }

        def obj_make_compatible(self, primitive, target_version):
            super().obj_make_compatible(primitive, target_version)
            target_version = versionutils.convert_version_to_tuple(target_version)
            if target_version < (1, 1):
                primitive.pop('numa_topology', None)
    """


class ObjectChildVersionHardcoded(Rule):
    """
    ## What it does
    Checks new code in `obj_make_compatible` for a child object backported to a
    literal version, whatever the target: `child.obj_to_primitive(target_version='1.10')`,
    or `child.obj_make_compatible(child_primitive, '1.10')`. Only what the
    change adds is reported (diff mode); the literals a project already ships
    are left alone.

    ## Why is this bad?
    The parent is asked for the version an N-1 service speaks, and the child
    must follow that target. A literal sends every peer the same child version:
    an older conductor or compute then receives a child newer than it knows
    (`IncompatibleObjectVersion`), or a newer one loses fields it could have
    had. oslo.versionedobjects already picks the child version for each target
    from the version manifest (`obj_make_compatible_from_manifest`, what
    `super().obj_make_compatible()` does), or from `obj_relationships` where a
    project still keeps that map.

    ## Example
    See below.

    ## Use instead
    See below.

    ## How to allow
    A literal that is right for every target it can meet (under a
    `target_version < (M, N)` branch that fixes the child's version for those
    targets) is accepted with `# noqa: UPG207` and a reason; prefer an
    `obj_relationships` entry, which says the same where oslo.versionedobjects
    reads it.

    ## Fix safety
    No fix: the child's version for each target is a decision.

    ## References
    - oslo.versionedobjects, version manifests and obj_relationships: https://docs.openstack.org/oslo.versionedobjects/latest/user/usage.html
    """

    code = "UPG207"
    name = "object-child-version-hardcoded"
    message = "{cls}.obj_make_compatible backports a child to the literal version '{version}'; let the version " \
              "manifest (super().obj_make_compatible()) or obj_relationships choose it for the target"
    severity = "warning"
    scope = "diff"
    INVALID = [
        Invalid(
            {"nova/objects/base.py": FLAVOR_BASE, "nova/objects/host.py": _AFTER.replace(
                "                primitive.pop('numa_topology', None)\n",
                "                primitive.pop('numa_topology', None)\n"
                "            elif 'numa_topology' in primitive:\n"
                "                topology = self.numa_topology.obj_to_primitive(target_version='1.2')  # expect: UPG207\n"
                "                primitive['numa_topology'] = topology\n")},
            before={"nova/objects/base.py": FLAVOR_BASE, "nova/objects/host.py": _BEFORE},
        ),
    ]
    VALID = [
        Valid({"nova/objects/base.py": FLAVOR_BASE, "nova/objects/host.py": _AFTER},
              before={"nova/objects/base.py": FLAVOR_BASE, "nova/objects/host.py": _BEFORE}),
    ]

    def check(self, ctx: Context):
        a = ctx.analysis(ObjectsAnalysis)
        for rel, f in sorted(ctx.head.items()):
            ex = f.extra.get("objects")
            if ex is None or not ex.pins or rel not in ctx.targets or not a.changed(rel):
                continue
            old = a.base_facts.get(rel)
            if old is f:
                continue  # the file did not change
            old_ex = old.extra.get("objects") if old is not None else None
            if old_ex is not None and old_ex.pins is None:
                continue  # base facts from an older build: what shipped is unknown
            for cls, pins in sorted(ex.pins.items()):
                shipped = Counter((v, code) for v, code, _, _ in (old_ex.pins.get(cls, ()) if old_ex else ()))
                for version, code, line, column in pins:
                    if shipped[(version, code)]:
                        shipped[(version, code)] -= 1
                        continue
                    ctx.report(self, rel, Span(line, column, line, column), f"{cls}.obj_make_compatible",
                               cls=cls, version=version)
