"""Every rule's VALID/INVALID examples (the ones on its rules/ page) run here."""

import os
import re

import pytest

from upgradelint.docs import render
from upgradelint.core.registry import registry
from upgradelint.core.rule import SECTIONS
from upgradelint.testing import run_example

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CASES = [(code, kind, i, ex) for code, rule in registry().items()
         for kind, examples in (("invalid", rule.INVALID), ("valid", rule.VALID))
         for i, ex in enumerate(examples)]


@pytest.mark.parametrize("code,kind,i,example", CASES, ids=[f"{c}-{k}-{i}" for c, k, i, _ in CASES])
def test_example(code, kind, i, example):
    expected, actual = run_example(example, select=code)
    if kind == "valid":
        assert not expected, "valid examples carry no '# expect:' markers"
    else:
        assert expected, "invalid examples mark their findings with '# expect: UPGnnn'"
    assert {a for a in actual if a[0] == code} == expected


def test_registry_shape():
    rules = registry()
    assert rules
    for code, rule in rules.items():
        assert re.fullmatch(r"UPG[1-3]\d\d", code)
        assert rule.family() == {"1": "rpc", "2": "objects", "3": "migrations"}[code[3]]
        assert rule.__module__.startswith(f"upgradelint.families.{rule.family()}.rules.")
        assert rule.VALID and rule.INVALID, code
        assert re.fullmatch(r"[a-z0-9-]+", rule.name)
        assert rule.severity in ("error", "warning", "info")
        assert rule.scope in ("state", "diff", "any")  # any: both modes, not limited to touched lines
        sections = rule.doc_sections()
        for title in ("What it does", "Why is this bad?", "How to allow", "References"):
            assert sections.get(title), f"{code} lacks '## {title}'"
        assert set(sections) <= set(SECTIONS), f"{code} has unknown sections {set(sections) - set(SECTIONS)}"
        assert not re.match(r"UPG\d", rule.message), "front ends prefix the code"


@pytest.mark.parametrize("code", sorted(registry()))
def test_rule_page_is_generated(code):
    path = os.path.join(ROOT, "rules", f"{code}.md")
    with open(path, encoding="utf-8") as fh:
        assert fh.read() == render(registry()[code]), "run: python -m upgradelint.docs --write"


def _page_examples(text):
    """Parse a rules/ page back into examples: the Example and Use instead sections."""
    from upgradelint.core.rule import Example

    out = []
    for section, kind in (("## Example", "invalid"), ("## Use instead", "valid")):
        start = text.index(section) + len(section)
        end = text.find("\n## ", start)
        body = text[start:end if end != -1 else None]
        # one example's blocks are adjacent; examples are separated by a blank line
        for chunk in re.split(r"(?<=```)\n\n(?=```python|With )", body):
            before, after, config = {}, {}, None
            m = re.search(r"With `\[tool.upgradelint\]` (.*):\n", chunk)
            if m:
                import ast

                config = {k.strip(): ast.literal_eval(v.strip())
                          for k, _, v in (p.partition(" = ") for p in m.group(1).split(", "))}
            for block in re.findall(r"```python\n(.*?)```", chunk, re.S):
                head, _, code = block.partition("\n")
                kind_, _, path = head[2:].partition(": ")
                (before if kind_ == "before" else after)[path] = code
            if after:
                out.append((kind, Example(files=after, before=before or None, config=config)))
    return out


@pytest.mark.parametrize("code", sorted(registry()))
def test_rule_page_examples_execute(code):
    with open(os.path.join(ROOT, "rules", f"{code}.md"), encoding="utf-8") as fh:
        examples = _page_examples(fh.read())
    assert any(k == "invalid" for k, _ in examples) and any(k == "valid" for k, _ in examples)
    for kind, ex in examples:
        expected, actual = run_example(ex, select=code)
        assert {a for a in actual if a[0] == code} == expected, (kind, ex)
        assert bool(expected) == (kind == "invalid")


def test_readme_rule_table_is_generated():
    from upgradelint.docs import readme_with_table

    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        text = fh.read()
    assert readme_with_table(text) == text, "run: python -m upgradelint.docs --write"


def test_readme_has_exactly_two_setup_commands():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        text = fh.read()
    setup = text[text.index("## Set up"):text.index("## Use it")]
    blocks = re.findall(r"```sh\n(.*?)```", setup, re.S)
    assert [b.count("\n") for b in blocks] == [1, 1]
    assert "upgradelint demo" in blocks[0] and "pytest" in blocks[1]
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as fh:
        ci = fh.read()
    assert "-e '.[test]'" in ci and "bin/pytest" in ci and "python3 -m venv" in ci
