"""Full-tree runs over pinned real releases: no crash, no file errors, and the
failing findings per family equal the explained list in expected/.

Each release is also checked as a real checkout of it is: committed and
tagged with its version. Its migrations are then released history, so no
migration finding may fail, and every other failing finding is one of the
explained ones.

An expected file holds one finding per line, ``CODE path symbol``; every line
there is a true finding explained in its comment block. An empty (or missing)
file means the family must report nothing failing on that release."""

import os

import pytest

from upgradelint import engine

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECTS = ["nova", "cinder", "neutron", "ironic", "manila", "openstack-heat", "glance", "keystone"]
# adopted without tuning (issue 10): nobody here had looked at these before
ADOPTED = ["masakari", "zun", "magnum", "octavia", "designate", "tacker", "mistral", "senlin"]
MIN_FILES = {"masakari": 150}
FAMILIES = {"1": "rpc", "2": "objects", "3": "migrations"}
_RESULTS = {}


def run_tree(path):
    if path not in _RESULTS:
        _RESULTS[path] = engine.check(engine.Options(root=path, paths=[path], jobs=None, use_cache=True))
    return _RESULTS[path]


def expected(project, family):
    path = os.path.join(HERE, "expected", f"{project}-{family}.txt")
    if not os.path.exists(path):
        return set()
    with open(path, encoding="utf-8") as fh:
        return {tuple(line.split(None, 2)) for line in fh.read().splitlines() if line.strip() and not line.startswith("#")}


@pytest.mark.parametrize("project", PROJECTS + ADOPTED)
def test_release_tree_has_no_errors(project, release_tree):
    result = run_tree(release_tree(project))
    assert result.errors == []
    assert result.checked > MIN_FILES.get(project, 300)


@pytest.mark.parametrize("family", sorted(FAMILIES.values()))
@pytest.mark.parametrize("project", PROJECTS + ADOPTED)
def test_release_tree_findings_are_the_explained_ones(project, family, release_tree):
    result = run_tree(release_tree(project))
    digit = {v: k for k, v in FAMILIES.items()}[family]
    got = {(f.code, f.path, f.symbol) for f in result.findings if f.failing and f.code[3] == digit}
    assert got == expected(project, family)


@pytest.mark.parametrize("project", PROJECTS + ADOPTED)
def test_tagged_release_accepts_its_migrations(project, tagged_tree):
    result = run_tree(tagged_tree(project))
    assert result.errors == []
    failing = {(f.code, f.path, f.symbol) for f in result.findings if f.failing}
    assert {f for f in failing if f[0].startswith("UPG3")} == set()
    others = set().union(*(expected(project, fam) for fam in ("rpc", "objects")))
    assert failing == others
    accepted = [f for f in result.findings if f.code.startswith("UPG3") and f.accepted]
    assert all(f.severity == "info" for f in accepted)
