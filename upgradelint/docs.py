"""Rule pages (rules/UPGnnn.md) rendered from the rule classes, in ruff's section
layout. ``python -m upgradelint.docs --write`` regenerates them; a test fails
when a checked-in page differs."""

from __future__ import annotations

import os
import sys

from upgradelint.core.registry import registry


def _code_blocks(example, label: str) -> list[str]:
    out = []
    if example.before is not None:
        for path, code in example.before.items():
            out.append(f"```python\n# before: {path}\n{code.rstrip()}\n```")
    for path, code in example.files.items():
        head = f"# after: {path}" if example.before is not None else f"# path: {path}"
        out.append(f"```python\n{head}\n{code.rstrip()}\n```")
    if example.config:
        cfg = ", ".join(f"{k} = {v!r}" for k, v in example.config.items())
        out.insert(0, f"With `[tool.upgradelint]` {cfg}:")
    return out


def render(rule) -> str:
    sections = rule.doc_sections()
    fix = "Fix is always available." if rule.fix_safety == "safe" else (
        "Fix is sometimes available." if rule.fix_safety else "")
    lines = [f"# {rule.name} ({rule.code})", ""]
    default = rule.severity if getattr(rule, "enabled_by_default", True) else f"off (enable as {rule.severity})"
    meta = f"Family: {rule.family()}. Default severity: {default}. " + (
        "Needs `--base` (diff mode)." if rule.scope == "diff" else "Runs with or without `--base`.")
    lines += [meta + (f" {fix}" if fix else ""), ""]
    lines += ["Message: `" + rule.code + " " + rule.message + "`", ""]
    for title in ("What it does", "Why is this bad?"):
        lines += [f"## {title}", sections.get(title, ""), ""]
    lines += ["## Example", ""]
    for ex in rule.INVALID:
        lines += _code_blocks(ex, "invalid") + [""]
    lines += ["## Use instead", ""]
    for ex in rule.VALID:
        lines += _code_blocks(ex, "valid") + [""]
    for title in ("How to allow", "Fix safety", "References"):
        if sections.get(title):
            lines += [f"## {title}", sections[title], ""]
    return "\n".join(lines).rstrip() + "\n"


def page_path(root: str, code: str) -> str:
    return os.path.join(root, "rules", f"{code}.md")


def rules_table() -> str:
    rows = ["| code | name | severity | mode |", "| --- | --- | --- | --- |"]
    for code, cls in registry().items():
        mode = "diff" if cls.scope == "diff" else "any"
        sev = cls.severity if getattr(cls, "enabled_by_default", True) else f"off ({cls.severity})"
        rows.append(f"| [{code}](rules/{code}.md) | {cls.name} | {sev} | {mode} |")
    return "\n".join(rows)


def readme_with_table(readme: str) -> str:
    start, end = "<!-- rules-table:start -->", "<!-- rules-table:end -->"
    i, j = readme.index(start) + len(start), readme.index(end)
    return readme[:i] + "\n" + rules_table() + "\n" + readme[j:]


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    stale = []
    for code, cls in registry().items():
        text = render(cls)
        path = page_path(root, code)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old != text:
            stale.append(code)
            if "--write" in argv:
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(text)
    readme = os.path.join(root, "README.md")
    if os.path.exists(readme):
        old = open(readme, encoding="utf-8").read()
        new = readme_with_table(old)
        if new != old:
            stale.append("README.md rule table")
            if "--write" in argv:
                with open(readme, "w", encoding="utf-8") as fh:
                    fh.write(new)
    print(("wrote " if "--write" in argv else "stale: ") + (", ".join(stale) or "nothing"))
    return 1 if stale and "--write" not in argv else 0


if __name__ == "__main__":
    raise SystemExit(main())
