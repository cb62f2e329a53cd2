"""What the UPG1xx rules share: the versions a client sends and knows of, and
per-run state (head/base client pairs, servers and version tables by package)
built once by ``ctx.analysis(RpcAnalysis)``."""

from __future__ import annotations

import dataclasses
import functools
import os

from upgradelint.core import versions
from upgradelint.core.rule import Context, Rule
from upgradelint.families.rpc.facts import ClientBase, Prepare, RpcClient, RpcExtra, RpcServer, Send


class RpcAnalysis:
    """Per-run RPC state of one ``Context``; every attribute is computed on first use."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    @functools.cached_property
    def pairs(self) -> tuple[tuple[str, RpcClient, RpcClient], ...]:
        """(path, head client, base client) for every client of a changed file that existed before."""
        ctx = self.ctx
        if ctx.base is None:
            return ()
        out = []
        for path, facts in ctx.head.items():
            if path not in ctx.diff.changes:
                continue
            base = ctx.base.get(path)
            if base is None:
                continue
            old = {c.name: c for c in base.rpc}
            for client in facts.rpc:
                if client.name in old:
                    out.append((path, client, old[client.name]))
        return tuple(out)

    @functools.cached_property
    def servers_by_dir(self) -> dict[str, list[tuple[str, RpcServer]]]:
        """Package directory -> (path, server) of every endpoint class in the head tree."""
        out: dict[str, list] = {}
        for path, facts in self.ctx.head.items():
            ex = rpc_extra(facts)
            if ex is not None:
                for s in ex.servers:
                    out.setdefault(os.path.dirname(path), []).append((path, s))
        return out

    @functools.cached_property
    def tables(self) -> dict[str, RpcExtra]:
        """Path -> the facts of head modules holding SERVICE_VERSION_HISTORY or RELEASE_MAPPING."""
        out = {}
        for path, facts in self.ctx.head.items():
            ex = rpc_extra(facts)
            if ex is not None and (ex.service_history or ex.release_master):
                out[path] = ex
        return out

    @functools.cached_property
    def sent_by_dir(self) -> dict[str, set[str]]:
        """Package directory -> the RPC method names its head clients send (a
        directory whose clients have methods but send no literal name maps to
        an empty set)."""
        out: dict[str, set] = {}
        for path, facts in self.ctx.head.items():
            for c in facts.rpc:
                for m in c.methods:
                    out.setdefault(os.path.dirname(path), set()).update(s.rpc for s in m.sends if s.rpc)
        return out

    @functools.cached_property
    def _var_kw_by_dir(self) -> dict[str, set[str]]:
        """Package directory -> names of server methods taking ``**kwargs`` in
        the old tree (the base version of changed files, the head of the others)."""
        ctx = self.ctx
        out: dict[str, set] = {}
        for p, facts in ctx.head.items():
            old = (ctx.base or {}).get(p, facts)
            ex = rpc_extra(old)
            if ex is None:
                continue
            names = out.setdefault(os.path.dirname(p), set())
            for srv in ex.servers:
                names.update(m.name for m in srv.methods if m.var_kw)
        return out

    def retargeted(self, path: str, client: RpcClient, old: RpcClient) -> list[tuple[Prepare, list[str]]]:
        """Bare sends (no version: they go out at the target) that the change
        leaves untouched while it raises the client's target version: each
        prepare() with the RPC names it sent before (UPG111's findings)."""
        new_t, old_t = client.target_version, old.target_version
        if not (versions.is_version(new_t) and versions.is_version(old_t)) or not versions.same_major_gt(new_t, old_t):
            return []
        bare_before = {(p.method, r) for p in old.prepares if p.version_kind == "missing" for r in p.rpc_methods}
        out = []
        for p in client.prepares:
            if p.version_kind != "missing" or self.ctx.diff.touched(path, p.span.line, p.span.end_line):
                continue
            rpcs = [r for r in p.rpc_methods if (p.method, r) in bare_before]
            if rpcs:
                out.append((p, rpcs))
        return out

    @functools.cached_property
    def _old_servers_by_dir(self) -> dict[str, list[RpcServer]]:
        """Package directory -> the endpoint classes of the old tree (the base
        version of changed files, the head of the others; added files left out)."""
        ctx = self.ctx
        out: dict[str, list] = {}
        for p, facts in ctx.head.items():
            if ctx.diff is not None and p in ctx.diff.changes:
                if ctx.base_path(p) is None:
                    continue
                facts = (ctx.base or {}).get(p)
            ex = rpc_extra(facts) if facts is not None else None
            if ex is not None:
                out.setdefault(os.path.dirname(p), []).extend(ex.servers)
        return out

    def served_before(self, path: str, client: RpcClient, send: Send, version: str) -> RpcServer | None:
        """An endpoint of the old tree in the client's package that already served
        ``send`` at ``version``: same major, a target at or above it, a reachable
        namespace (one not resolved counts as reachable) and a method of that name
        that accepts the kwargs (neutron's DVRServerRpcApi.get_ports, served by
        MetadataRpcCallback since 1.0)."""
        sent = {k for k, _ in send.kwargs}
        for srv in self._old_servers_by_dir.get(os.path.dirname(path), ()):
            if srv.proxy or not srv.version or versions.major(srv.version) != versions.major(version) or \
                    versions.key(srv.version) < versions.key(version):
                continue
            if not (client.namespace_expr or srv.namespace_expr or srv.namespace == client.namespace):
                continue
            for m in srv.methods:
                if m.name == send.rpc and (m.var_kw or (not send.open_kwargs and sent <= {n for n, _ in m.params})):
                    return srv
        return None

    def absorbs(self, path: str, rpc: str) -> bool:
        """Does the old server next to the client take ``**kwargs`` in ``rpc`` (new kwargs are harmless)?"""
        return rpc in self._var_kw_by_dir.get(os.path.dirname(path), ())

    def caps(self, client: RpcClient) -> bool:
        """Does the project cap RPC versions? Config first, else the client module
        tells, or the base class that builds its client computes a cap (cinder.rpc.RPCAPI)."""
        cfg = getattr(self.ctx.config, "rpc_version_caps", None)
        if cfg is not None:
            return bool(cfg)
        return client.uses_caps or any(b.capped for b in self._client_bases(client))

    def gates_in_client(self, client: RpcClient) -> bool:
        """Is the convention to gate new methods in the client itself? Config, or
        the client already gates a method with a decorator, or its base class's
        module offers one (cinder's ``@rpc.assert_min_rpc_version``)."""
        if getattr(self.ctx.config, "rpc_guard_in_client", False):
            return True
        return client.gate_decorator or any(b.gates for b in self._client_bases(client))

    def _client_bases(self, client: RpcClient) -> list[ClientBase]:
        out = []
        for mod, name in client.bases:
            for path in (mod,) if mod in self.ctx.head else [p for p in self.ctx.head if p.endswith("/" + mod)]:
                ex = rpc_extra(self.ctx.head[path])
                out.extend(b for b in (ex.bases if ex is not None else ()) if b.name == name)
        return out

    def as_info(self, rule: Rule) -> None:
        """Demote the finding just reported to info, unless the user set the code's severity."""
        ctx = self.ctx
        if rule.code in getattr(ctx.config, "severity", {}):
            return
        ctx.findings[-1] = dataclasses.replace(ctx.findings[-1], severity="info")


# ---------------------------------------------------------------- pure helpers


def rpc_extra(facts) -> RpcExtra | None:
    return facts.extra.get("rpc") if facts.extra else None


def send_version(client: RpcClient, send: Send) -> str | None:
    """The version a send goes out at when nothing caps it."""
    if send.versions:
        top = versions.newest(send.versions)
        cur = current_version(client)
        if cur and versions.major(top) is not None and versions.major(top) < versions.major(cur):
            # only old-major pins: nova's _ver(ctxt, '5.x') sends the current X.0 when it can
            return f"{versions.major(cur)}.0"
        return top
    if send.kind == "default":
        return client.default_version or client.target_version
    if send.kind == "missing":
        return client.target_version
    return None


_CURRENT: dict[int, tuple] = {}  # id(client) -> (client, its current version): asked once per send


def current_version(client: RpcClient) -> str | None:
    """The newest version the client sends or tests (its current major)."""
    hit = _CURRENT.get(id(client))
    if hit is not None and hit[0] is client:
        return hit[1]
    if len(_CURRENT) > 256:
        _CURRENT.clear()
    v = _current_version(client)
    _CURRENT[id(client)] = (client, v)
    return v


def _current_version(client: RpcClient) -> str | None:
    vs = []
    for m in client.methods:
        vs.extend(m.guards)
        vs.extend(m.gated)
        for s in m.sends:
            vs.extend(s.versions)
    if client.api_version:
        vs.append(client.api_version[0])
    vs = [v for v in vs if versions.parse(v)]
    if not vs:
        return None
    major = max(versions.major(v) for v in vs)
    return versions.newest(v for v in vs if versions.major(v) == major)


def known_version(client: RpcClient) -> str | None:
    """Every version the client knew of: sends, guards, history, target, RPC_API_VERSION."""
    vs = [current_version(client), client.target_version]
    vs.extend(client.history)
    if client.api_version:
        vs.append(client.api_version[0])
    major = max((versions.major(v) for v in vs if versions.major(v) is not None), default=None)
    return versions.newest(v for v in vs if v and versions.major(v) == major)


def sends_by_rpc(client: RpcClient) -> dict[str, list[Send]]:
    """RPC method name -> the client's sends of it."""
    out: dict[str, list] = {}
    for m in client.methods:
        for s in m.sends:
            if s.rpc:
                out.setdefault(s.rpc, []).append(s)
    return out


def added_kwargs(send: Send, before: list[Send], trust_guards: bool = True) -> list[str]:
    """Kwargs ``send`` carries that no base send of the same RPC method did
    (those added only under a guard are left out when ``trust_guards``)."""
    if any(b.open_kwargs for b in before):
        return []
    old = {k for b in before for k, _ in b.kwargs}
    return [k for k, guarded in send.kwargs if k not in old and not (guarded and trust_guards)]
