"""The unsafe half of an RPC fix in a project that caps versions: new keyword
arguments go only to servers that have them, in the client's own style.

- a method with a ``version = 'X.Y'`` cascade over a kwargs dict (nova, cinder)
  gets one more step on top: ``version = 'NEW'`` and
  ``if not client.can_send_version(version): kwargs.pop('new'); version = 'OLD'``;
- a method passing the arguments directly gets them in an opt-in dict sent
  only ``if client.can_send_version('NEW'):`` (ironic's heartbeat style), with
  the old version as the fallback.

The client expression is the one the method prepares with (``client``,
``self.client``), or the class's ``_can_send_version`` alias (ironic)."""

from __future__ import annotations

from upgradelint.core.cst.walk import preorder
from upgradelint.core.edits import Source, quoted
from upgradelint.core.lazy import cst
from upgradelint.core.model import Edit
from upgradelint.families.rpc.analysis import send_version

NEW_KWARGS = "new_kwargs"


def guard_edits(fx, path: str, client, method: str, rpc: str, kwargs, version: str) -> tuple[list[Edit], str | None]:
    """(unsafe edits, why none) sending ``kwargs`` of ``rpc`` only at ``version``."""
    src = fx.sources.get(path)
    cm = next((m for m in client.methods if m.name == method), None)
    send = next((s for s in (cm.sends if cm else ()) if s.rpc == rpc), None)
    prep = fx.prepare_of(client, method, rpc)
    why = f"{client.name}.{method}: send {', '.join(kwargs)} only if can_send_version('{version}') by hand"
    if src is None or send is None or prep is None:
        return [], why
    fn = _method(src, client.name, method)
    call, pcall = src.node_at(send.span, cst.Call), src.node_at(prep.span, cst.Call)
    old = send_version(client, send)
    if fn is None or call is None or pcall is None or old is None:
        return [], why
    csv = _can_send(src, client.name, pcall)
    edits = _cascade(src, fn, call, pcall, kwargs, version, old, csv)
    if edits is None:
        edits = _opt_in(src, fn, call, pcall, kwargs, version, old, csv)
    return (edits, None) if edits else ([], why)


def _method(src: Source, cls: str, name: str):
    c = next((s for s in src.module.body if isinstance(s, cst.ClassDef) and s.name.value == cls), None)
    return next((f for f in (c.body.body if c is not None else ()) if isinstance(f, cst.FunctionDef) and
                 f.name.value == name), None)


def _can_send(src: Source, cls: str, pcall) -> str:
    if isinstance(pcall.func, cst.Attribute) and pcall.func.attr.value == "prepare":
        return f"{src.code(pcall.func.value)}.can_send_version"
    if _method(src, cls, "_can_send_version") is not None:
        return "self._can_send_version"
    return "self.client.can_send_version"


def _statement(src: Source, fn, node):
    """The innermost simple statement of ``fn`` holding ``node``."""
    target = src.span(node)
    found = None
    for n in preorder(fn.body):
        if isinstance(n, cst.SimpleStatementLine):
            sp = src.span(n)
            if (sp.line, sp.column) <= (target.line, target.column) and \
                    (sp.end_line, sp.end_column) >= (target.end_line, target.end_column):
                found = n
    return found


def _assign_of(fn, name: str):
    for stmt in fn.body.body:
        if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1 and isinstance(stmt.body[0], cst.Assign):
            a = stmt.body[0]
            if any(isinstance(t.target, cst.Name) and t.target.value == name for t in a.targets):
                return stmt, a.value
    return None, None


def _version_arg(pcall):
    return next((a for a in pcall.args if a.keyword is not None and a.keyword.value == "version"), None)


def _cascade(src, fn, call, pcall, kwargs, version, old, csv) -> list[Edit] | None:
    """nova/cinder: the kwargs travel in a dict (``**msg_args``): one more cascade step."""
    splat = next((a for a in call.args if a.star == "**" and isinstance(a.value, cst.Name)), None)
    if splat is None:
        return None
    dstmt, dvalue = _assign_of(fn, splat.value.value)
    if dstmt is None or not isinstance(dvalue, cst.Dict):
        return None
    indent = src.indent(src.span(dstmt).line)
    unit = src.indent_unit
    pops = [f"{indent}{unit}{splat.value.value}.pop({k!r}, None)" for k in kwargs]
    varg = _version_arg(pcall)
    vstmt, vvalue = _assign_of(fn, "version")
    if varg is not None and isinstance(varg.value, cst.Name) and varg.value.value == "version" and \
            isinstance(vvalue, cst.SimpleString):
        after = max(src.span(vstmt).end_line, src.span(dstmt).end_line)
        lines = [f"{indent}if not {csv}(version):"] + pops + [f"{indent}{unit}version = {quoted(old)}"]
        return [src.replace(src.span(vvalue), quoted(version), safe=False),
                src.insert_lines(after + 1, lines, safe=False)]
    if varg is not None and not isinstance(varg.value, cst.SimpleString):
        return None
    pstmt = _statement(src, fn, pcall)
    if pstmt is None:
        return None
    pindent = src.indent(src.span(pstmt).line)
    lines = [f"{pindent}version = {quoted(version)}", f"{pindent}if not {csv}(version):"] + \
        [p.replace(indent, pindent, 1) for p in pops] + [f"{pindent}{unit}version = {quoted(old)}"]
    return [src.insert_lines(src.span(pstmt).line, lines, safe=False), _use_version(src, pcall, varg)]


def _use_version(src, pcall, varg) -> Edit:
    if varg is not None:
        return src.replace(src.span(varg.value), "version", safe=False)
    if pcall.args:
        last = src.span(pcall.args[-1].value)
        return src.insert_at(last.end_line, last.end_column, ", version=version", safe=False)
    close = src.span(pcall)
    return src.insert_at(close.end_line, close.end_column - 1, "version=version", safe=False)


def _opt_in(src, fn, call, pcall, kwargs, version, old, csv) -> list[Edit] | None:
    """The arguments are passed directly: an opt-in dict sent only when the server has them."""
    args = {a.keyword.value: a for a in call.args if a.keyword is not None}
    if any(k not in args for k in kwargs) or any(a.star for a in call.args):
        return None
    varg = _version_arg(pcall)
    if varg is not None and not isinstance(varg.value, cst.SimpleString):
        return None
    _, assigned = _assign_of(fn, "version")
    pstmt = _statement(src, fn, pcall)
    if assigned is not None or pstmt is None:
        return None
    indent, unit = src.indent(src.span(pstmt).line), src.indent_unit
    lines = [f"{indent}version = {quoted(old)}", f"{indent}{NEW_KWARGS} = {{}}",
             f"{indent}if {csv}({quoted(version)}):", f"{indent}{unit}version = {quoted(version)}"]
    lines += [f"{indent}{unit}{NEW_KWARGS}[{k!r}] = {src.code(args[k].value)}" for k in kwargs]
    edits = [src.insert_lines(src.span(pstmt).line, lines, safe=False), _use_version(src, pcall, varg)]
    first = min(call.args.index(args[k]) for k in kwargs)
    kept = [a for i, a in enumerate(call.args) if i > first and a not in [args[k] for k in kwargs]]
    start = src.span(args[kwargs[0]] if call.args.index(args[kwargs[0]]) == first else call.args[first])
    start = src.span(call.args[first].keyword) if call.args[first].keyword is not None else start
    end = src.span(call.args[-1].value)
    text = ", ".join([_arg_code(src, a) for a in kept] + [f"**{NEW_KWARGS}"])
    edits.append(src.replace(type(end)(start.line, start.column, end.end_line, end.end_column), text, safe=False))
    return edits


def _arg_code(src, a) -> str:
    code = src.code(a.with_changes(comma=cst.MaybeSentinel.DEFAULT))
    return code.strip()
