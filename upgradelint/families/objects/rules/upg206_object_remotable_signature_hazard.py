"""UPG206: a remotable method whose signature the fingerprint misreads or reads unstably."""

from __future__ import annotations

from upgradelint.core.model import Span
from upgradelint.core.rule import Context, Invalid, Rule, Valid
from upgradelint.families.objects.analysis import ObjectsAnalysis
from upgradelint.families.objects.examples import FLAVOR_BASE
from upgradelint.families.objects.fingerprint import method_spec, remotable_impl
from upgradelint.families.objects.world import Unresolved


class ObjectRemotableSignatureHazard(Rule):
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

    Only a project that records object hashes (an `object_data` table, ironic's
    `expected_object_fingerprints`) is checked: without one, no test compares
    the fingerprint, so what it misreads changes nothing (tacker has no such
    test and is not checked).

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
            {"nova/objects/base.py": FLAVOR_BASE, "nova/objects/host.py": """
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
                """,
             "nova/tests/unit/objects/test_objects.py": """
                object_data = {
                    'Host': '1.0-0123456789abcdef0123456789abcdef',
                }
                """},
        ),
    ]
    VALID = [
        Valid(
            {"nova/objects/base.py": FLAVOR_BASE, "nova/objects/host.py": """
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
                    def save(self, context):
                        pass
                """},
        ),
        Valid(
            {"nova/objects/base.py": FLAVOR_BASE, "nova/objects/host.py": """
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
        a = ctx.analysis(ObjectsAnalysis)
        if not a.records():
            return  # no test compares the fingerprint: nothing it misreads matters
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
                    impl = remotable_impl(method)
                    if impl is None:
                        continue
                    spec = method_spec(a.head, impl, ref.module)
                except Unresolved as exc:
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
                            old_impl = remotable_impl(old[1])
                            old_spec = method_spec(a.base, old_impl, ref.module) if old_impl else None
                        except Unresolved:
                            old_spec = None
                        if old_spec is not None and type(old_spec).__name__ == "ArgSpec":
                            hazard = "annotations or keyword-only arguments switch its fingerprint to FullArgSpec; " \
                                     "bump VERSION and record the new hash"
                if hazard is None:
                    continue
                line = method.line or cs.line or 1
                ctx.report(self, rel, Span(line, 0, line, 0), f"{name}.{mname}", cls=name, method=mname,
                           hazard=hazard)
