"""What the migration rules detected about a project, for
``upgradelint check --show-conventions``: rows ``(name, value, why)`` that
tell a user why a rule is quiet or loud."""

from __future__ import annotations

import fnmatch

from upgradelint.families.migrations.analysis import MigrationAnalysis, glance_contract, labels_contract, \
    labels_expand
from upgradelint.families.migrations.graph import stem


def rows(ctx) -> list[tuple[str, str, str]]:
    a = ctx.analysis(MigrationAnalysis)
    paths = a.graph.paths()
    if not paths:
        return [("migrations", "none found", "no alembic or sqlalchemy-migrate script with an upgrade()")]
    out = [_contract(ctx, a, paths), _expand(a, paths)]
    value, why = a.released.describe()
    out.append(("released-through", value, why))
    ports = [p for p in paths if a.graph.migration(p).legacy_port is not None]
    if ports:
        out.append(("legacy ports", f"{len(ports)} scripts",
                    "alembic ports of legacy migrations (upgrade() returns unless "
                    "legacy_utils.is_migration_needed(N)): their bodies run only on fresh databases, so their "
                    "findings are accepted"))
    out.extend(_exception_lists(a, paths))
    out.append(_offline(a, paths))
    return out


def _count(label: str, n: int) -> str | None:
    return f"{label} ({n} scripts)" if n else None


def _contract(ctx, a: MigrationAnalysis, paths) -> tuple[str, str, str]:
    cfg = ctx.config
    found = [
        _count("contract/ directories", sum("contract" in p.split("/") for p in paths)),
        _count("contract_repo/", sum("contract_repo" in p.split("/") for p in paths)),
        _count("glance <release>_contractNN names", sum(glance_contract(stem(p)) for p in paths)),
        _count("contract branch label",
               sum(labels_contract(a.graph.migration(p).branch_labels) for p in paths)),
        _count("the project's exception lists", sum(a.listed(p) for p in paths)),
        _count("config contract-paths", sum(any(fnmatch.fnmatch(p, g) for g in cfg.contract_paths) for p in paths)),
        "config allowed-migrations: " + ", ".join(cfg.allowed_migrations) if cfg.allowed_migrations else None,
    ]
    found = [x for x in found if x]
    n = sum(a.contract_context(p) for p in paths)
    value = "; ".join(found) if found else "none"
    why = (f"{n} of {len(paths)} migrations may drop, rename and retype (decided by their path, branch and the "
           "project's declarations, never by what they do)" if n else
           "no migration may contract: drops, renames and retypes are reported everywhere")
    return "contract contexts", value, why


def _expand(a: MigrationAnalysis, paths) -> tuple[str, str, str]:
    found = [
        _count("expand/ directories", sum("expand" in p.split("/") for p in paths)),
        _count("expand_repo/", sum("expand_repo" in p.split("/") for p in paths)),
        _count("expand branch label", sum(labels_expand(a.graph.migration(p).branch_labels) for p in paths)),
    ]
    found = [x for x in found if x]
    n = sum(not a.contract_context(p) and a.expand_context(p) for p in paths)
    if not found:
        return "expand contexts", "none", "no declared expand phase"
    return ("expand contexts", "; ".join(found),
            f"{n} migrations are in a declared expand phase: a drop or alter there is an error whatever the models "
            "say (the project's own test bans it)")


def _exception_lists(a: MigrationAnalysis, paths) -> list[tuple[str, str, str]]:
    out = []
    for test, entries in a.project_exceptions.items():
        lists: dict = {}
        for name, scope, entry in entries:
            lists.setdefault((name, scope), []).append(str(entry))
        for (name, scope), values in sorted(lists.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
            where = f" ({scope})" if scope else ""
            out.append((f"exception list {name}{where}", ", ".join(values),
                        f"read from {test}: the project's own test lets these migrations contract"))
    declared = [p for p in paths if a.graph.migration(p).exceptions]
    if declared:
        out.append(("declared exceptions", f"{len(declared)} scripts",
                    "expand_drop_exceptions() / contract_creation_exceptions() in the script itself (neutron): "
                    "the elements they name may be dropped or created"))
    return out


def _offline(a: MigrationAnalysis, paths) -> tuple[str, str, str]:
    test = a.offline_contract_test
    if test:
        return ("neutron offline-contract check", "applies",
                f"{test} forbids contract scripts after newton (UPG309)")
    if any("contract" in p.split("/") for p in paths):
        return ("neutron offline-contract check", "does not apply",
                "no test calls has_offline_migrations: the contract branch is open (stadium projects)")
    return "neutron offline-contract check", "does not apply", "no contract directories"
