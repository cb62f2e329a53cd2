"""`upgradelint fingerprint` against the hashes the projects record in their
own tests (object_data, notification_object_data, expected_object_fingerprints).
Prints the exact-match ratio per project; nova, cinder, ironic and neutron
(with neutron-lib's source) must match every record."""

import pytest

from upgradelint.frontends import fingerprint as F

NEUTRON_LIB = "5.0.0"  # neutron 29.0.0 requires neutron-lib>=5.0.0
REQUIRED = {"nova": 1.0, "cinder": 1.0, "ironic": 1.0, "neutron": 1.0}


@pytest.mark.parametrize("project", sorted(REQUIRED))
def test_fingerprints_match_the_recorded_hashes(project, release_tree, capsys):
    root = release_tree(project)
    sources = (release_tree("neutron-lib", NEUTRON_LIB),) if project == "neutron" else ()
    root, facts = F.tree_facts(root)
    world = F.world_from_facts(facts, root, sources)
    rows = F.compare(world, F.records_from_facts(facts))
    assert len(rows) > 30
    wrong = [(r.table, r.name, r.value, fp.reason if fp and fp.reason else exp) for _, r, fp, exp in rows
             if exp != r.value]
    ratio = 1 - len(wrong) / len(rows)
    with capsys.disabled():
        print(f"\n{project}: {len(rows) - len(wrong)}/{len(rows)} recorded fingerprints reproduced ({ratio:.1%})")
    assert ratio >= REQUIRED[project], wrong


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
    records = F.records_from_facts(facts)
    plain = F.compare(F.world_from_facts(facts, root, ()), records)
    with_ovo = F.compare(F.world_from_facts(facts, root, (ovo,)), records)
    assert [exp for *_, exp in with_ovo] == [exp for *_, exp in plain]
    assert all(exp == r.value for _, r, _, exp in with_ovo)
