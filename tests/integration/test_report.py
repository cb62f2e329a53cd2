"""``upgradelint report`` on real release pairs: the previous and the pinned
release of nova, cinder, ironic and neutron, committed in order in a scratch
repository (releases.pair). Each report is checked against what the trees say
independently of upgradelint's facts:

- RPC versions against the newest entry of the clients' history docstrings,
  read here with ``ast`` and the spec's regex;
- object versions against the recorded fingerprints (object_data and friends);
- migrations against the migration files that appeared between the tags;
- the findings against ``check --base A``;

plus the notes and the removable-compat list, and the markdown against the
golden file read by hand (tests/golden/report-<project>.md; regenerate with
UPGRADELINT_UPDATE_GOLDEN=1 and read the diff)."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess

import pytest

from tests.helpers import console
from tests.integration import releases

PROJECTS = ("nova", "cinder", "ironic", "neutron")
NEUTRON_LIB = "5.0.0"
GOLDEN = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "golden")
HISTORY_RE = re.compile(r"^\s*(?:[*|]\s*)?(?:#\s*)?(\d+)\.(\d+)\s*[-:]?\s+(.*)$")  # spec rpc.md section 5
RECORD_TABLES = ("object_data", "notification_object_data", "expected_object_fingerprints")


@pytest.fixture(scope="module")
def reports():
    done = {}

    def get(project):
        if project not in done:
            try:
                repo = releases.pair(project)
                env = {}
                if project == "neutron":
                    env["UPGRADELINT_SOURCE_PATH"] = releases.tree("neutron-lib", NEUTRON_LIB)
            except releases.Unavailable as exc:
                pytest.skip(f"package index unreachable: {exc}")
            old, new = releases.PREVIOUS[project], releases.RELEASES[project]
            rng = f"{old}..{new}"
            p = console("report", rng, "--format", "json", cwd=repo, env=env)
            assert p.returncode == 0, p.stderr
            md = console("report", rng, "--format", "markdown", cwd=repo, env=env)
            assert md.returncode == 0, md.stderr
            chk = console("check", "--base", old, "--format", "json", cwd=repo, env=env)
            assert chk.returncode in (0, 1), chk.stderr
            done[project] = (repo, old, new, json.loads(p.stdout), md.stdout, json.loads(chk.stdout))
        return done[project]

    return get


def _show(repo, ref, path) -> str | None:
    p = subprocess.run(["git", "show", f"{ref}:{path}"], cwd=repo, capture_output=True, text=True)
    return p.stdout if p.returncode == 0 else None


def _files(repo, ref) -> list[str]:
    out = subprocess.run(["git", "ls-tree", "-r", "--name-only", ref], cwd=repo, capture_output=True, text=True,
                         check=True).stdout
    return out.splitlines()


def _histories(source: str) -> dict:
    """class -> newest version in its docstring history."""
    out = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            doc = ast.get_docstring(node, clean=False) or ""
            found = [(int(m.group(1)), int(m.group(2))) for line in doc.splitlines()
                     if not line.strip().startswith("...") and (m := HISTORY_RE.match(line))]
            if found:
                out[node.name] = "%d.%d" % max(found)
    return out


def _records(repo, ref) -> dict:
    """object name -> recorded version (the X.Y of 'X.Y-md5'), from every test that records fingerprints."""
    out = {}
    for path in _files(repo, ref):
        if not path.endswith(("test_objects.py", "test_notification.py")):
            continue
        for node in ast.parse(_show(repo, ref, path)).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                    getattr(node.targets[0], "id", None) in RECORD_TABLES and isinstance(node.value, ast.Dict):
                for k, v in zip(node.value.keys, node.value.values):
                    if isinstance(k, ast.Constant) and isinstance(v, ast.Constant):
                        out[k.value] = v.value.split("-", 1)[0]
    return out


@pytest.mark.parametrize("project", PROJECTS)
def test_rpc_versions_match_the_history_docstrings(reports, project):
    repo, old, new, doc, _, _ = reports(project)
    entries = {(e["path"], e["class"]): e for e in doc["rpc"]}
    for e in doc["rpc"]:
        if e["recorded_as"] == "history":
            if e["to"] is not None:
                assert _histories(_show(repo, new, e["path"]))[e["class"]] == e["to"]
            if e["from"] is not None:
                assert _histories(_show(repo, old, e["path"]))[e["class"]] == e["from"]
    # every rpcapi module's client whose newest history entry moved has an entry saying so
    for path in _files(repo, new):
        if not path.endswith("rpcapi.py"):
            continue
        before = _histories(_show(repo, old, path) or "")
        for cls, version in _histories(_show(repo, new, path)).items():
            if before.get(cls) != version:
                e = entries[(path, cls)]
                assert (e["from"], e["to"]) == (before.get(cls), version)


@pytest.mark.parametrize("project", PROJECTS)
def test_object_versions_match_the_recorded_fingerprints(reports, project):
    repo, old, new, doc, _, _ = reports(project)
    rec_old, rec_new = _records(repo, old), _records(repo, new)
    changed = {n: (rec_old.get(n), v) for n, v in rec_new.items() if rec_old.get(n) != v}
    got = {o["name"]: (o["from"], o["to"]) for o in doc["objects"] if o["from"] != o["to"]}
    assert got == changed
    for o in doc["objects"]:
        if o["to"] is not None and o["fingerprint"]["computed"] is not None:
            assert o["fingerprint"]["up_to_date"], o  # these releases record their hashes correctly


@pytest.mark.parametrize("project", PROJECTS)
def test_migrations_are_the_files_that_appeared(reports, project):
    repo, old, new, doc, _, _ = reports(project)
    out = subprocess.run(["git", "diff", "--name-status", "--no-renames", old, new], cwd=repo, capture_output=True,
                         text=True, check=True).stdout
    appeared = {line.split("\t")[1] for line in out.splitlines() if line.startswith("A\t")}
    appeared = {p for p in appeared if "/versions/" in p and p.endswith(".py") and not p.endswith("__init__.py")
                and "/tests/" not in p}
    assert {m["path"] for m in doc["migrations"]} == appeared
    revisions = [m["revision"] for m in doc["migrations"]]
    for m in doc["migrations"]:  # in the order they run: a parent comes before its children
        for parent in m["down_revision"]:
            if parent in revisions:
                assert revisions.index(parent) < revisions.index(m["revision"])


@pytest.mark.parametrize("project", PROJECTS)
def test_findings_are_check_base(reports, project):
    _, _, _, doc, _, check = reports(project)
    assert doc["findings"] == check["findings"]


@pytest.mark.parametrize("project", PROJECTS)
def test_markdown_matches_the_golden_file(reports, project):
    _, _, _, _, md, _ = reports(project)
    path = os.path.join(GOLDEN, f"report-{project}.md")
    if os.environ.get("UPGRADELINT_UPDATE_GOLDEN"):
        with open(path, "w") as fh:
            fh.write(md)
    with open(path) as fh:
        assert md == fh.read()


def _constant(source: str, name: str, cls: str | None = None):
    """A literal module constant (or class attribute of ``cls``)."""
    body = ast.parse(source).body
    if cls is not None:
        body = next(n.body for n in body if isinstance(n, ast.ClassDef) and n.name == cls)
    for node in body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return ast.literal_eval(node.value)
    return None


def test_nova_notes_and_removable_compat(reports):
    repo, old, new, doc, _, _ = reports("nova")
    [compute] = [e for e in doc["rpc"] if e["class"] == "ComputeAPI"]
    aliases = [_constant(_show(repo, ref, "nova/compute/rpcapi.py"), "VERSION_ALIASES", "ComputeAPI")
               for ref in (old, new)]
    assert compute["aliases_added"] == {k: v for k, v in aliases[1].items() if k not in aliases[0]} != {}
    assert any("VERSION_ALIASES gains" in n and "ComputeAPI" in n for n in doc["notes"])
    sv = {t["name"]: t for t in doc["tables"]}["SERVICE_VERSION_HISTORY"]
    svo = _constant(_show(repo, old, "nova/objects/service.py"), "SERVICE_VERSION")
    svn = _constant(_show(repo, new, "nova/objects/service.py"), "SERVICE_VERSION")
    assert sv["changed"]["SERVICE_VERSION"] == {"from": svo, "to": svn}
    removable = {r["class"]: r for r in doc["removable_compat"]}
    floor = _histories(_show(repo, old, "nova/compute/rpcapi.py"))["ComputeAPI"]
    assert removable["ComputeAPI"]["floor"] == floor
    assert {"kind": "endpoint", "class": "_ComputeV5Proxy", "version": "5.13"} in removable["ComputeAPI"]["compat"]
    assert all(tuple(map(int, c["version"].split("."))) <= tuple(map(int, floor.split(".")))
               for c in removable["ComputeAPI"]["compat"])
    # nova's tables give the window: the expired compat is UPG110's, and the caveat goes
    expired = {(f["path"], f["symbol"]) for f in doc["expired_compat"]}
    assert ("nova/compute/manager.py", "_ComputeV5Proxy") in expired
    assert not any("release window" in u for u in doc["unknown"])


def test_cinder_removable_compat(reports):
    repo, old, _, doc, _, _ = reports("cinder")
    removable = {r["class"]: r for r in doc["removable_compat"]}
    assert removable["VolumeAPI"]["floor"] == _histories(_show(repo, old, "cinder/volume/rpcapi.py"))["VolumeAPI"]
    count = len(removable["VolumeAPI"]["compat"])
    assert any(f"VolumeAPI {count}" in n and "can go once" in n for n in doc["notes"])


def test_ironic_release_mapping_and_notes(reports):
    repo, old, new, doc, _, _ = reports("ironic")
    path = "ironic/common/release_mappings.py"
    before, after = (_constant(_show(repo, ref, path), "RELEASE_MAPPING") for ref in (old, new))
    [t] = [t for t in doc["tables"] if t["name"] == "RELEASE_MAPPING"]
    assert set(t["added"]) == set(after) - set(before)
    assert {k: v for k, v in t["added"].items()} == {k: after[k] for k in t["added"]}
    assert any("RELEASE_MAPPING gains" in n for n in doc["notes"])


def test_neutron_branches_and_notes(reports):
    repo, old, new, doc, _, _ = reports("neutron")
    for m in doc["migrations"]:
        assert m["branch"] == ("expand" if "/expand/" in m["path"] else "contract")
        assert "neutron-db-manage upgrade --" + m["branch"] in m["step"]
    out = subprocess.run(["git", "diff", "--name-status", "--no-renames", old, new], cwd=repo, capture_output=True,
                         text=True, check=True).stdout
    gone = [line for line in out.splitlines() if line.startswith("D\t") and "/versions/" in line
            and line.endswith(".py") and "EXPAND" not in line]
    if gone:
        assert any(f"{len(gone)} migrations of {old} are gone" in n for n in doc["notes"])
