"""What the UPG1xx rules share: the versions a client sends and knows of, and
per-run state (head/base client pairs, servers and version tables by package)
built once by ``ctx.analysis(RpcAnalysis)``."""

from __future__ import annotations

import dataclasses
import functools
import os

from upgradelint.core import versions
from upgradelint.core.rule import Context, Rule
from upgradelint.families.rpc.facts import RpcClient, RpcExtra, RpcServer, Send


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

    def absorbs(self, path: str, rpc: str) -> bool:
        """Does the old server next to the client take ``**kwargs`` in ``rpc`` (new kwargs are harmless)?"""
        return rpc in self._var_kw_by_dir.get(os.path.dirname(path), ())

    def caps(self, client: RpcClient) -> bool:
        """Does the project cap RPC versions? Config first, else the client module tells."""
        cfg = getattr(self.ctx.config, "rpc_version_caps", None)
        return client.uses_caps if cfg is None else bool(cfg)

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
