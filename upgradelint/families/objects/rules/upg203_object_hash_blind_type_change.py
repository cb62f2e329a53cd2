"""UPG203: a field change the fingerprint cannot see, without a VERSION bump."""

from __future__ import annotations

from upgradelint.core import versions
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.objects.analysis import EMPTY_DESCRIPTION, ObjectsAnalysis, bump_fix
from upgradelint.families.objects.examples import FLAVOR_BASE
from upgradelint.families.objects.fingerprint import field_details


class ObjectHashBlindTypeChange(Rule):
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
            {"nova/objects/base.py": FLAVOR_BASE, "nova/objects/host.py": """
                from oslo_versionedobjects import fields

                from nova.objects import base


                @base.NovaObjectRegistry.register
                class Host(base.NovaObject):
                    VERSION = '1.0'  # expect: UPG203

                    fields = {
                        'ports': fields.ListOfIntegersField(),
                    }
                """},
            before={"nova/objects/base.py": FLAVOR_BASE, "nova/objects/host.py": """
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
            {"nova/objects/base.py": FLAVOR_BASE, "nova/objects/host.py": """
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
            before={"nova/objects/base.py": FLAVOR_BASE, "nova/objects/host.py": """
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
        a = ctx.analysis(ObjectsAnalysis)
        for name, ref, old, new in a.bumped_pairs():
            if old.version != new.version:
                continue
            d_old = field_details(a.base, a.base_refs[name][0])
            d_new = field_details(a.head, ref)
            o_repr = (a.describe(name, True) or EMPTY_DESCRIPTION)["fields"]
            n_repr = (a.describe(name) or EMPTY_DESCRIPTION)["fields"]
            for field in sorted(set(d_old) & set(d_new)):
                if d_old[field] == d_new[field] or o_repr.get(field) != n_repr.get(field):
                    continue
                rel, span = a.version_span(name)
                if rel is None or not a.changed(rel):
                    continue
                bump = versions.bump_minor(new.version)
                ctx.report(self, rel, span, f"{name}.{field}", fix=bump_fix(span, name, bump), cls=name,
                           field=field, before=d_old[field], after=d_new[field], new=bump or "the next minor")
                break
