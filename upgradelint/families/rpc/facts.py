"""RPC facts, client and server side.

Client side: classes that send through oslo.messaging (``prepare()`` or a
project wrapper such as ``_get_cctxt``/``_prepare_call``/
``prepare_for_alt_rpcserver``, then ``call``/``cast``), with, per client
method, every send: the RPC method name, the versions it may go out at, the
kwargs it carries, and the guards (``can_send_version`` and its aliases,
``_ver``/``_compat_ver``, tuple versions, ``assert_min_rpc_version``) around it.
Also the client's target, literal ``version_cap``, ``RPC_API_VERSION``,
version-history docstring and ``VERSION_ALIASES`` table.

Server side (``FileFacts.extra['rpc']``): endpoint classes (``target =
Target(version=...)`` or ``RPC_API_VERSION``) with their public method
signatures, nova's ``SERVICE_VERSION_HISTORY`` and ironic's ``RELEASE_MAPPING``.

This module holds the fact dataclasses only (their module path is part of the
facts cache); ``entry`` extracts them with ``clients``, ``sends``, ``scan`` and
``servers``."""

from __future__ import annotations

from dataclasses import dataclass

from upgradelint.core.model import Span


@dataclass(frozen=True)
class Prepare:
    """One ``X.prepare(...)`` (or wrapper, or direct client send) feeding a call/cast."""

    method: str  # the client method it sits in
    rpc_methods: tuple[str, ...]  # names sent through it ('' when not a literal)
    version_kind: str  # missing | default | literal | float | tuple | chosen | expr | splat
    version: str | None  # the literal, when there is one
    direct: bool  # a call/cast on the client itself, no prepare()
    span: Span


@dataclass(frozen=True)
class Send:
    rpc: str  # RPC method name ('' when not a literal)
    kind: str  # as Prepare.version_kind
    versions: tuple[str, ...]  # literal versions it may go out at
    chosen: bool  # the version comes from a guard (tuple, _ver, _compat_ver)
    kwargs: tuple[tuple[str, bool], ...]  # (name, added only under a guard)
    open_kwargs: bool  # **kwargs of unknown keys
    span: Span


@dataclass(frozen=True)
class ClientMethod:
    name: str
    span: Span
    sends: tuple[Send, ...]
    guards: tuple[str, ...]  # versions tested by can_send_version (or an alias) in the method
    gated: tuple[str, ...]  # versions whose failing test raises, or assert_min_rpc_version
    dropped: tuple[str, ...]  # kwargs popped/deleted
    optin: tuple[str, ...] = ()  # versions chosen only when the caller sets an argument (ironic)


@dataclass(frozen=True)
class RpcClient:
    name: str
    span: Span
    target_version: str | None  # resolved Target(version=...) of the client
    target_version_expr: str | None  # its code, when not resolved
    default_version: str | None  # RPC_DEFAULT_VERSION / BASE_RPC_API_VERSION literal
    prepares: tuple[Prepare, ...]
    namespace: str | None = None
    methods: tuple[ClientMethod, ...] = ()
    api_version: tuple | None = None  # (value, span) of a literal RPC_API_VERSION
    version_cap: tuple | None = None  # (value, span) of a literal version_cap
    history: tuple[str, ...] = ()  # versions listed in the class docstring
    aliases: tuple = ()  # VERSION_ALIASES: ((release, version, span), ...)
    floats: tuple = ()  # (value, span) of every version written as a float
    uses_caps: bool = True  # the module checks versions (can_send_version, caps)
    refs: tuple = ()  # (kind, module path suffix): service_history | release_mapping
    bases: tuple = ()  # (module path, class name) of each base class (cinder: ('cinder/rpc.py', 'RPCAPI'))
    gate_decorator: bool = False  # a method is gated by a decorator (cinder's @rpc.assert_min_rpc_version)
    namespace_expr: str | None = None  # code of a Target namespace the extractor could not resolve
    release_marks: tuple = ()  # (release, version) from "... Newton supports messaging version 2.6" lines
    target_span: Span | None = None  # the version= of the Target that gave target_version
    defs: tuple = ()  # (name, span) of every method of the class


@dataclass(frozen=True)
class ServerMethod:
    name: str
    params: tuple[tuple[str, bool], ...]  # (name, has default), positional and keyword-only, no self
    var_kw: bool
    span: Span


@dataclass(frozen=True)
class RpcServer:
    name: str
    span: Span
    version: str | None  # resolved target / RPC_API_VERSION
    version_ref: str | None  # code of an unresolved version (cinder links to the client constant)
    version_span: Span | None
    namespace: str | None
    methods: tuple[ServerMethod, ...]
    proxy: bool  # an old-major compatibility endpoint (nova _ComputeV5Proxy)
    endpoints: tuple[str, ...] = ()  # class names appended to additional_endpoints
    namespace_expr: bool = False  # ``namespace`` holds the code of an expression that was not resolved


@dataclass(frozen=True)
class ClientBase:
    """A class RPC clients derive from that builds their oslo.messaging client
    (cinder.rpc.RPCAPI): does it compute a version cap, and does its module
    offer a gate decorator (``assert_min_rpc_version``)?"""

    name: str
    capped: bool  # version_cap= is computed (not a literal bumped with every change)
    gates: bool  # the module defines a decorator that raises when can_send_version fails


@dataclass(frozen=True)
class ReleaseTables:
    """What a project records about the versions its releases speak (read by
    UPG109/UPG110). Release names are lower case, as written in the table."""

    oldest_supported: str | None = None  # nova OLDEST_SUPPORTED_SERVICE_VERSION
    service_aliases: tuple = ()  # nova SERVICE_VERSION_ALIASES: ((release, service version), ...)
    service_rpc: tuple = ()  # nova SERVICE_VERSION_HISTORY: compute_rpc of each service version (None: none)
    releases: tuple = ()  # ironic RELEASE_MAPPING named entries: ((release, rpc, ((object, versions), ...)), ...)
    obj_oldest: tuple = ()  # cinder OBJ_VERSIONS: ((object, version in the oldest history set holding it), ...)
    obj_history: str | None = None  # the name of that history table and its oldest key ("OBJ_VERSIONS 1.38")
    span: Span | None = None  # where the table starts (findings about it point here)


@dataclass(frozen=True)
class RpcExtra:
    servers: tuple[RpcServer, ...] = ()
    service_history: tuple | None = None  # (last compute_rpc, entries, SERVICE_VERSION, span)
    release_master: tuple | None = None  # (RELEASE_MAPPING['master']['rpc'], span)
    bases: tuple = ()  # ClientBase of the module's client base classes
    tables: ReleaseTables | None = None
