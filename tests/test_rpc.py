"""RPC family (UPG1xx) over the scenario fixtures in tests/fixtures/rpc/.

Each scenario is a ``before/`` and ``after/`` tree (run through the engine in
diff mode, base=HEAD of a temporary git repository) or a single ``tree/`` (full
tree mode), through ``upgradelint.testing.run_scenario``. Expected findings are
inline markers: ``# expect: UPGnnn`` for failing findings (error or warning),
``# expect-info: UPGnnn`` for info notes."""

from __future__ import annotations

import os

import pytest

from upgradelint.testing import run_scenario, scenarios

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "fixtures", "rpc")
SCENARIOS = scenarios(FIXTURES)
STATE_CODES = ("UPG101", "UPG104", "UPG107")


def run(scenario: str, config: dict | None = None, diff: bool = True):
    return run_scenario(os.path.join(FIXTURES, scenario), diff=diff, config=config, select="UPG1")


def has_history(scenario: str) -> bool:
    return os.path.isdir(os.path.join(FIXTURES, scenario, "before"))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(scenario):
    out = run(scenario)
    assert out.actual == out.expected, out.describe()


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if has_history(s)])
def test_scenario_without_base_keeps_state_checks(scenario):
    """Without --base the history-free checks still run on the after tree."""
    out = run(scenario, diff=False)
    failing = out.actual.failing
    assert out.actual.only(STATE_CODES).failing == out.expected.only(STATE_CODES).failing
    assert not {f for f in failing if f[0] not in STATE_CODES}


def test_guard_in_client_turns_the_new_method_note_into_an_error():
    findings = run("ironic_new_method_bookkeeping_done", {"rpc-guard-in-client": True}).findings
    assert [(f.code, f.severity) for f in findings] == [("UPG102", "error")]


def test_no_caps_config_demotes_to_info():
    findings = run("i2_missing_fallback", {"rpc-version-caps": False}).findings
    assert sorted((f.code, f.severity) for f in findings) == [("UPG102", "info"), ("UPG103", "info")]


def test_caps_config_overrides_the_detected_convention():
    findings = run("neutron_no_caps_new_kwarg", {"rpc-version-caps": True}).findings
    assert sorted((f.code, f.severity) for f in findings) == [("UPG102", "error"), ("UPG103", "error")]


def test_messages_name_class_method_kwarg_and_version():
    msgs = sorted(f.message for f in run("i2_missing_fallback").findings)
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
