"""The fixes that finish an RPC API bump, built once per run
(``ctx.analysis(RpcFixes)``) and attached by UPG101, UPG104, UPG105, UPG108:

- the client's history docstring gets a line for the new version, in the
  format of its last entry (``* 6.3 - ...``, ``|    1.62 - ...``, ``3.20 - ...``);
- the client's ``RPC_API_VERSION`` and a literal ``version_cap`` (manila), the
  server next to it (``target = messaging.Target(version=...)`` or its
  ``RPC_API_VERSION``; a manager linked to the client constant, as in cinder,
  needs nothing), nova's ``SERVICE_VERSION``/``SERVICE_VERSION_HISTORY`` and
  ironic's ``RELEASE_MAPPING['master']['rpc']`` are set to it;
- the send of the new method or argument is pinned: ``prepare(version=...)``;
- UPG105: the new server parameter gets ``=None``;
- unsafe: in a project that caps versions, the new keyword arguments are sent
  only ``if <client>.can_send_version('X.Y'):``, the old version otherwise,
  in the client's existing style (a ``version =`` cascade that pops from a
  kwargs dict, or an opt-in dict of new arguments).

All findings on one client use the same new version, so their shared edits
(the history line, the server target) are identical and applied once."""

from __future__ import annotations

import os
import re

from upgradelint.core import versions
from upgradelint.core.edits import MAX_LINE, Sources, present_tense, quote_of, quoted
from upgradelint.core.lazy import cst
from upgradelint.core.model import Edit, Fix, Span
from upgradelint.core.rule import Context
from upgradelint.families.rpc.analysis import RpcAnalysis, added_kwargs, known_version, sends_by_rpc
from upgradelint.families.rpc.guards import guard_edits

_HIST = re.compile(r"^(\s*(?:[*|]\s*)?(?:#\s*)?)(\d+\.\d+)(\s*[-:]?\s+)(.*)$")


class RpcFixes:
    """Edits per client, computed on demand and cached for the run."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.an = ctx.analysis(RpcAnalysis)
        self.sources = Sources(ctx.reader)

    # -- the version a client's new calls go out at --------------------------

    def base_client(self, path: str, name: str):
        base = (self.ctx.base or {}).get(path)
        return next((c for c in base.rpc if c.name == name), None) if base is not None else None

    def new_version(self, path: str, client) -> str | None:
        """The version after the one the client knew before the change (or the
        newer one the change already documents)."""
        old = self.base_client(path, client.name)
        if old is None:
            return None
        before, now = known_version(old), known_version(client)
        if before is None:
            return None
        if now and versions.same_major_gt(now, before):
            return now
        return versions.bump_minor(before)

    def news(self, path: str, client) -> list[tuple[str, str, tuple[str, ...]]]:
        """(client method, RPC method, new kwargs) of what the change adds; no kwargs: a new method."""
        old = self.base_client(path, client.name)
        if old is None:
            return []
        before = sends_by_rpc(old)
        out, seen = [], set()
        for m in client.methods:
            for s in m.sends:
                if not s.rpc or (m.name, s.rpc) in seen:
                    continue
                seen.add((m.name, s.rpc))
                if s.rpc not in before:
                    out.append((m.name, s.rpc, ()))
                    continue
                new = added_kwargs(s, before[s.rpc], trust_guards=False)
                if new:
                    out.append((m.name, s.rpc, tuple(new)))
        return out

    def history_text(self, path: str, client, present: bool) -> str:
        add = "Add" if present else "Added"
        parts = []
        for _, rpc, kw in self.news(path, client):
            if kw:
                noun = "parameter" if len(kw) == 1 else "parameters"
                parts.append(f"{add} {_names(kw)} {noun} to {rpc}()")
            else:
                parts.append(f"{add} {rpc}()")
        return "; ".join(parts) if parts else f"{add} new calls"

    # -- the bookkeeping -----------------------------------------------------

    def record_edits(self, path: str, client, version: str) -> tuple[list[Edit], list[str]]:
        """Every place the project records the client's version, set to ``version``."""
        edits, notes = [], []
        for e in (self.history_edit(path, client, version),
                  self._literal(path, client.api_version, version, client.name),
                  self._literal(path, client.version_cap, version, client.name)):
            edits += [e] if e else []
        for spath, srv in self.servers(path, client):
            if srv.version_span is not None and srv.version and versions.same_major_gt(version, srv.version):
                e = self.version_literal(spath, srv.version_span, version, srv.name)
                if e is None:
                    notes.append(f"{srv.name}: set its target version to {version} by hand")
                edits += [e] if e else []
        for kind, suffix in client.refs:
            for tpath, ex in self.an.tables.items():
                if tpath != suffix and not tpath.endswith("/" + suffix):
                    continue
                if kind == "service_history" and ex.service_history:
                    edits += self.service_history_edits(tpath, ex.service_history, version, path, client)
                elif kind == "release_mapping" and ex.release_master and \
                        versions.same_major_gt(version, ex.release_master[0]):
                    edits += [e for e in [self._literal(tpath, ex.release_master, version)] if e]
        return edits, notes

    def _literal(self, path: str, fact, version: str, cls: str | None = None) -> Edit | None:
        """``fact`` = (value, span) of a version literal: set to ``version`` when behind."""
        if not fact or not versions.same_major_gt(version, fact[0]):
            return None
        return self.version_literal(path, fact[1], version, cls)

    def version_literal(self, path: str, span: Span, version: str, cls: str | None = None) -> Edit | None:
        """The string at ``span`` set to ``version``; a name there (``RPC_API_VERSION``)
        is followed to its assignment in the class ``cls`` (or the module)."""
        src = self.sources.get(path)
        if src is None:
            return None
        node = src.node_at(span, cst.SimpleString) or src.node_at(span, cst.Name)
        assign = src.node_at(span, cst.Assign)
        if node is None and assign is not None:  # the whole ``RPC_API_VERSION = '6.1'``
            node = assign.value
            span = src.span(node)
        if isinstance(node, cst.SimpleString):
            return src.replace(span, quoted(version, quote_of(src.code(node))))
        if isinstance(node, cst.Name):
            scope = next((s for s in src.module.body if isinstance(s, cst.ClassDef) and s.name.value == cls), None)
            for body in ([scope.body.body] if scope is not None else []) + [src.module.body]:
                for stmt in body:
                    value = _assigned(stmt, node.value)
                    if isinstance(value, cst.SimpleString):
                        return src.replace(src.span(value), quoted(version, quote_of(src.code(value))))
        return None

    def servers(self, path: str, client) -> list:
        """(path, server) of the endpoints next to the client that serve it."""
        sent = {s.rpc for m in client.methods for s in m.sends if s.rpc}
        out = []
        for p, s in self.an.servers_by_dir.get(os.path.dirname(path), ()):
            if s.proxy or s.namespace != client.namespace or s.version_ref is not None:
                continue
            names = {m.name for m in s.methods}
            if sent and len(sent & names) * 2 >= len(sent) or not sent:
                out.append((p, s))
        return out if len(out) == 1 else [x for x in out if sent & {m.name for m in x[1].methods}][:1]

    def history_edit(self, path: str, client, version: str) -> Edit | None:
        """A line for ``version`` after the last entry of the class (else module) docstring history."""
        src = self.sources.get(path)
        if src is None or version in client.history:
            return None
        cls = next((s for s in src.module.body if isinstance(s, cst.ClassDef) and s.name.value == client.name), None)
        for body in ((cls.body.body if cls is not None else ()), src.module.body):
            doc = body[0] if body and isinstance(body[0], cst.SimpleStatementLine) else None
            if doc is None or not isinstance(doc.body[0], cst.Expr) or \
                    not isinstance(doc.body[0].value, cst.SimpleString):
                continue
            span = src.span(doc.body[0].value)
            lines = [(n, src.line(n)) for n in range(span.line, span.end_line + 1)]
            hist = [(n, _HIST.match(t)) for n, t in lines if _HIST.match(t) and "..." not in t.split("-")[0]]
            if not hist:
                continue
            if any(versions.key(mm.group(2), ()) == versions.key(version, ()) for _, mm in hist):
                return None
            n, m = hist[-1]
            end = n
            for k, t in lines:  # the last entry's continuation lines (deeper indented)
                if k > n and t.strip() and not _HIST.match(t) and len(t) - len(t.lstrip()) > len(m.group(1)) \
                        and k < span.end_line:
                    end = k
                elif k > n:
                    break
            present = present_tense([mm.group(4) for _, mm in hist])
            text = f"{m.group(1)}{version}{m.group(3)}{self.history_text(path, client, present)}"
            if src.line(span.end_line).strip() in ('"""', "'''") or end < span.end_line:
                return src.insert_lines(end + 1, _wrap(text, len(m.group(1)) + len(version) + len(m.group(3))))
        return None

    def service_history_edits(self, tpath: str, history, version: str, path: str, client) -> list[Edit]:
        """nova: a SERVICE_VERSION_HISTORY entry for the new compute RPC version, and SERVICE_VERSION + 1."""
        rpc, entries, service, span = history
        if not versions.same_major_gt(version, rpc):
            return []
        src = self.sources.get(tpath)
        if src is None:
            return []
        last = src.node_at(span)
        q = quote_of(src.code(last.elements[0].value)) if isinstance(last, cst.Dict) and last.elements else "'"
        indent = src.indent(span.line)
        text = self.history_text(path, client, True)
        lines = [f"{indent}# Version {entries}: Compute RPC v{version}:", f"{indent}# {text}",
                 f"{indent}{{{quoted('compute_rpc', q)}: {quoted(version, q)}}},"]
        out = [src.insert_lines(span.end_line + 1, lines)]
        if _comma(src, span) is False:
            out.append(src.insert_at(span.end_line, span.end_column, ","))
        if service is not None and service == entries - 1:
            for stmt in src.module.body:
                value = _assigned(stmt, "SERVICE_VERSION")
                if isinstance(value, cst.Integer):
                    out.append(src.replace(src.span(value), str(entries)))
        return out

    # -- the send ------------------------------------------------------------

    def prepare_of(self, client, method: str, rpc: str):
        return next((p for p in client.prepares if p.method == method and rpc in p.rpc_methods and not p.direct), None)

    def pin_edit(self, path: str, prep, version: str, safe: bool = True) -> Edit | None:
        """``prepare(...)`` (or the wrapper) sends ``version``."""
        src = self.sources.get(path)
        call = src.node_at(prep.span, cst.Call) if src is not None else None
        if call is None:
            return None
        arg = next((a for a in call.args if a.keyword is not None and a.keyword.value == "version"), None)
        if arg is not None:
            if isinstance(arg.value, cst.SimpleString):
                return src.replace(src.span(arg.value), quoted(version, quote_of(src.code(arg.value))), safe)
            if isinstance(arg.value, cst.Name):  # ``version = '6.4'`` first in the method: that one
                value = self._first_assignment(src, prep, arg.value.value)
                if isinstance(value, cst.SimpleString):
                    return src.replace(src.span(value), quoted(version, quote_of(src.code(value))), safe)
            return None  # a chooser or an expression: the version comes from elsewhere
        if any(a.star for a in call.args):
            return None
        q = "'"
        if call.args:
            last = src.span(call.args[-1].value)
            return src.insert_at(last.end_line, last.end_column, f", version={quoted(version, q)}", safe)
        close = src.span(call)
        return src.insert_at(close.end_line, close.end_column - 1, f"version={quoted(version, q)}", safe)

    def _first_assignment(self, src, prep, name: str):
        """The value of the first top-level ``name = ...`` of the method holding ``prep``."""
        line = prep.span.line
        for cls in src.module.body:
            if not isinstance(cls, cst.ClassDef):
                continue
            for fn in cls.body.body:
                if isinstance(fn, cst.FunctionDef) and src.span(fn).line <= line <= src.span(fn).end_line:
                    for stmt in fn.body.body:
                        value = _assigned(stmt, name)
                        if value is not None:
                            return value if src.span(stmt).line < line else None
        return None

    # -- fixes, as the rules attach them -----------------------------------

    def bump_fix(self, path: str, client, method: str, rpc: str) -> Fix | None:
        """UPG108 (and UPG101 on a new send): the new version recorded everywhere,
        the send pinned to it; unsafe where versions are capped: the new
        arguments sent only to servers that have them."""
        version = self.new_version(path, client)
        if version is None:
            return None
        edits, notes = self.record_edits(path, client, version)
        prep = self.prepare_of(client, method, rpc)
        kwargs = next((kw for m, r, kw in self.news(path, client) if m == method and r == rpc), ())
        capped = self.an.caps(client) and bool(kwargs)
        if capped:
            g, why = guard_edits(self, path, client, method, rpc, kwargs, version)
            edits += g
            notes += [why] if why else []
        elif prep is not None:
            pin = self.pin_edit(path, prep, version)
            edits += [pin] if pin else []
            if pin is None:
                notes.append(f"{client.name}.{method}: send '{rpc}' at {version} by hand")
        if not edits:
            return Fix((), "", tuple(notes)) if notes else None
        return Fix(tuple(_unique(edits)), f"Bump {client.name} to {version} for {rpc}", tuple(notes))

    def record_fix(self, path: str, client, version: str) -> Fix | None:
        """UPG104: record ``version`` everywhere the project keeps it."""
        edits, notes = self.record_edits(path, client, version)
        if not edits:
            return Fix((), "", tuple(notes)) if notes else None
        return Fix(tuple(_unique(edits)), f"Record {client.name} version {version}", tuple(notes))

    def pin_fix(self, path: str, client, prep) -> Fix | None:
        """UPG101: a send with no version pinned at the version it goes out at today
        (a send the change adds: at the new version, with the bookkeeping)."""
        rpc = next((r for r in prep.rpc_methods if r), "")
        if any(m == prep.method and r == rpc and not kw for m, r, kw in self.news(path, client)):
            return self.bump_fix(path, client, prep.method, rpc)
        if not versions.is_version(client.target_version):
            return None
        e = self.pin_edit(path, prep, client.target_version)
        return Fix((e,), f"Pin {client.name}.{prep.method} to {client.target_version}") if e else None

    def float_fix(self, path: str, span: Span, value) -> Fix | None:
        src = self.sources.get(path)
        if src is None or span.line != span.end_line:
            return None
        return Fix((src.replace(span, quoted(str(value))),), f"Write the version {value} as a string")

    def default_fix(self, path: str, server: str, method: str, param: str) -> Fix | None:
        """UPG105: ``param=None`` in the server method (and every parameter after it, as Python requires)."""
        src = self.sources.get(path)
        cls = next((s for s in src.module.body if isinstance(s, cst.ClassDef) and s.name.value == server),
                   None) if src is not None else None
        fn = next((f for f in (cls.body.body if cls is not None else ()) if isinstance(f, cst.FunctionDef) and
                   f.name.value == method), None)
        if fn is None:
            return None
        params = list(fn.params.params)
        at = next((i for i, p in enumerate(params) if p.name.value == param), None)
        if at is None:
            return None
        edits = []
        for p in params[at:]:
            if p.default is not None:
                continue
            end = src.span(p.annotation if p.annotation is not None else p.name)
            edits.append(src.insert_at(end.end_line, end.end_column, " = None" if p.annotation else "=None"))
        return Fix(tuple(edits), f"Give {server}.{method}'s new parameter {param} a default") if edits else None


def _names(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _wrap(text: str, hang: int) -> list[str]:
    """A history line, continued under its text when it is too long."""
    import textwrap

    if len(text) <= MAX_LINE:
        return [text]
    lines = textwrap.wrap(text, width=MAX_LINE, subsequent_indent=" " * hang, break_long_words=False,
                          break_on_hyphens=False)
    return lines or [text]


def _assigned(stmt, name: str):
    if isinstance(stmt, cst.SimpleStatementLine):
        for small in stmt.body:
            if isinstance(small, cst.Assign) and any(isinstance(t.target, cst.Name) and t.target.value == name
                                                     for t in small.targets):
                return small.value
    return None


def _comma(src, span: Span) -> bool:
    return src.line(span.end_line)[span.end_column:].lstrip().startswith(",")


def _unique(edits) -> list[Edit]:
    return list(dict.fromkeys(edits))


