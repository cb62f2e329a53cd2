"""What the RPC rules detected about a project, for
``upgradelint check --show-conventions``: rows ``(name, value, why)``."""

from __future__ import annotations

from upgradelint.core import calendar
from upgradelint.families.rpc.analysis import RpcAnalysis
from upgradelint.families.rpc.window import ReleaseWindow

_SHOWN = 6  # client names listed per row; the rest are counted


def rows(ctx) -> list[tuple[str, str, str]]:
    clients = sorted({c.name: c for facts in ctx.head.values() for c in facts.rpc}.values(), key=lambda c: c.name)
    if not clients:
        return [("clients", "none found", "no RPC client class (a Target and prepare() sends) in the tree")]
    a = ctx.analysis(RpcAnalysis)
    cfg = ctx.config
    capped = [c.name for c in clients if a.caps(c)]
    gated = [c.name for c in clients if a.gates_in_client(c)]
    caps_why = ("config rpc-version-caps" if cfg.rpc_version_caps is not None else
                "a client that sets a version_cap, or whose base class computes one (cinder.rpc.RPCAPI)")
    out = [
        ("version caps", _split(capped, clients),
         f"from {caps_why}: on capped clients a new version needs a can_send_version guard (UPG102/UPG103 "
         "errors), on the others those findings are info"),
        ("guard placement", _split(gated, clients, "in the client", "callers may guard"),
         "from config rpc-guard-in-client, a client that gates with a decorator, or a base module that offers "
         "one (@rpc.assert_min_rpc_version): where UPG102 looks for the guard of a new method"),
    ]
    oldest = ctx.analysis(ReleaseWindow).oldest
    if oldest is None:
        out.append(("oldest supported release", "unknown",
                    "no rpc-oldest-release in the config and no release table (VERSION_ALIASES, "
                    "OLDEST_SUPPORTED_SERVICE_VERSION, RELEASE_MAPPING): UPG109 and UPG110 stay silent"))
    else:
        lo, hi = (calendar.name(i) for i in oldest)
        src = "config rpc-oldest-release" if cfg.rpc_oldest_release else "the project's release tables"
        out.append(("oldest supported release", lo if lo == hi else f"{lo} to {hi}",
                    f"from {src}: compat code for versions it speaks stays (UPG109), older compat can go (UPG110)"))
    return out


def _split(names: list[str], clients, yes: str = "capped", no: str = "uncapped") -> str:
    others = [c.name for c in clients if c.name not in names]
    parts = [f"{label} {_names(group)}" for label, group in ((yes, names), (no, others)) if group]
    return "; ".join(parts)


def _names(group: list[str]) -> str:
    shown = ", ".join(group[:_SHOWN])
    return f"{shown} (+{len(group) - _SHOWN} more)" if len(group) > _SHOWN else shown
