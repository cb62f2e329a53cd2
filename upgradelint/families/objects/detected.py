"""What the versioned-object rules detected about a project, for
``upgradelint check --show-conventions``: rows ``(name, value, why)``."""

from __future__ import annotations

from upgradelint.families.objects.analysis import ObjectsAnalysis
from upgradelint.families.objects.fixes import ObjectFixes


def rows(ctx) -> list[tuple[str, str, str]]:
    a = ctx.analysis(ObjectsAnalysis)
    if not a.refs:
        return [("objects", "none found", "no registered versioned object in the tree")]
    own = {"obj_make_compatible": 0, "_convert_to_version": 0}
    for ref, _ in a.refs.values():
        cs = a.head.class_summary(ref)
        for method in own:
            own[method] += cs is not None and method in cs.names
    styles = [f"obj_make_compatible in {own['obj_make_compatible']} classes"] if own["obj_make_compatible"] else []
    if ctx.analysis(ObjectFixes).cinder_style:
        styles.append("cinder added_fields tables")
    if own["_convert_to_version"]:
        styles.append(f"ironic _convert_to_version in {own['_convert_to_version']} classes")
    new_fields = getattr(ctx.config, "objects_backport_new_fields", True)
    out = [
        ("backport style", "; ".join(styles) or "none",
         "where UPG204 looks for the branch a new field or enum value needs"
         + ("" if new_fields else "; config objects-backport-new-fields = false: new fields need none")),
    ]
    tables: dict = {}
    for _, rec in a.records():
        tables[rec.table] = tables.get(rec.table, 0) + 1
    if tables:
        schema = ", ".join(sorted(a.hashing.schema)) or "none"
        out.append(("recorded fingerprints", ", ".join(f"{t} ({n})" for t, n in sorted(tables.items())),
                    f"the project's hash test: UPG202 keeps them current, UPG206 applies; payload SCHEMA "
                    f"hashed in: {schema} (only where the test passes extra_data_func)"))
    else:
        out.append(("recorded fingerprints", "none",
                    "no object_data / expected_object_fingerprints table: hash checks (UPG202's, UPG206) "
                    "do not apply"))
    return out
