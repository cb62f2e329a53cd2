"""RPC family (UPG1xx) over the scenario fixtures in tests/fixtures/rpc/.

Each scenario is a ``before/`` and ``after/`` tree (run through the engine in
diff mode, base=HEAD of a temporary git repository) or a single ``tree/`` (full
tree mode). Expected findings are inline markers: ``# expect: UPGnnn`` for
failing findings (error or warning), ``# expect-info: UPGnnn`` for info notes."""

from __future__ import annotations

import os
import re
import tempfile

import pytest

from upgradelint import engine
from upgradelint.testing import make_repo

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures", "rpc")
SCENARIOS = sorted(d for d in os.listdir(FIXTURES) if os.path.isdir(os.path.join(FIXTURES, d)))
MARK = re.compile(r"#\s*expect(-info)?:\s*((?:UPG\d{3}[,\s]*)+)")
STATE_CODES = ("UPG101", "UPG104", "UPG107")


def load(scenario: str, part: str) -> dict | None:
    root = os.path.join(FIXTURES, scenario, part)
    if not os.path.isdir(root):
        return None
    out = {}
    for dirpath, _, files in os.walk(root):
        for name in files:
            full = os.path.join(dirpath, name)
            with open(full, encoding="utf-8") as fh:
                out[os.path.relpath(full, root)] = fh.read()
    return out


def markers(files: dict) -> tuple[set, set]:
    failing, info = set(), set()
    for path, code in files.items():
        for n, line in enumerate(code.splitlines(), 1):
            for m in MARK.finditer(line):
                for c in re.findall(r"UPG\d{3}", m.group(2)):
                    (info if m.group(1) else failing).add((c, path, n))
    return failing, info


def check(before: dict | None, after: dict, config: dict | None = None, diff: bool = True):
    with tempfile.TemporaryDirectory() as tmp:
        base = make_repo(tmp, before if diff else None, after)
        if config:
            with open(os.path.join(tmp, "pyproject.toml"), "a") as fh:
                fh.write("\n[tool.upgradelint]\n" + "".join(f"{k} = {str(v).lower()}\n" for k, v in config.items()))
        result = engine.check(engine.Options(root=tmp, paths=[tmp], base=base, use_cache=False, jobs=1,
                                             select=("UPG1",)))
        assert not result.errors, result.errors
        return result.findings


def split(findings) -> tuple[set, set]:
    failing = {(f.code, f.path, f.line) for f in findings if f.severity in ("error", "warning")}
    info = {(f.code, f.path, f.line) for f in findings if f.severity == "info"}
    return failing, info


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(scenario):
    before, after, tree = load(scenario, "before"), load(scenario, "after"), load(scenario, "tree")
    files = after if after is not None else tree
    assert files, f"{scenario} has neither after/ nor tree/"
    findings = check(before, files)
    assert split(findings) == markers(files), [(f.code, f.path, f.line, f.severity, f.message) for f in findings]


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if load(s, "before") is not None])
def test_scenario_without_base_keeps_state_checks(scenario):
    """Without --base the history-free checks still run on the after tree."""
    after = load(scenario, "after")
    failing, _ = split(check(None, after, diff=False))
    want, _ = markers(after)
    assert {f for f in failing if f[0] in STATE_CODES} == {w for w in want if w[0] in STATE_CODES}
    assert not {f for f in failing if f[0] not in STATE_CODES}


def test_guard_in_client_turns_the_new_method_note_into_an_error():
    s = "ironic_new_method_bookkeeping_done"
    findings = check(load(s, "before"), load(s, "after"), {"rpc-guard-in-client": True})
    assert [(f.code, f.severity) for f in findings] == [("UPG102", "error")]


def test_no_caps_config_demotes_to_info():
    s = "i2_missing_fallback"
    findings = check(load(s, "before"), load(s, "after"), {"rpc-version-caps": False})
    assert sorted((f.code, f.severity) for f in findings) == [("UPG102", "info"), ("UPG103", "info")]


def test_caps_config_overrides_the_detected_convention():
    s = "neutron_no_caps_new_kwarg"
    findings = check(load(s, "before"), load(s, "after"), {"rpc-version-caps": True})
    assert sorted((f.code, f.severity) for f in findings) == [("UPG102", "error"), ("UPG103", "error")]


def test_messages_name_class_method_kwarg_and_version():
    s = "i2_missing_fallback"
    msgs = sorted(f.message for f in check(load(s, "before"), load(s, "after")))
    assert msgs == [
        "ComputeAPI.rebuild_instance: 'rebuild_instance' now sent at 6.2 without can_send_version('6.2')",
        "ComputeAPI.rebuild_instance: new kwarg 'target_state' sent without can_send_version('6.2') fallback",
    ]


def test_bad_input_is_no_fact():
    from upgradelint.engine.facts import extract

    weird = """
class A:
    def m(self, ctxt):
        cctxt = self.client.prepare(version=(yield))
        cctxt.call(ctxt, *args)
        (lambda: cctxt.cast)()(ctxt, 'x')
        rpc = cctxt.call if x else None
        rpc(ctxt, 'y', **{**a})
        del a[0], b['k']

    def n(self):
        return self.client.can_send_version()
"""
    facts = extract("pkg/rpcapi.py", weird)
    assert facts.error is None
