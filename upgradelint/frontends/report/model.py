"""The upgrade-impact report as data, and its JSON form (the contract
documented in the README: keys are only ever added, never renamed).

Entries exist only for what changed between the two refs. ``from`` is the
version at the base ref and ``to`` the version at the head ref, as the project
records it (an RPC client's newest history version, an object's ``VERSION``);
``from`` is None for what is new at the head."""

from __future__ import annotations

import ast
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Compat:
    """A piece of compatibility code: a ``can_send_version`` fallback, a gate
    (``assert_min_rpc_version``, or a raise when the version cannot be sent),
    a version chooser (``_ver``/``_compat_ver``/a tuple version) or an
    old-major compatibility endpoint (nova ``_ComputeV5Proxy``)."""

    kind: str  # fallback | gate | chooser | endpoint
    where: str  # the client method, or the endpoint class
    version: str

    def as_json(self) -> dict:
        return {"kind": self.kind, ("class" if self.kind == "endpoint" else "method"): self.where,
                "version": self.version}

    def label(self) -> str:
        what = {"fallback": "can_send_version fallback", "gate": "minimum-version gate",
                "chooser": "version chooser", "endpoint": "compatibility endpoint"}[self.kind]
        return f"{self.where}: {what} for {self.version}"


@dataclass
class Server:
    path: str
    cls: str
    version_from: str | None
    version_to: str | None
    linked: bool  # the server's version is the client's constant (cinder)
    agree: bool | None  # client to == server to; None when either is unknown

    def as_json(self) -> dict:
        return {"path": self.path, "class": self.cls, "from": self.version_from, "to": self.version_to,
                "linked": self.linked, "agree": self.agree}


@dataclass
class RpcChange:
    path: str
    cls: str
    namespace: str | None
    version_from: str | None
    version_to: str | None
    recorded_as: str  # where ``to`` comes from: history | RPC_API_VERSION | version_cap | target
    caps: bool  # the client checks versions (can_send_version, caps); False: neutron, heat style
    methods_added: list = field(default_factory=list)  # (name, version or None)
    methods_removed: list = field(default_factory=list)
    kwargs_added: dict = field(default_factory=dict)  # method -> [(kwarg, version or None)]
    kwargs_removed: dict = field(default_factory=dict)  # method -> [kwarg]
    compat_added: list = field(default_factory=list)  # Compat
    compat_removed: list = field(default_factory=list)
    aliases_added: dict = field(default_factory=dict)  # release -> version
    aliases_changed: dict = field(default_factory=dict)  # release -> (from, to)
    aliases_removed: list = field(default_factory=list)
    server: Server | None = None

    @property
    def bumped(self) -> bool:
        return self.version_from is not None and self.version_from != self.version_to

    def as_json(self) -> dict:
        return {
            "path": self.path, "class": self.cls, "topic": None, "namespace": self.namespace,
            "from": self.version_from, "to": self.version_to, "recorded_as": self.recorded_as, "caps": self.caps,
            "methods_added": [{"name": n, "version": v} for n, v in self.methods_added],
            "methods_removed": list(self.methods_removed),
            "kwargs_added": {m: [{"name": k, "version": v} for k, v in kws] for m, kws in self.kwargs_added.items()},
            "kwargs_removed": {m: list(kws) for m, kws in self.kwargs_removed.items()},
            "compat_added": [c.as_json() for c in self.compat_added],
            "compat_removed": [c.as_json() for c in self.compat_removed],
            "aliases_added": dict(self.aliases_added),
            "aliases_changed": {k: {"from": a, "to": b} for k, (a, b) in self.aliases_changed.items()},
            "aliases_removed": list(self.aliases_removed),
            "server": self.server.as_json() if self.server else None,
        }


def enum_values(field_repr: str) -> tuple | None:
    """The ``valid_values`` of an enum field's fingerprint repr."""
    i = field_repr.find("valid_values=")
    if i < 0 or not field_repr.endswith(")"):
        return None
    try:
        value = ast.literal_eval(field_repr[i + len("valid_values="):-1])
    except (ValueError, SyntaxError):
        return None
    return tuple(value) if isinstance(value, (list, tuple)) else None


@dataclass
class FieldChange:
    name: str
    before: str  # what the fingerprint hashes (or the field's code when it does not resolve)
    after: str
    hash_blind: bool = False  # the fingerprint cannot see it (object target, element type, read_only)

    def values(self) -> tuple[list, list]:
        """(values added, values removed) when both sides are enum fields."""
        before, after = enum_values(self.before), enum_values(self.after)
        if before is None or after is None:
            return [], []
        return [v for v in after if v not in before], [v for v in before if v not in after]

    def as_json(self) -> dict:
        added, removed = self.values()
        return {"name": self.name, "from": self.before, "to": self.after, "hash_blind": self.hash_blind,
                "values_added": added, "values_removed": removed}


@dataclass
class ObjectChange:
    name: str
    path: str | None
    version_from: str | None
    version_to: str | None
    notification: bool = False
    fields_added: list = field(default_factory=list)
    fields_removed: list = field(default_factory=list)
    fields_changed: list = field(default_factory=list)  # FieldChange
    remotables_added: list = field(default_factory=list)
    remotables_removed: list = field(default_factory=list)
    remotables_changed: list = field(default_factory=list)
    child_versions_changed: bool = False
    backported: bool | None = None  # every added field / new enum value has its obj_make_compatible branch
    missing_backports: list = field(default_factory=list)
    backport_note: str | None = None  # why ``backported`` is None
    recorded: str | None = None  # the fingerprint recorded at the head (object_data & co.)
    computed: str | None = None  # the fingerprint computed from the head's source
    unresolved: str | None = None  # why it could not be computed
    resolved: bool = True  # the changes come from fingerprints (else from the class's own fields code)

    @property
    def fingerprint_up_to_date(self) -> bool | None:
        if self.recorded is None or self.computed is None:
            return None
        return self.recorded == self.computed

    def as_json(self) -> dict:
        return {
            "name": self.name, "path": self.path, "from": self.version_from, "to": self.version_to,
            "notification": self.notification,
            "fields_added": list(self.fields_added), "fields_removed": list(self.fields_removed),
            "fields_changed": [c.as_json() for c in self.fields_changed],
            "remotables_added": list(self.remotables_added), "remotables_removed": list(self.remotables_removed),
            "remotables_changed": list(self.remotables_changed),
            "child_versions_changed": self.child_versions_changed,
            "backported": self.backported, "missing_backports": list(self.missing_backports),
            "backport_note": self.backport_note,
            "fingerprint": {"recorded": self.recorded, "computed": self.computed,
                            "up_to_date": self.fingerprint_up_to_date, "unresolved": self.unresolved},
        }


@dataclass
class Lock:
    table: str
    operation: str
    mysql: str
    postgresql: str

    def as_json(self) -> dict:
        return {"table": self.table, "operation": self.operation, "mysql": self.mysql, "postgresql": self.postgresql}


@dataclass
class MigrationChange:
    path: str
    revision: str | None
    down_revisions: tuple
    phase: str  # expand | contract | data | mixed | empty
    branch: str | None  # expand | contract | data, for projects with branches; None: a single branch
    step: str | None  # which step of the upgrade runs it (projects with branches)
    operations: list = field(default_factory=list)  # one line each
    locks: list = field(default_factory=list)  # Lock
    findings: list = field(default_factory=list)  # the run's failing findings in this file

    def as_json(self) -> dict:
        from upgradelint.formats.json_ import finding_dict

        return {"path": self.path, "revision": self.revision, "down_revision": list(self.down_revisions),
                "phase": self.phase, "branch": self.branch, "step": self.step,
                "operations": list(self.operations), "locks": [lk.as_json() for lk in self.locks],
                "findings": [finding_dict(f) for f in self.findings]}


@dataclass
class Table:
    """A release bookkeeping table that changed: cinder ``OBJ_VERSIONS``, ironic
    ``RELEASE_MAPPING``, nova ``SERVICE_VERSION``."""

    name: str
    path: str
    added: dict = field(default_factory=dict)
    changed: dict = field(default_factory=dict)  # key -> (from, to)
    removed: list = field(default_factory=list)

    def as_json(self) -> dict:
        return {"name": self.name, "path": self.path, "added": self.added,
                "changed": {k: {"from": a, "to": b} for k, (a, b) in self.changed.items()},
                "removed": list(self.removed)}


@dataclass
class Removable:
    """Compat code in a head client that only serves versions at or below a floor."""

    path: str
    cls: str
    floor: str
    floor_source: str  # why that floor: "base" (the base ref's version), or a release table entry
    items: list = field(default_factory=list)  # Compat

    def as_json(self) -> dict:
        return {"path": self.path, "class": self.cls, "floor": self.floor, "floor_source": self.floor_source,
                "compat": [c.as_json() for c in self.items]}


@dataclass
class Report:
    base: str
    head: str
    base_commit: str
    head_commit: str
    relation: str  # same | ancestor | diverged | unrelated
    shallow: bool = False  # a shallow clone: ancestry may be cut off
    findings_base: str | None = None  # the commit check --base diffed from, when it is not base_commit
    findings_where: str = ""  # how the findings were computed (in place, or a temporary checkout)
    rpc: list = field(default_factory=list)
    objects: list = field(default_factory=list)
    migrations: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    removable: list = field(default_factory=list)
    expired: list = field(default_factory=list)  # UPG110 findings at the head: the release window says it can go
    notes: list = field(default_factory=list)
    unknown: list = field(default_factory=list)  # what the facts cannot tell
    findings: list = field(default_factory=list)  # Finding, exactly as check --base gives them
    errors: list = field(default_factory=list)  # FileError of the findings run
    run_notes: list = field(default_factory=list)  # the findings run's notes (stderr, as check prints them)
    files_changed: int = 0
    migrations_gone: list = field(default_factory=list)  # (path, revision) of base migrations not in the head
    migrations_edited: list = field(default_factory=list)  # paths of released migrations whose upgrade() changed
    sides: tuple = ()  # the two facts.Side the report was built from

    @property
    def failing(self) -> int:
        return sum(1 for f in self.findings if f.failing)

    def as_json(self) -> dict:
        from upgradelint.formats.json_ import finding_dict

        return {
            "base": self.base, "head": self.head,
            "range": {"base_commit": self.base_commit, "head_commit": self.head_commit, "relation": self.relation,
                      "shallow": self.shallow, "findings_base": self.findings_base or self.base_commit,
                      "files_changed": self.files_changed},
            "rpc": [c.as_json() for c in self.rpc],
            "objects": [o.as_json() for o in self.objects],
            "migrations": [m.as_json() for m in self.migrations],
            "tables": [t.as_json() for t in self.tables],
            "removable_compat": [r.as_json() for r in self.removable],
            "expired_compat": [finding_dict(f) for f in self.expired],
            "notes": list(self.notes),
            "unknown": list(self.unknown),
            "findings": [finding_dict(f) for f in self.findings],
            "errors": [{"path": e.path, "message": e.message} for e in self.errors],
        }
