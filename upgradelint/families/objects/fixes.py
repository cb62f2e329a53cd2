"""The fixes that finish an object's bookkeeping, built once per run
(``ctx.analysis(ObjectFixes)``) and attached by the UPG2xx rules:

- ``VERSION`` bumped to the next minor (objects whose fingerprint inputs
  changed at an unchanged version);
- the ``# Version X.Y: ...`` history comment, its words from the field diff;
- the recorded fingerprint (``object_data``, ``notification_object_data``,
  ``expected_object_fingerprints``): the hash oslo.versionedobjects computes,
  as the family's fingerprint code computes it; an object that does not
  resolve gets no record, and the fix says why;
- cinder's ``OBJ_VERSIONS.add(...)``: one new history version for every object
  bumped in the change, or the newest one updated when the change added it;
- ironic's ``RELEASE_MAPPING['master']['objects']``: the new version first;
- unsafe: the ``obj_make_compatible`` branch for the added fields (``backport``).

Every object's edits use the VERSION it ends up with after all the fixes, so
two findings on one object ask for identical edits, which ``fix`` applies once."""

from __future__ import annotations

import functools

from upgradelint.core import versions
from upgradelint.core.edits import MAX_LINE, Sources, quote_of, quoted, sequence_append, wrap_comment
from upgradelint.core.lazy import cst
from upgradelint.core.model import Edit, Fix, Span
from upgradelint.core.rule import Context
from upgradelint.families.objects import backport, changes
from upgradelint.families.objects.analysis import ObjectsAnalysis
from upgradelint.families.objects.world import Scope, Unresolved

class ObjectFixes:
    """Edits per object, computed on demand and cached for the run."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        self.a = ctx.analysis(ObjectsAnalysis)
        self.sources = Sources(ctx.reader)

    # -- the versions objects end up with ----------------------------------

    @functools.cached_property
    def bumps(self) -> dict[str, str]:
        """name -> new VERSION, for objects whose fingerprint inputs changed
        while VERSION did not (what UPG201 reports)."""
        a, out = self.a, {}
        if self.ctx.base is None:
            for _, rec in a.records():
                fp = a.expected(rec) if a.reportable(rec.name) else None
                if fp and fp.value and fp.value != rec.value and rec.value.split("-", 1)[0] == fp.version:
                    out[rec.name] = versions.bump_minor(fp.version)
            return {k: v for k, v in out.items() if v}
        for name in a.refs:
            if name not in a.base_refs:
                continue
            new, old = a.fp(name), a.fp(name, base=True)
            if new and old and new.value and old.value:
                if new.version == old.version and new.data != old.data and versions.bump_minor(new.version):
                    out[name] = versions.bump_minor(new.version)
        for name, (obj, prev) in self._fact_pairs().items():
            if name not in out and obj.version == prev.version and _facts_changed(prev, obj):
                new = versions.bump_minor(obj.version)
                if new:
                    out[name] = new
        return out

    def _fact_pairs(self) -> dict:
        """name -> (head fact, base fact) of registered objects whose
        fingerprint does not resolve on both sides (UPG201's fallback)."""
        out = {}
        for path, facts in self.ctx.head.items():
            base = (self.ctx.base or {}).get(path)
            if base is None:
                continue
            old = {o.name: o for o in base.objects}
            for obj in facts.objects:
                prev = old.get(obj.name)
                if prev is None or not obj.registered or obj.version is None:
                    continue
                new_fp, old_fp = self.a.fp(obj.name), self.a.fp(obj.name, base=True)
                if new_fp and old_fp and new_fp.value and old_fp.value:
                    continue
                out[obj.name] = (obj, prev)
        return out

    def version(self, name: str) -> str | None:
        """The VERSION the object has once the fixes are applied."""
        if name in self.bumps:
            return self.bumps[name]
        fp = self.a.fp(name)
        if fp is not None and fp.version:
            return fp.version
        _, o = self.a.facts_obj(name)
        return o.version if o is not None else None

    # -- one edit each -----------------------------------------------------

    def version_edit(self, name: str) -> tuple[Edit | None, str | None]:
        if name not in self.bumps:
            return None, None
        rel, o = self.a.facts_obj(name)
        src = self.sources.get(rel)
        if o is None or o.version_span is None or src is None:
            return None, f"{name}: VERSION is not a literal of the class; bump it by hand"
        span = o.version_span
        old = src.line(span.line)[span.column:span.end_column] if span.line == span.end_line else "'"
        return src.replace(span, quoted(self.bumps[name], quote_of(old))), None

    def history_edit(self, name: str) -> tuple[Edit | None, str | None]:
        """The ``# Version X.Y: ...`` line after the class's last history entry."""
        rel, o = self.a.facts_obj(name)
        new = self.version(name)
        ex = self.ctx.head[rel].extra.get("objects") if rel in self.ctx.head else None
        if o is None or new is None or ex is None or name not in ex.history:
            return None, None  # the class keeps no history: none is started
        if any(versions.key(v, ()) == versions.key(new, ())[:2] for v in ex.history[name]):
            return None, None
        src = self.sources.get(rel)
        span = o.version_span or o.span
        cls = backport.find_class(src, name) if src is not None else None
        if cls is None:
            return None, None
        first = src.span(cls).line
        lines = [src.line(n) for n in range(first, span.line)]
        found = changes.history_lines(lines)
        if not found:
            return None, None
        text = self.change_text(name, changes.present_tense([t for _, _, t in found]))
        if text is None:
            return None, (f"{name}: no --base to tell what changed; write the '# Version {new}:' comment by hand"
                          if self.ctx.base is None else None)
        i = found[-1][0]
        while i + 1 < len(lines) and lines[i + 1].lstrip().startswith("#") and \
                not changes.history_lines([lines[i + 1]]):
            i += 1  # the entry's continuation lines
        indent = lines[found[-1][0]][:len(lines[found[-1][0]]) - len(lines[found[-1][0]].lstrip())]
        prefix = f"{indent}# Version {new}: "
        out = wrap_comment(prefix, text, indent + "#" + " " * (len(prefix) - len(indent) - 1))
        return src.insert_lines(first + i + 1, out), None

    def change_text(self, name: str, present: bool) -> str | None:
        if self.ctx.base is None:
            return None
        pairs = self._fact_pairs()
        if name in pairs:
            obj, prev = pairs[name]
            return changes.facts_change(prev, obj, present)
        return changes.describe_change(self.a.describe(name, base=True), self.a.describe(name), present)

    def record_edit(self, rel: str, rec) -> tuple[Edit | None, str | None]:
        """The recorded fingerprint ``rec`` (in file ``rel``) set to the computed one."""
        value, why = self.expected_value(rec)
        if value is None or value == rec.value:
            return None, why
        src = self.sources.get(rel)
        if src is None:
            return None, f"{rel}: cannot read the record"
        span = Span(rec.line, rec.column, rec.end_line, rec.end_column)
        old = src.line(rec.line)[rec.column:rec.end_column] if rec.line == rec.end_line else "'"
        return src.replace(span, quoted(value, quote_of(old))), None

    def expected_value(self, rec) -> tuple[str | None, str | None]:
        fp = self.a.expected(rec)
        new = self.version(rec.name)
        if fp is None or fp.value is None or new is None:
            why = fp.reason if fp is not None and fp.reason else "the object does not resolve statically"
            return None, f"{rec.name}: fingerprint not written ({why})"
        return f"{new}-{fp.value.split('-', 1)[1]}", None

    def record_edits(self, name: str) -> tuple[list[Edit], list[str]]:
        edits, notes = [], []
        for rel, rec in self.a.records():
            if rec.name == name:
                e, why = self.record_edit(rel, rec)
                edits += [e] if e else []
                notes += [why] if why else []
        return edits, notes

    def release_edit(self, name: str) -> Edit | None:
        """ironic: the new version first in RELEASE_MAPPING['master']['objects'][name]."""
        new = self.version(name)
        for rel in self._modules_with(lambda ex: "RELEASE_MAPPING" in ex.summary.names):
            src = self.sources.get(rel)
            node = _release_list(src, name) if src is not None else None
            if node is None or not node.elements:
                continue
            first = node.elements[0].value
            if isinstance(first, cst.SimpleString) and first.evaluated_value == new:
                return None
            sp = src.span(first)
            return src.insert_at(sp.line, sp.column, quoted(new, quote_of(src.code(first))) + ", ")
        return None

    def _modules_with(self, pred) -> list[str]:
        out = []
        for rel, f in sorted(self.ctx.head.items()):
            ex = f.extra.get("objects")
            if ex is not None and ex.summary is not None and pred(ex):
                out.append(rel)
        return out

    # -- cinder's OBJ_VERSIONS ----------------------------------------------

    @functools.cached_property
    def obj_versions(self) -> tuple[list[Edit], frozenset]:
        """(edits, names they record): one OBJ_VERSIONS entry for every object
        whose VERSION differs from what the history says."""
        for rel in self._modules_with(lambda ex: any(c[0].endswith("OBJ_VERSIONS.add") for c in ex.summary.calls)):
            ex = self.ctx.head[rel].extra["objects"]
            adds = [c for c in ex.summary.calls if c[0].endswith("OBJ_VERSIONS.add") and len(c[1]) == 2]
            current, listed = {}, []
            try:
                for _, args, _, _ in adds:
                    ver = self.a.head.eval(args[0], Scope(ex.summary.module))
                    upd = self.a.head.eval(args[1], Scope(ex.summary.module))
                    if not isinstance(ver, str) or not isinstance(upd, dict):
                        return [], frozenset()
                    listed.append(ver)
                    current.update(upd)
            except Unresolved:
                return [], frozenset()
            want = {n: self.version(n) for n in sorted(current) if n in self.a.refs}
            want = {n: v for n, v in want.items() if v and v != current[n]}
            if not want or not listed:
                return [], frozenset()
            return self._obj_versions_edits(rel, listed, want), frozenset(want)
        for rel in self._modules_with(lambda ex: "OBJ_VERSIONS" in ex.summary.names):
            src = self.sources.get(rel)
            start = _history_start(src) if src is not None else None
            if start is None:
                continue
            listed, current, before = start
            want = {n: self.version(n) for n in sorted(current) if n in self.a.refs}
            want = {n: v for n, v in want.items() if v and v != current[n]}
            nxt = versions.bump_minor(listed)
            if not want or nxt is None:
                return [], frozenset()
            items = [f"{quoted(n)}: {quoted(v)}" for n, v in want.items()]
            lines = _wrapped(f"OBJ_VERSIONS.add({quoted(nxt)}, {{", items, "})")
            return [src.insert_lines(before, lines + ["", ""])], frozenset(want)
        return [], frozenset()

    def _obj_versions_edits(self, rel: str, listed: list[str], want: dict) -> list[Edit]:
        src = self.sources.get(rel)
        if src is None:
            return []
        calls = [s for s in src.module.body if isinstance(s, cst.SimpleStatementLine) and len(s.body) == 1 and
                 isinstance(s.body[0], cst.Expr) and isinstance(s.body[0].value, cst.Call) and
                 src.code(s.body[0].value.func).endswith("OBJ_VERSIONS.add")]
        if not calls:
            return []
        last = calls[-1]
        call = last.body[0].value
        base_listed = self._base_obj_versions(rel)
        if base_listed is not None and listed[-1] not in base_listed and len(call.args) == 2 and \
                isinstance(call.args[1].value, cst.Dict):
            return _dict_update(src, call.args[1].value, want)  # the change added it: update it
        q = quote_of(src.code(call.args[0].value)) if call.args else "'"
        nxt = versions.bump_minor(listed[-1])
        if nxt is None:
            return []
        head = f"{src.code(call.func)}({quoted(nxt, q)}, {{"
        items = [f"{quoted(n, q)}: {quoted(v, q)}" for n, v in want.items()]
        lines = _wrapped(src.indent(src.span(last).line) + head, items, "})")
        return [src.insert_lines(src.span(last).end_line + 1, lines)]

    def _base_obj_versions(self, rel: str) -> set | None:
        base = (self.ctx.base or {}).get(rel)
        if base is None or self.ctx.diff is None:
            return None
        ex = base.extra.get("objects")
        if ex is None or ex.summary is None:
            return set()
        return {c[1][0][1] for c in ex.summary.calls if c[0].endswith("OBJ_VERSIONS.add") and c[1] and
                c[1][0][0] == "c"}

    # -- fixes, as the rules attach them -----------------------------------

    def bump_fix(self, name: str, unsafe_backport: bool = True) -> Fix | None:
        """UPG201: everything the bump needs."""
        new = self.version(name)
        if new is None:
            return None
        parts: list[tuple[str, list, list]] = []  # (what, edits, notes)
        for what, (e, why) in (("", self.version_edit(name)), ("history comment", self.history_edit(name))):
            parts.append((what, [e] if e else [], [why] if why else []))
        rec, why = self.record_edits(name)
        parts.append(("recorded fingerprint", rec, why))
        ov, names = self.obj_versions
        parts.append(("OBJ_VERSIONS", ov if name in names else [], []))
        rel = self.release_edit(name)
        parts.append(("RELEASE_MAPPING", [rel] if rel else [], []))
        if unsafe_backport:
            bp, why = self.backport(name)
            parts.append((f"{backport.METHOD} branch (unsafe)", bp, [why] if why else []))
        edits = [e for _, es, _ in parts for e in es]
        notes = tuple(n for _, _, ns in parts for n in ns)
        if not edits:
            return Fix((), f"Bump {name}.VERSION to {new}", notes) if notes else None
        what = [w for w, es, _ in parts if w and es]
        desc = f"Bump {name}.VERSION to {new}" + (f"; {', '.join(what)}" if what else "")
        return Fix(tuple(edits), desc, notes)

    def part_fix(self, name: str, part: str, rel: str | None = None, rec=None, table: str | None = None) -> Fix | None:
        """UPG202: one piece of the bookkeeping (history, record, obj_versions, release, missing)."""
        new = self.version(name)
        if part == "history":
            e, why = self.history_edit(name)
            edits, desc = [e] if e else [], f"Add the '# Version {new}:' history comment to {name}"
        elif part == "record":
            e, why = self.record_edit(rel, rec)
            edits, desc = [e] if e else [], f"Record {name} as {self.expected_value(rec)[0]}"
        elif part == "obj_versions":
            ov, names = self.obj_versions
            edits, why, desc = (ov if name in names else []), None, f"Add {name} {new} to OBJ_VERSIONS"
        elif part == "release":
            e, why = self.release_edit(name), None
            edits, desc = [e] if e else [], f"Put {new} first in RELEASE_MAPPING['master'] for {name}"
        else:
            edits, why = self.missing_record(name, table)
            desc = f"Record the new object {name}"
        if not edits:
            return Fix((), desc, (why,)) if why else None
        return Fix(tuple(edits), desc, (why,) if why else ())

    def missing_record(self, name: str, table: str) -> tuple[list[Edit], str | None]:
        """The record of a new object, in the table's alphabetical place; new
        objects that go in the same place share one edit."""
        fp = self.a.fp(name)
        if fp is None or fp.value is None:
            return [], f"{name}: fingerprint not written ({fp.reason if fp else 'unresolved'})"
        return [e for names, e in self._missing_edits(table) if name in names], None

    @functools.lru_cache(maxsize=None)
    def _missing_edits(self, table: str) -> list[tuple[frozenset, Edit]]:
        recs = [(rel, r) for rel, r in self.a.records() if r.table == table]
        if not recs or self.ctx.base is None:
            return []
        recorded = {r.name for _, r in recs}
        new = sorted(n for n in self.a.refs if n not in recorded and n not in self.a.base_refs and
                     (self.a.fp(n) is not None and self.a.fp(n).value is not None))
        src = self.sources.get(recs[0][0])
        node = _table(src, table) if src is not None else None
        if node is None or not node.elements or not new:
            return []
        q = quote_of(src.code(node.elements[0].key)) if isinstance(node.elements[0], cst.DictElement) else "'"
        keyed = [el for el in node.elements if isinstance(el, cst.DictElement) and isinstance(el.key, cst.SimpleString)]
        groups: dict = {}
        for n in new:
            after = next((el for el in keyed if el.key.evaluated_value > n), None)
            groups.setdefault(id(after) if after is not None else None, (after, []))[1].append(n)
        out = []
        for after, names in groups.values():
            items = [f"{quoted(n, q)}: {quoted(self.a.fp(n).value, q)}" for n in names]
            if after is None:
                edits = sequence_append(src, node, f",\n{src.indent(src.span(keyed[-1]).line)}".join(items))
                out += [(frozenset(names), e) for e in edits]
                continue
            line = src.span(after).line
            indent = src.indent(line)
            text = []
            for n, item in zip(names, items):
                text += [f"{indent}{item},"] if len(indent) + len(item) + 1 <= MAX_LINE else \
                    [f"{indent}{quoted(n, q)}:", f"{indent}{src.indent_unit}{quoted(self.a.fp(n).value, q)},"]
            out.append((frozenset(names), src.insert_lines(line, text)))
        return out

    def backport(self, name: str) -> tuple[list[Edit], str | None]:
        """Unsafe: the obj_make_compatible branch for the fields the new version adds."""
        if self.ctx.base is None or name not in self.a.base_refs:
            return [], None
        new = versions.parse(self.version(name) or "")
        old = self.a.fp(name, base=True)
        if not new or len(new) < 2 or old is None or not old.version or versions.parse(old.version)[:2] >= new[:2]:
            return [], None
        d_old, d_new = self.a.describe(name, base=True), self.a.describe(name)
        pairs = self._fact_pairs()
        if d_old is None or d_new is None:
            if name not in pairs:
                return [], None
            d_old = {"fields": {f.name: f.code for f in pairs[name][1].fields or ()}}
            d_new = {"fields": {f.name: f.code for f in pairs[name][0].fields or ()}}
        added, _, _, enums = changes.field_changes(d_old["fields"], d_new["fields"])
        rel, _ = self.a.facts_obj(name)
        ex = self.ctx.head[rel].extra.get("objects") if rel in self.ctx.head else None
        guarded = {k for g in (ex.guards.get(name, ()) if ex else ()) if tuple(g[0]) == tuple(new[:2]) for k in g[1]}
        added = [f for f in added if f not in guarded]
        if self._is_notification(name):
            return [], None
        parent = self._inherited_backport(name)
        if parent is not None:
            return [], None  # the parent object's obj_make_compatible backports the fields it shares
        note = f"{name}: new enum values in {', '.join(enums)}: convert or refuse them in {backport.METHOD} by hand" \
            if enums else None
        if not added:
            return [], note
        src = self.sources.get(rel)
        if src is None:
            return [], note
        edits, why = backport.edits(src, name, tuple(new[:2]), added, self.cinder_style,
                                    self.a.refs[name][0].module.split(".")[0])
        return edits, why or note

    def backport_fix(self, name: str) -> Fix | None:
        """UPG204: the branch alone (unsafe)."""
        edits, why = self.backport(name)
        if not edits:
            return Fix((), f"Backport {name} in {backport.METHOD}", (why,)) if why else None
        return Fix(tuple(edits), f"Drop the fields {name} {self.version(name)} adds in {backport.METHOD}",
                   (why,) if why else ())

    def _inherited_backport(self, name: str) -> str | None:
        """The registered object class ``name`` inherits obj_make_compatible from (cinder's BackupImport)."""
        ref = self.a.refs[name][0]
        cs = self.a.head.class_summary(ref)
        if cs is None or backport.METHOD in cs.names:
            return None
        registered = {r for r, _ in self.a.refs.values()}
        try:
            mro = self.a.head.mro(ref)[1:]
        except Unresolved:
            return None
        for c in mro:
            other = self.a.head.class_summary(c)
            if c in registered and other is not None and backport.METHOD in other.names:
                return c.name
        return None

    def _is_notification(self, name: str) -> bool:
        from upgradelint.families.objects.fingerprint import is_payload

        ref, how = self.a.refs[name]
        return how == "notification" or is_payload(self.a.head, ref)

    @functools.cached_property
    def cinder_style(self) -> bool:
        """Does the project backport with an ``added_fields`` table (cinder)?"""
        for rel in self.a.mod_path.values():
            data = self.ctx.reader.head(rel) if self.ctx.reader is not None else None
            if data and b"added_fields = (" in data:
                return True
        return False


def _history_start(src):
    """cinder after a history reset (no OBJ_VERSIONS.add yet): (the version
    and the objects of the history class's ``__init__``, the line before which
    the first ``add`` goes: the statement after ``OBJ_VERSIONS = ...``)."""
    import ast

    body = src.module.body
    at = next((i for i, s in enumerate(body) if isinstance(s, cst.SimpleStatementLine) and
               src.code(s).strip().startswith("OBJ_VERSIONS =")), None)
    if at is None or at + 1 >= len(body):
        return None
    call = body[at].body[0].value
    cls = next((s for s in body if isinstance(s, cst.ClassDef) and isinstance(call, cst.Call) and
                src.code(call.func) == s.name.value), None)
    init = next((f for f in (cls.body.body if cls is not None else ()) if isinstance(f, cst.FunctionDef) and
                 f.name.value == "__init__"), None)
    if init is None:
        return None
    listed = current = None
    for stmt in init.body.body:
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            continue
        code = src.code(stmt.body[0]).strip()
        try:
            if code.startswith("self.versions ="):
                listed = ast.literal_eval(code.split("=", 1)[1].strip())[-1]
            elif code.startswith("self[") and "] =" in code:
                current = ast.literal_eval(code.split("=", 1)[1].strip())
        except (ValueError, SyntaxError, IndexError):
            return None
    if not isinstance(listed, str) or not isinstance(current, dict):
        return None
    return listed, current, src.span(body[at + 1]).line


def _facts_changed(prev, obj) -> bool:
    fields = (obj.fields is not None and prev.fields is not None and
              {(f.name, f.code) for f in obj.fields} != {(f.name, f.code) for f in prev.fields})
    return fields or obj.remotables != prev.remotables


def _wrapped(head: str, items: list[str], close: str) -> list[str]:
    """``head`` + items joined by ", " + ``close``, wrapped under the first item."""
    lines, cur = [], head
    hang = " " * len(head)
    for i, item in enumerate(items):
        piece = item + (close if i == len(items) - 1 else ",")
        if cur != head and cur != hang and len(cur) + 1 + len(piece) > MAX_LINE:
            lines.append(cur)
            cur = hang + piece
        else:
            cur += ("" if cur in (head, hang) else " ") + piece
    lines.append(cur)
    return lines


def _dict_update(src, node, want: dict) -> list[Edit]:
    out = []
    have = {el.key.evaluated_value: el for el in node.elements
            if isinstance(el, cst.DictElement) and isinstance(el.key, cst.SimpleString)}
    q = quote_of(src.code(node.elements[0].key)) if have else "'"
    new_items = []
    for n, v in want.items():
        if n in have:
            out.append(src.replace(src.span(have[n].value), quoted(v, quote_of(src.code(have[n].value)))))
        else:
            new_items.append(f"{quoted(n, q)}: {quoted(v, q)}")
    if new_items:
        out += sequence_append(src, node, ", ".join(new_items))
    return out


def _dict_get(node, key: str):
    if not isinstance(node, cst.Dict):
        return None
    for el in node.elements:
        if isinstance(el, cst.DictElement) and isinstance(el.key, cst.SimpleString) and el.key.evaluated_value == key:
            return el.value
    return None


def _assigned(src, name: str):
    for stmt in src.module.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and any(
                        isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets):
                    return small.value
    return None


def _release_list(src, name: str):
    objs = _dict_get(_dict_get(_assigned(src, "RELEASE_MAPPING"), "master"), "objects")
    node = _dict_get(objs, name)
    return node if isinstance(node, cst.List) else None


def _table(src, table: str):
    node = _assigned(src, table)
    return node if isinstance(node, cst.Dict) else None
