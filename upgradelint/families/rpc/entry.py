"""The rpc family's entry points for the engine: the text ``prefilter``, the
per-file ``extract`` (clients into ``FileFacts.rpc``, servers and version
tables into ``FileFacts.extra['rpc']``), its LibCST-free twin
``quick_extract`` for files read only to judge others, and the ``context``
files a changed client or server is judged with."""

from __future__ import annotations

import dataclasses
import os

from upgradelint.core.cst.static import module_constants
from upgradelint.core.lazy import cst
from upgradelint.core.paths import is_test_path
from upgradelint.families.rpc.bases import build_base
from upgradelint.families.rpc.clients import build_client
from upgradelint.families.rpc.facts import RpcExtra
from upgradelint.families.rpc.servers import build_server, release_master, service_history
from upgradelint.families.rpc.syntax import class_attrs, classes
from upgradelint.families.rpc.tables import release_tables

# where projects keep what their releases speak (UPG109/UPG110): nova, ironic, cinder
_TABLE_MODULES = ("/objects/service.py", "/common/release_mappings.py", "/objects/base.py")
_TABLE_NAMES = ("OLDEST_SUPPORTED_SERVICE_VERSION", "SERVICE_VERSION_ALIASES", "RELEASE_MAPPING", "OBJ_VERSIONS")


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
    if "OBJ_VERSIONS" in text and ".add(" in text:
        return True  # cinder's object version history (UPG109/UPG110)
    return "RELEASE_MAPPING" in text and "'rpc'" in text


def extract(parsed, facts) -> None:
    module = parsed.module
    consts = None
    clients = []
    servers = []
    bases = []
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
        elif funcs and "version_cap" in parsed.text_of(cls):
            base = build_base(cls, funcs, names, module)
            if base is not None:
                bases.append(base)
    facts.rpc = tuple(clients)
    extra = RpcExtra(servers=tuple(servers), bases=tuple(bases))
    if "SERVICE_VERSION_HISTORY" in text:
        consts = consts if consts is not None else module_constants(module)
        extra = dataclasses.replace(extra, service_history=service_history(parsed, consts))
    if "RELEASE_MAPPING" in text:
        consts = consts if consts is not None else module_constants(module)
        extra = dataclasses.replace(extra, release_master=release_master(parsed, consts))
    if any(k in text for k in _TABLE_NAMES):
        consts = consts if consts is not None else module_constants(module)
        extra = dataclasses.replace(extra, tables=release_tables(parsed, consts))
    if extra.servers or extra.service_history or extra.release_master or extra.bases or extra.tables:
        facts.extra["rpc"] = extra


def quick_extract(relpath: str, text: str, facts) -> bool:
    """``extract`` without LibCST for a file read only to judge others, when
    the stdlib ``ast`` gives the same facts (``quick``); False: use ``extract``."""
    from upgradelint.families.rpc.quick import quick_extract as run

    return run(relpath, text, facts)


def context(root: str, head: dict, lister) -> list[str]:
    """A changed RPC client is judged with its server (``manager.py`` and the
    ``*rpc*.py`` endpoint modules next to it), the tables it is capped by (nova's objects/service.py, ironic's
    release_mappings.py) and the module of its base class (cinder/rpc.py); a
    changed server with the client next to it. Any RPC or object change also
    reads the modules that record what each release speaks (nova's
    objects/service.py, ironic's common/release_mappings.py, cinder's
    objects/base.py)."""
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
            for mod, _ in c.bases:  # the client base class (cinder/rpc.py): its cap and gates
                suffixes.add(mod)
    if not dirs and not suffixes and not any(f.objects for f in head.values()):
        return []
    for p in lister():
        d, name = os.path.split(p)
        if d in dirs and (name == "manager.py" or "rpc" in name and name.endswith(".py")):
            wanted.add(p)  # rpcapi.py, and the endpoint modules next to a client (neutron's *_rpc.py)
        elif any(p == s or p.endswith("/" + s) for s in suffixes) or p.endswith(_TABLE_MODULES):
            wanted.add(p)
    return sorted(wanted)
