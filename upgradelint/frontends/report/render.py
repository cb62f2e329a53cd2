"""The report as text, markdown (to paste into a release note or a reno
``upgrade`` section) or JSON.

Text and markdown are written from one outline: sections of items, each item
a line with sub-items, using markdown's ``code`` and **bold** spans that the
text form drops."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from upgradelint.core import versions

LONG_LIST = 12  # markdown folds longer lists into <details>


@dataclass
class Item:
    text: str
    children: list = field(default_factory=list)


@dataclass
class Section:
    title: str
    items: list = field(default_factory=list)
    empty: str = "none"


def render(fmt: str, report) -> str:
    if fmt == "json":
        return json.dumps(report.as_json(), indent=2) + "\n"
    title, meta, sections = outline(report)
    return markdown(title, meta, sections) if fmt == "markdown" else text(title, meta, sections)


# -- the outline -------------------------------------------------------------------------------

_RELATION = {"same": "the same commit", "ancestor": "{base} is an ancestor of {head}",
             "diverged": "diverged branches: their trees are compared",
             "unrelated": "unrelated histories: their trees are compared"}


def outline(r) -> tuple[str, str, list]:
    title = f"Upgrade impact: {r.base} → {r.head}"
    cut = r.shallow and r.relation in ("diverged", "unrelated")
    meta = (f"`{r.base_commit[:12]}`..`{r.head_commit[:12]}`: "
            f"{_RELATION[r.relation].format(base=r.base, head=r.head)}"
            f"{' (a shallow clone: the history between them may be cut off)' if cut else ''}; "
            f"{r.files_changed} Python file{'s' if r.files_changed != 1 else ''} changed")
    sections = [
        Section("RPC APIs", [_rpc(c) for c in r.rpc], "no RPC API changed"),
        Section("Versioned objects", [_object(o) for o in r.objects], "no versioned object changed"),
        Section("Migrations, in the order they run", [_migration(i, m) for i, m in enumerate(r.migrations, 1)],
                "no new migration"),
        Section("Release tables", [_table(t) for t in r.tables], "no release table changed"),
        Section("Operator notes", [Item(n) for n in r.notes], "nothing to note"),
        Section(f"Compat code {r.head} can remove if {r.base} is the oldest release it supports",
                [_removable(x) for x in r.removable], "none found"),
        Section(f"Compat code the release window says {r.head} can remove (UPG110)",
                [Item(f"`{f.path}:{f.line}`: {f.message}") for f in r.expired],
                "none, or the project's tables do not tell the oldest supported release"),
        Section("Not known from the facts", [Item(u) for u in r.unknown], "nothing"),
        _findings(r),
    ]
    return title, meta, sections


def _span(a, b) -> str:
    if a is None:
        return f"new, at {b}"
    if b is None:
        return f"removed (was {a})"
    return f"{a} → {b}" if a != b else f"{b} (unchanged)"


def _rpc(c) -> Item:
    it = Item(f"**{c.cls}** (`{c.path}`): {_span(c.version_from, c.version_to)}")
    if c.version_to is None:
        return it
    kids = it.children
    if c.methods_added:
        kids.append(Item("methods added: " + ", ".join(f"`{n}` ({v or '?'})" for n, v in c.methods_added)))
    if c.methods_removed:
        kids.append(Item("methods removed: " + ", ".join(f"`{n}`" for n in c.methods_removed)))
    for m, kws in c.kwargs_added.items():
        kids.append(Item(f"`{m}` sends new kwargs: " + ", ".join(f"`{k}` ({v or '?'})" for k, v in kws)))
    for m, kws in c.kwargs_removed.items():
        kids.append(Item(f"`{m}` no longer sends: " + ", ".join(f"`{k}`" for k in kws)))
    if c.compat_added:
        kids.append(Item("compat code added", [Item(x.label()) for x in c.compat_added]))
    if c.compat_removed:
        kids.append(Item("compat code removed", [Item(x.label()) for x in c.compat_removed]))
    aliases = [f"`{k}`={v}" for k, v in c.aliases_added.items()]
    aliases += [f"`{k}`: {a} → {b}" for k, (a, b) in c.aliases_changed.items()]
    aliases += [f"`{k}` removed" for k in c.aliases_removed]
    if aliases:
        kids.append(Item("VERSION_ALIASES: " + ", ".join(aliases)))
    if c.server is not None:
        s = c.server
        how = ("linked to the client's RPC_API_VERSION" if s.linked else
               "agrees with the client" if s.agree else
               f"DISAGREES with the client's {c.version_to}" if s.agree is False else "agreement unknown")
        kids.append(Item(f"server **{s.cls}** (`{s.path}`): {_span(s.version_from, s.version_to)}, {how}"))
    else:
        kids.append(Item("server: no endpoint found next to the client"))
    if not c.caps:
        kids.append(Item("no version caps: the servers must run the new release before any client sends to them"))
    return it


def _field_change(f) -> str:
    added, removed = f.values()
    if added or removed:
        bits = ([f"values added {', '.join(repr(v) for v in added)}"] if added else []) + \
               ([f"values removed {', '.join(repr(v) for v in removed)}"] if removed else [])
        if bits:
            return f"`{f.name}`: " + "; ".join(bits)
    mark = " (the fingerprint cannot see this)" if f.hash_blind else ""
    return f"`{f.name}`: `{f.before}` → `{f.after}`{mark}"


def _object(o) -> Item:
    kind = " [notification]" if o.notification else ""
    it = Item(f"**{o.name}**{kind} (`{o.path or '?'}`): {_span(o.version_from, o.version_to)}")
    if o.version_to is None:
        return it
    kids = it.children
    if o.fields_added:
        kids.append(Item("fields added: " + ", ".join(f"`{n}`" for n in o.fields_added)))
    if o.fields_removed:
        kids.append(Item("fields removed: " + ", ".join(f"`{n}`" for n in o.fields_removed)))
    if o.fields_changed:
        kids.append(Item("fields changed", [Item(_field_change(f)) for f in o.fields_changed]))
    for label, names in (("added", o.remotables_added), ("removed", o.remotables_removed),
                         ("changed", o.remotables_changed)):
        if names:
            kids.append(Item(f"remotable methods {label}: " + ", ".join(f"`{n}`" for n in names)))
    if o.child_versions_changed:
        kids.append(Item("child_versions changed"))
    if not o.resolved:
        kids.append(Item("(the fingerprint does not resolve: changes read from the class's own fields)"))
    if o.backported is True:
        kids.append(Item("obj_make_compatible: every addition has its branch"))
    elif o.backported is False:
        kids.append(Item("obj_make_compatible: NO branch for " + ", ".join(f"`{n}`" for n in o.missing_backports)))
    elif o.backport_note:
        kids.append(Item(f"obj_make_compatible: not needed ({o.backport_note})"))
    kids.append(Item(_fingerprint(o)))
    return it


def _fingerprint(o) -> str:
    if o.computed is None:
        return f"fingerprint: not computed ({o.unresolved or 'unresolved'})" + (
            f", recorded `{o.recorded}`" if o.recorded else "")
    if o.recorded is None:
        return "fingerprint: no record"
    if o.recorded == o.computed:
        return f"fingerprint: recorded `{o.recorded}`, up to date"
    return f"fingerprint: STALE, recorded `{o.recorded}`, computed `{o.computed}`"


def _migration(i: int, m) -> Item:
    after = ", ".join(m.down_revisions) or "none"
    head = f"{i}. `{m.path}`: **{m.phase}**, revision `{m.revision or '?'}` after `{after}`"
    it = Item(head)
    if m.step:
        it.children.append(Item(f"step: {m.step}"))
    it.children.extend(Item(f"`{line}`") for line in m.operations)
    if not m.operations:
        it.children.append(Item("no operations"))
    for lk in m.locks:
        it.children.append(Item(f"lock on `{lk.table}` ({lk.operation}): MySQL {lk.mysql}; PostgreSQL {lk.postgresql}"))
    for f in m.findings:
        it.children.append(Item(f"{f.code} line {f.line}: {f.message}"))
    return it


def _leaves(old, new, path="") -> list[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for k in list(new) + [k for k in old if k not in new]:
            sub = f"{path}.{k}" if path else str(k)
            if k not in old:
                out.append(f"`{sub}` added: {_short(new[k])}")
            elif k not in new:
                out.append(f"`{sub}` removed")
            elif old[k] != new[k]:
                out.extend(_leaves(old[k], new[k], sub))
        return out
    return [f"`{path}`: {_short(old)} → {_short(new)}"]


def _short(v) -> str:
    s = json.dumps(v, sort_keys=False)
    return s if len(s) <= 80 else s[:77] + "..."


def _table(t) -> Item:
    it = Item(f"**{t.name}** (`{t.path}`)")
    for k, v in t.added.items():
        it.children.append(Item(f"added `{k}`: {_short(v)}"))
    for k, (a, b) in t.changed.items():
        it.children.extend(Item(line) for line in _leaves({k: a}, {k: b}))
    for k in t.removed:
        it.children.append(Item(f"removed `{k}`"))
    return it


_KINDS = {"fallback": ("fallback", "fallbacks"), "gate": ("gate", "gates"),
          "chooser": ("version chooser", "version choosers"),
          "endpoint": ("compatibility endpoint", "compatibility endpoints")}


def _removable(x) -> Item:
    by_where: dict = {}
    for c in x.items:
        by_where.setdefault(c.where, {}).setdefault(c.kind, set()).add(c.version)
    kids = []
    for where, kinds in sorted(by_where.items()):
        parts = []
        for kind in ("endpoint", "chooser", "fallback", "gate"):
            if kind in kinds:
                vs = sorted(kinds[kind], key=versions.key)
                parts.append(f"{_KINDS[kind][len(vs) > 1]} {', '.join(vs)}")
        kids.append(Item(f"`{where}`: " + "; ".join(parts)))
    source = "the base ref" if x.floor_source == "base" else x.floor_source
    return Item(f"**{x.cls}** (`{x.path}`): {len(x.items)} item{'s' if len(x.items) != 1 else ''} at or below "
                f"{x.floor} ({source})", kids)


def _findings(r) -> Section:
    base = f"check --base {r.base}"
    if r.findings_base and r.findings_base != r.base_commit:
        base += f", which diffs from the merge base `{r.findings_base[:12]}`"
    title = f"Findings ({base}; computed in {r.findings_where})"
    items = [Item(f"`{f.path}:{f.line}:{f.column + 1}`: {f.code}{' [info]' if f.severity == 'info' else ''} "
                  f"{f.message}") for f in r.findings]
    items += [Item(f"`{e.path}`: not checked: {e.message}") for e in r.errors]
    return Section(title, items, "no findings")


# -- the two text forms ------------------------------------------------------------------------

_CODE = re.compile(r"`([^`]*)`")


def _plain(s: str) -> str:
    return _CODE.sub(r"\1", s).replace("**", "")


def text(title: str, meta: str, sections: list) -> str:
    lines = [_plain(title), _plain(meta)]
    for sec in sections:
        lines += ["", _plain(sec.title)]
        if not sec.items:
            lines.append(f"  {sec.empty}")

        def emit(item, depth):
            lines.append("  " * depth + ("- " if depth > 1 else "") + _plain(item.text))
            for kid in item.children:
                emit(kid, depth + 1)

        for item in sec.items:
            emit(item, 1)
    return "\n".join(lines) + "\n"


def markdown(title: str, meta: str, sections: list) -> str:
    lines = [f"## {title}", "", meta]
    for sec in sections:
        lines += ["", f"### {sec.title}", ""]
        if not sec.items:
            lines.append(f"_{sec.empty}_")

        def emit(item, indent: str):
            numbered = re.match(r"^\d+\. ", item.text)
            marker = "" if numbered else "- "
            lines.append(indent + marker + item.text)
            inner = indent + " " * (numbered.end() if numbered else 2)  # CommonMark: under the item's text
            kids = item.children
            fold = len(kids) > LONG_LIST
            if fold:
                lines.extend([inner + f"<details><summary>{len(kids)} entries</summary>", ""])
            for kid in kids:
                emit(kid, inner)
            if fold:
                lines.extend(["", inner + "</details>"])

        for item in sec.items:
            emit(item, "")
    return "\n".join(lines) + "\n"
