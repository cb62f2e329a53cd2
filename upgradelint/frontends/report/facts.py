"""The facts of one side of the range, by family, and the RPC comparison.

A ``Side`` wraps the facts the engine loaded for one tree (changed files and
their context, plus the head's files that hold compatibility code) and offers
them as the report needs them: RPC clients and servers, the versioned-object
world, migrations, and the release tables."""

from __future__ import annotations

import functools
import posixpath

from upgradelint.core import versions
from upgradelint.frontends.report.model import Compat, RpcChange, Server, Table


class Side:
    def __init__(self, tree_facts, label: str):
        self.tf = tree_facts
        self.label = label  # the ref as given

    @property
    def facts(self) -> dict:
        return self.tf.facts

    def has(self, rel: str) -> bool:
        return rel in self.tf.tree.files

    @functools.cached_property
    def clients(self) -> dict:
        """(path, class) -> RpcClient."""
        return {(p, c.name): c for p, f in sorted(self.facts.items()) for c in f.rpc}

    @functools.cached_property
    def servers(self) -> list:
        """(path, RpcServer) of every endpoint class."""
        out = []
        for p, f in sorted(self.facts.items()):
            extra = f.extra.get("rpc") if f.extra else None
            if extra is not None:
                out.extend((p, s) for s in extra.servers)
        return out

    def rpc_extra(self, attr: str) -> dict:
        """path -> ``service_history`` / ``release_master`` of the files that have one."""
        out = {}
        for p, f in sorted(self.facts.items()):
            extra = f.extra.get("rpc") if f.extra else None
            if extra is not None and getattr(extra, attr) is not None:
                out[p] = getattr(extra, attr)
        return out

    @functools.cached_property
    def summaries(self) -> dict:
        """module name -> (path, ModuleSummary) of the versioned-object family."""
        out = {}
        for p, f in sorted(self.facts.items()):
            ex = f.extra.get("objects") if f.extra else None
            if ex is not None and ex.summary is not None:
                out.setdefault(ex.summary.module, (p, ex.summary))
        return out

    @functools.cached_property
    def migrations(self) -> dict:
        return {p: f.migration for p, f in sorted(self.facts.items())
                if f.migration is not None and f.migration.has_upgrade}


# -- RPC ---------------------------------------------------------------------------------------

def recorded_version(client) -> tuple[str | None, str]:
    """The client's version as the project records it, and where it comes from."""
    newest = versions.newest(client.history)
    if newest:
        return newest, "history"
    if client.api_version:
        return client.api_version[0], "RPC_API_VERSION"
    if client.version_cap:
        return client.version_cap[0], "version_cap"
    return client.target_version, "target"


def _method_version(m) -> str | None:
    vs = [v for s in m.sends for v in s.versions] + list(m.gated) + list(m.guards)
    return versions.newest(vs)


def _kwargs(m) -> dict:
    """kwarg -> the newest version a send carrying it goes out at."""
    out: dict = {}
    for s in m.sends:
        for name, _ in s.kwargs:
            out[name] = versions.newest([v for v in (out.get(name), *s.versions) if v])
    return out


def compat_of(client, endpoints=()) -> set:
    out = set()
    for m in client.methods:
        gated = set(m.gated)
        for v in set(m.guards) | gated:
            out.add(Compat("gate" if v in gated else "fallback", m.name, v))
        for s in m.sends:
            if s.chosen:
                out.update(Compat("chooser", m.name, v) for v in s.versions)
    out.update(Compat("endpoint", srv.name, srv.version) for srv in endpoints if srv.proxy and srv.version)
    return out


def _sorted_compat(items) -> list:
    return sorted(items, key=lambda c: (c.where, versions.key(c.version), c.kind))


def server_for(side: Side, path: str, client):
    """(path, RpcServer) of the endpoint next to the client (same directory and
    namespace, not an old-major proxy), preferring ``manager.py``."""
    d = posixpath.dirname(path)
    cands = [(p, s) for p, s in side.servers
             if posixpath.dirname(p) == d and not s.proxy and s.namespace == client.namespace]
    cands.sort(key=lambda ps: (posixpath.basename(ps[0]) != "manager.py", ps[0], ps[1].name))
    return cands[0] if cands else (None, None)


def endpoints_near(side: Side, path: str) -> list:
    d = posixpath.dirname(path)
    return [s for p, s in side.servers if posixpath.dirname(p) == d and s.proxy]


def _server_change(a: Side, b: Side, path: str, client, old_path: str | None, old, to: str | None):
    sp, srv = server_for(b, path, client)
    if srv is None:
        return None
    linked = srv.version is None and bool(srv.version_ref) and srv.version_ref.endswith("RPC_API_VERSION")
    version = srv.version if not linked else (client.api_version[0] if client.api_version else None)
    before = None
    if old is not None:
        _, osrv = server_for(a, old_path, old)
        if osrv is not None:
            before = osrv.version if osrv.version is not None else (old.api_version[0] if old.api_version else None)
    agree = None if version is None or to is None else versions.key(version) == versions.key(to)
    return Server(sp, srv.name, before, version, linked, agree)


def rpc_changes(a: Side, b: Side, changed: set) -> list[RpcChange]:
    """Clients in changed files, and clients whose server changed (loaded on
    both sides as the server's context)."""
    out = []
    paired = set()
    for (path, name), client in sorted(b.clients.items()):
        if path not in changed and (path, name) not in a.clients:
            continue  # read for the removable-compat list only: unchanged
        old_path, old = _pair_client(a, b, path, name)
        if old is not None:
            paired.add((old_path, name))
        change = _rpc_change(a, b, path, client, old_path, old)
        if change is not None:
            out.append(change)
    for (path, name), old in sorted(a.clients.items()):
        if (path, name) in paired or (path, name) in b.clients or path not in changed:
            continue
        v, src = recorded_version(old)
        out.append(RpcChange(path, name, old.namespace, v, None, src, old.uses_caps,
                             methods_removed=sorted(m.name for m in old.methods)))
    return out


def _pair_client(a: Side, b: Side, path: str, name: str):
    if (path, name) in a.clients:
        return path, a.clients[(path, name)]
    moved = [(p, c) for (p, n), c in a.clients.items() if n == name and (p, n) not in b.clients]
    return moved[0] if len(moved) == 1 else (None, None)


def _rpc_change(a: Side, b: Side, path: str, client, old_path, old) -> RpcChange | None:
    to, src = recorded_version(client)
    before = recorded_version(old)[0] if old is not None else None
    ch = RpcChange(path, client.name, client.namespace, before, to, src, client.uses_caps)
    new_methods = {m.name: m for m in client.methods}
    old_methods = {m.name: m for m in old.methods} if old is not None else {}
    ch.methods_added = [(n, _method_version(m)) for n, m in sorted(new_methods.items()) if n not in old_methods]
    ch.methods_removed = sorted(n for n in old_methods if n not in new_methods)
    for n, m in sorted(new_methods.items()):
        if n not in old_methods:
            continue
        kn, ko = _kwargs(m), _kwargs(old_methods[n])
        added = [(k, v) for k, v in sorted(kn.items()) if k not in ko]
        removed = sorted(k for k in ko if k not in kn)
        if added:
            ch.kwargs_added[n] = added
        if removed:
            ch.kwargs_removed[n] = removed
    cn = compat_of(client, endpoints_near(b, path))
    co = compat_of(old, endpoints_near(a, old_path)) if old is not None else set()
    ch.compat_added = _sorted_compat(cn - co)
    ch.compat_removed = _sorted_compat(co - cn)
    an = {r: v for r, v, _ in client.aliases}
    ao = {r: v for r, v, _ in old.aliases} if old is not None else {}
    ch.aliases_added = {r: v for r, v in an.items() if r not in ao}
    ch.aliases_changed = {r: (ao[r], v) for r, v in an.items() if r in ao and ao[r] != v}
    ch.aliases_removed = [r for r in ao if r not in an]
    ch.server = _server_change(a, b, path, client, old_path, old, to)
    server_moved = ch.server is not None and old is not None and ch.server.version_from != ch.server.version_to
    if old is not None and not (before != to or ch.methods_added or ch.methods_removed or ch.kwargs_added
                                or ch.kwargs_removed or ch.compat_added or ch.compat_removed or an != ao
                                or server_moved):
        return None
    return ch


# -- release tables ------------------------------------------------------------------------------

def plain(node):
    """A summary IR node as plain data; None when it is not a literal."""
    kind = node[0]
    if kind == "c":
        return node[1]
    if kind in ("list", "tuple"):
        items = [plain(x) for x in node[1]]
        return None if any(x is None for x in items) else items
    if kind == "dict":
        out = {}
        for k, v in node[1]:
            if k is None:
                return None
            kp, vp = plain(k), plain(v)
            if not isinstance(kp, (str, int)) or vp is None:
                return None
            out[kp] = vp
        return out
    return None


def _keyed_table(name: str, path: str, old: dict, new: dict) -> Table | None:
    t = Table(name, path)
    t.added = {k: v for k, v in new.items() if k not in old}
    t.changed = {k: (old[k], v) for k, v in new.items() if k in old and old[k] != v}
    t.removed = [k for k in old if k not in new]
    return t if t.added or t.changed or t.removed else None


def _release_mapping(side: Side) -> dict:
    """path -> RELEASE_MAPPING as plain data (ironic), from the module summaries."""
    out = {}
    for path, summary in side.summaries.values():
        entry = summary.names.get("RELEASE_MAPPING")
        if entry and entry[0] == "assign":
            value = plain(entry[1])
            if isinstance(value, dict):
                out[path] = value
    return out


def _obj_versions(side: Side) -> dict:
    """path -> {version: {object: version}} from ``OBJ_VERSIONS.add(...)`` calls (cinder)."""
    out: dict = {}
    for path, summary in side.summaries.values():
        for func, args, _, _ in summary.calls:
            if func.rsplit(".", 1)[-1] == "add" and func.split(".")[-2:-1] == ["OBJ_VERSIONS"] and len(args) >= 2:
                key, value = plain(args[0]), plain(args[1])
                if isinstance(key, str) and isinstance(value, dict):
                    out.setdefault(path, {})[key] = value
    return out


def tables(a: Side, b: Side) -> list[Table]:
    out = []
    for name, reader in (("RELEASE_MAPPING", _release_mapping), ("OBJ_VERSIONS", _obj_versions)):
        old, new = reader(a), reader(b)
        for path in sorted(set(old) | set(new)):
            t = _keyed_table(name, path, old.get(path, {}), new.get(path, {}))
            if t is not None:
                out.append(t)
    hold, hnew = a.rpc_extra("service_history"), b.rpc_extra("service_history")
    for path in sorted(set(hold) | set(hnew)):
        o, n = hold.get(path), hnew.get(path)
        fields = {"SERVICE_VERSION": 2, "entries": 1, "last compute_rpc": 0}
        old = {k: o[i] for k, i in fields.items()} if o else {}
        new = {k: n[i] for k, i in fields.items()} if n else {}
        t = _keyed_table("SERVICE_VERSION_HISTORY", path, old, new)
        if t is not None:
            out.append(t)
    return out
