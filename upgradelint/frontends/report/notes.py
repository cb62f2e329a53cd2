"""Operator notes derived from the facts, the compatibility code the head can
drop, and what the facts cannot tell.

Nothing here is invented: a note names the facts it comes from. The removable
list assumes the base ref is the oldest supported release, and says so; the
release window itself (UPG110, from the project's own tables) feeds the
report's expired-compat section."""

from __future__ import annotations

from upgradelint.core import versions
from upgradelint.frontends.report.facts import compat_of, endpoints_near, recorded_version
from upgradelint.frontends.report.model import Removable

UNKNOWN_WINDOW = ("the release window: the project's tables (nova's OLDEST_SUPPORTED_SERVICE_VERSION and "
                  "VERSION_ALIASES, ironic's named RELEASE_MAPPING entries) do not show compat code older than "
                  "the oldest release {head} supports, so the removable list above assumes {base} is the oldest")
UNKNOWN_TOPIC = "RPC topics: the facts carry a client's namespace, not its Target(topic=...)"
UNKNOWN_ONLINE = ("online data migrations (the online_data_migrations commands) are not in the facts: check the "
                  "release notes for the ones {head} expects to have finished before its successor's schema "
                  "upgrade")


def removable(a, b, changed: set) -> list[Removable]:
    """Per head client, the compat code that only serves versions at or below
    what the base ref's client already spoke (the floor)."""
    out = []
    for (path, name), client in sorted(b.clients.items()):
        if path in changed:
            old = a.clients.get((path, name))
            if old is None:
                continue  # a new (or moved) client: no floor
            floor = recorded_version(old)[0]
        else:
            floor = recorded_version(client)[0]  # the same file at both refs
        if not versions.parse(floor):
            continue
        items = sorted((c for c in compat_of(client, endpoints_near(b, path))
                        if versions.key(c.version) <= versions.key(floor)),
                       key=lambda c: (c.where, versions.key(c.version), c.kind))
        if items:
            out.append(Removable(path, name, floor, "base", items))
    return out


def operator_notes(report, a, b) -> list[str]:
    notes: list[str] = []
    base, head = report.base, report.head
    for ch in report.rpc:
        notes.extend(_rpc_notes(ch, b, base, head))
    notes.extend(_object_notes(report, b, base))
    notes.extend(_migration_notes(report, base, head))
    for t in report.tables:
        if t.name == "RELEASE_MAPPING" and t.added:
            notes.append(f"{t.path}: RELEASE_MAPPING gains {_names(t.added)}; once every service runs {head}, "
                         f"a pin_release_version set for the upgrade can be removed")
    if report.removable:
        counts = ", ".join(f"{r.cls} {len(r.items)}" for r in report.removable)
        notes.append(f"compat code that only serves versions {base} already speaks ({counts} items, listed "
                     f"below) can go once {base} is the oldest release {head} supports")
    if report.findings:
        info = len(report.findings) - report.failing
        notes.append(f"check --base {base}: {report.failing} failing finding{'s' if report.failing != 1 else ''}"
                     f"{f' and {info} info' if info else ''} introduced between the two refs")
    return notes


def _names(d) -> str:
    return ", ".join(repr(k) for k in d)


def _rpc_notes(ch, b, base: str, head: str) -> list[str]:
    out = []
    client = b.clients.get((ch.path, ch.cls))
    server = ch.server.cls if ch.server else "its servers"
    if ch.bumped and ch.version_to is not None:
        nova_compute = client is not None and any(kind == "service_history" for kind, _ in client.refs)
        if nova_compute:
            out.append(f"{ch.cls} ({ch.path}) goes from {ch.version_from} to {ch.version_to}: upgrade the "
                       f"conductors (and the other control services) before the computes; with [upgrade_levels] "
                       f"set to auto, senders keep to what the oldest compute's service version allows until "
                       f"every compute runs {head}")
        elif ch.caps:
            out.append(f"{ch.cls} ({ch.path}) goes from {ch.version_from} to {ch.version_to}: senders keep to "
                       f"what the oldest {server} handles (can_send_version) until every {server} runs {head}")
        else:
            out.append(f"{ch.cls} ({ch.path}) goes from {ch.version_from} to {ch.version_to} with no version "
                       f"caps: upgrade {server} before the services that send to it; a sender newer than its "
                       f"server fails with UnsupportedVersion")
    if ch.server is not None and ch.server.agree is False:
        out.append(f"{ch.cls}: the client is at {ch.version_to} but {ch.server.cls} ({ch.server.path}) serves "
                   f"{ch.server.version_to}")
    if ch.aliases_added:
        pairs = ", ".join(f"{r}={v}" for r, v in ch.aliases_added.items())
        out.append(f"{ch.cls}: VERSION_ALIASES gains {pairs}; once every service runs {head}, a version pin "
                   f"([upgrade_levels]) set for the upgrade can be lifted")
    return out


def _object_notes(report, b, base: str) -> list[str]:
    out = []
    bumped = [o for o in report.objects if o.version_from and o.version_to and o.version_from != o.version_to]
    if bumped:
        out.append(f"{len(bumped)} versioned object{'s' if len(bumped) != 1 else ''} changed version; "
                   + _how_old_services_cope(b, base))
        backporters = sorted((p, c.name) for (p, _), c in b.clients.items()
                             if any(m.name == "object_backport_versions" for m in c.methods))
        for path, cls in backporters:
            out.append(f"{cls} ({path}) carries object backports (object_backport_versions): upgrade the "
                       f"services that serve it first, so that services on {base} can have the new object "
                       f"versions backported")
    for o in report.objects:
        if o.backported is False:
            out.append(f"{o.name} {o.version_from} -> {o.version_to}: no obj_make_compatible branch for "
                       f"{', '.join(o.missing_backports)}; services on {base} receive the new data")
        if o.fingerprint_up_to_date is False:
            out.append(f"{o.name}: the recorded fingerprint {o.recorded} differs from the computed {o.computed}")
    return out


def _how_old_services_cope(b, base: str) -> str:
    """The project's way, from the tables its object modules define (spec objects.md 5.4)."""
    names = {n for _, s in b.summaries.values() for n in s.names}
    calls = {f for _, s in b.summaries.values() for f, *_ in s.calls}
    if "RELEASE_MAPPING" in names:
        return (f"senders keep to the versions of the release pinned with pin_release_version (RELEASE_MAPPING) "
                f"while services of {base} run")
    if any(f.endswith("OBJ_VERSIONS.add") for f in calls):
        return f"senders cap object versions at the oldest running service's OBJ_VERSIONS entry while {base} runs"
    return f"services still on {base} receive them backported (obj_make_compatible) to the versions they know"


def _migration_notes(report, base: str, head: str) -> list[str]:
    out = []
    for m in report.migrations:
        if m.phase in ("data", "mixed"):
            out.append(f"{m.path}: changes data in a schema migration ({m.phase}); it runs with the schema "
                       f"upgrade, while services of {base} may still write")
        if m.phase == "contract" and m.branch != "contract":
            out.append(f"{m.path}: contracts the schema outside a contract branch; services of {base} that "
                       f"still use what it removes fail once it runs")
    for m in report.migrations:
        if any(f.code == "UPG310" for f in m.findings):
            out.append(f"{m.path}: check reports it as an edited released migration (UPG310), but revision "
                       f"{m.revision} is not in {base}'s tree: git's rename detection paired the new file with "
                       f"one that was deleted")
    if report.migrations:
        by_phase: dict = {}
        for m in report.migrations:
            by_phase[m.phase] = by_phase.get(m.phase, 0) + 1
        summary = ", ".join(f"{n} {p}" for p, n in sorted(by_phase.items()))
        branches = {m.branch for m in report.migrations}
        if branches == {None}:
            out.append(f"{len(report.migrations)} new migration{'s' if len(report.migrations) != 1 else ''} "
                       f"({summary}), on a single branch: run the schema upgrade before starting {head}'s services")
        else:
            out.append(f"{len(report.migrations)} new migration{'s' if len(report.migrations) != 1 else ''} "
                       f"({summary}); see each one's step")
    return out
