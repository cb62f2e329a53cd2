"""The rpc family's entry points for the engine: the text ``prefilter``, the
per-file ``extract`` (clients into ``FileFacts.rpc``, servers and version
tables into ``FileFacts.extra['rpc']``), its LibCST-free twin
``quick_extract`` for files read only to judge others, and the ``context``
files a changed client or server is judged with."""

from __future__ import annotations

import os

from upgradelint.core.cst.static import module_constants
from upgradelint.core.lazy import cst
from upgradelint.core.paths import is_test_path
from upgradelint.families.rpc.clients import build_client
from upgradelint.families.rpc.facts import RpcExtra
from upgradelint.families.rpc.servers import build_server, release_master, service_history
from upgradelint.families.rpc.syntax import class_attrs, classes


def prefilter(relpath: str, text: str) -> bool:
    if not relpath.endswith(".py") or is_test_path(relpath):
        return False
    if (".prepare(" in text or "_client.call(" in text or "client.cast(" in text) and (
            "call(" in text or "cast(" in text or ".call " in text or ".cast " in text):
        return True
    if "Target(" in text and "version=" in text:
        return True
    if "RPC_API_VERSION" in text:
        return True
    if "SERVICE_VERSION_HISTORY" in text and "compute_rpc" in text:
        return True
    return "RELEASE_MAPPING" in text and "'rpc'" in text


def extract(parsed, facts) -> None:
    module = parsed.module
    consts = None
    clients = []
    servers = []
    text = parsed.text
    # a literal version_cap bumped with every change (manila) protects nobody: only checks count
    uses_caps = any(s in text for s in ("can_send_version", "assert_min_rpc_version", "_compat_ver"))
    for cls in classes(module):
        funcs = [s for s in cls.body.body if isinstance(s, cst.FunctionDef)]
        if consts is None:
            consts = module_constants(module)
        attrs = class_attrs(cls)
        names = dict(consts)
        for k, v in attrs.items():
            names[k] = v
            names[f"self.{k}"] = v
            names[f"cls.{k}"] = v
            names[f"{cls.name.value}.{k}"] = v
        client = None
        if funcs and "target" not in attrs:
            client = build_client(parsed, cls, funcs, attrs, names, consts, uses_caps, module, text)
        if client is not None:
            clients.append(client)
            continue
        srv = build_server(parsed, cls, names, consts)
        if srv is not None:
            servers.append(srv)
    facts.rpc = tuple(clients)
    extra = RpcExtra(servers=tuple(servers))
    if "SERVICE_VERSION_HISTORY" in text:
        consts = consts if consts is not None else module_constants(module)
        extra = RpcExtra(servers=extra.servers, service_history=service_history(parsed, consts))
    if "RELEASE_MAPPING" in text:
        consts = consts if consts is not None else module_constants(module)
        extra = RpcExtra(servers=extra.servers, service_history=extra.service_history,
                         release_master=release_master(parsed, consts))
    if extra.servers or extra.service_history or extra.release_master:
        facts.extra["rpc"] = extra


def quick_extract(relpath: str, text: str, facts) -> bool:
    """``extract`` without LibCST for a file read only to judge others, when
    the stdlib ``ast`` gives the same facts (``quick``); False: use ``extract``."""
    from upgradelint.families.rpc.quick import quick_extract as run

    return run(relpath, text, facts)


def context(root: str, head: dict, lister) -> list[str]:
    """A changed RPC client is judged with its server (``manager.py`` next to
    it) and the tables it is capped by (nova's objects/service.py, ironic's
    release_mappings.py); a changed server with the client next to it."""
    wanted: set[str] = set()
    suffixes: set[str] = set()
    dirs: set[str] = set()
    for p, f in head.items():
        extra = f.extra.get("rpc") if f.extra else None
        if f.rpc or (extra and extra.servers):
            dirs.add(os.path.dirname(p))
        for c in f.rpc:
            for _, suffix in c.refs:
                suffixes.add(suffix)
    if not dirs and not suffixes:
        return []
    for p in lister():
        d, name = os.path.split(p)
        if d in dirs and name in ("rpcapi.py", "manager.py"):
            wanted.add(p)
        elif any(p == s or p.endswith("/" + s) for s in suffixes):
            wanted.add(p)
    return sorted(wanted)
