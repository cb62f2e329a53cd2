"""`upgradelint fingerprint`, run as a user runs it (the console script),
against the hashes the projects record in their own tests (object_data,
notification_object_data, expected_object_fingerprints). Prints the
exact-match figure per project; every record of a class the project registers
must be reproduced: nova, cinder, ironic, neutron (with neutron-lib's source)
and masakari (whose payloads are recorded without their SCHEMA)."""

import json
import os
import shutil
import subprocess
import sys

import pytest

from upgradelint.frontends import fingerprint as F

NEUTRON_LIB = "5.0.0"  # neutron 29.0.0 requires neutron-lib>=5.0.0
PROJECTS = ("nova", "cinder", "ironic", "neutron", "masakari")
# names a project records for objects that only its tests register, at run time
# (masakari's test_objects.py calls MasakariObjectRegistry.register(MyObj))
TEST_ONLY = {"masakari": {"MyObj", "MyOwnedObject"}}


def upgradelint() -> list[str]:
    exe = shutil.which("upgradelint", path=os.path.dirname(sys.executable))
    assert exe, "the upgradelint console script is not installed next to this interpreter"
    return [exe]


def cli_rows(root: str, *args: str) -> list[dict]:
    p = subprocess.run([*upgradelint(), "fingerprint", root, "--format", "json", *args],
                       capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


@pytest.mark.parametrize("project", PROJECTS)
def test_cli_reproduces_every_recorded_hash(project, release_tree, capsys):
    root = release_tree(project)
    args = ("--source-path", release_tree("neutron-lib", NEUTRON_LIB)) if project == "neutron" else ()
    rows = cli_rows(root, *args)
    recorded = [r for r in rows if r["recorded"] and r["registered"]]
    wrong = [(r["table"], r["name"], r["recorded"], r["fingerprint"] or r["unresolved"]) for r in recorded
             if r["fingerprint"] != r["recorded"]]
    orphans = {r["name"] for r in rows if r["recorded"] and not r["registered"]}
    with capsys.disabled():
        print(f"\n{project}: {len(recorded) - len(wrong)}/{len(recorded)} recorded fingerprints reproduced"
              f" by `upgradelint fingerprint`" + (f" (+{len(orphans)} test-only)" if orphans else ""))
    assert len(recorded) > 20
    assert wrong == []
    assert orphans == TEST_ONLY.get(project, set())


def test_payload_schema_only_where_the_test_passes_it(release_tree):
    """nova's notification test hashes payloads with their SCHEMA; masakari
    records its payloads in plain object_data, and its extra_data_func only
    serves a test's own class."""
    nova = {r["name"]: r for r in cli_rows(release_tree("nova"))}
    assert nova["SharePayload"]["notification"] and nova["SharePayload"]["table"] == "notification_object_data"
    assert not nova["InstanceActionShareNotification"]["notification"]  # a notification, not a payload
    masakari = [r for r in cli_rows(release_tree("masakari")) if r["name"].endswith("Payload")]
    assert masakari and not any(r["notification"] for r in masakari)
    assert all(r["table"] == "object_data" for r in masakari)


def test_nova_notification_hashes_are_covered(release_tree):
    root, facts = F.tree_facts(release_tree("nova"))
    tables = {r.table for _, r in F.records_from_facts(facts)}
    assert tables == {"object_data", "notification_object_data"}


def test_cli_prints_fingerprints(release_tree, capsys):
    from upgradelint.frontends.cli import main

    assert main(["fingerprint", release_tree("cinder")]) == 0
    out = capsys.readouterr().out
    assert "Volume " in out and "1.9-" in out and "recorded" not in out


def test_real_oslo_versionedobjects_source_gives_the_same_hashes(release_tree):
    """A nova developer's venv has oslo.versionedobjects installed: reading its
    real source must not change (or lose) any fingerprint."""
    root, facts = F.tree_facts(release_tree("nova"))
    ovo = release_tree("oslo.versionedobjects", "3.12.0")
    plain = F.rows(F.world_from_facts(facts, root, ()), facts)
    with_ovo = F.rows(F.world_from_facts(facts, root, (ovo,)), facts)
    assert [r["fingerprint"] for r in with_ovo] == [r["fingerprint"] for r in plain]
    assert all(r["fingerprint"] == r["recorded"] for r in with_ovo if r["recorded"])
