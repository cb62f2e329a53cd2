"""UPG2xx: versioned object rules."""

from __future__ import annotations

from upgradelint.model import Replacement
from upgradelint.rules import Context, Invalid, Rule, Valid


def bump_minor(version: str) -> str | None:
    parts = version.split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
        return None
    return f"{parts[0]}.{int(parts[1]) + 1}"


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
    if len(changes) > 3:
        changes = changes[:3] + [f"{len(changes) - 3} more"]
    return ", ".join(changes)


class FieldsChangedWithoutVersionBump(Rule):
    """
    ## What it does
    Checks for registered versioned objects whose `fields` or remotable method
    signatures changed against `--base` while `VERSION` stayed the same.

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
    severity = "error"
    scope = "diff"
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
        if ctx.base is None:
            return
        for path, facts in ctx.head.items():
            base = ctx.base.get(path)
            if base is None:
                continue
            old = {o.name: o for o in base.objects}
            for obj in facts.objects:
                prev = old.get(obj.name)
                if not obj.registered or prev is None or obj.version is None or obj.version != prev.version:
                    continue
                fields_changed = (obj.fields is not None and prev.fields is not None and
                                  {(f.name, f.code) for f in obj.fields} != {(f.name, f.code) for f in prev.fields})
                if not fields_changed and obj.remotables == prev.remotables:
                    continue
                new = bump_minor(obj.version)
                span = obj.version_span or obj.span
                fix = None
                if new and obj.version_span:
                    s = obj.version_span
                    fix = Replacement(s.line, s.column, s.end_line, s.end_column, f"'{new}'",
                                      description=f"Bump {obj.name}.VERSION to {new}")
                ctx.report(self, path, span, f"{obj.name}.VERSION", fix=fix, cls=obj.name,
                           changes=_summary(prev, obj), version=obj.version, new=new or "the next minor")
