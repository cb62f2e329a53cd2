"""The CI formats: golden files for every format, the SARIF and rdjson output
validated against their published JSON schemas, the others field by field.

Regenerate the golden files with ``UPGRADELINT_UPDATE_GOLDEN=1 pytest tests/test_formats.py``
and review the diff."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import jsonschema
import pytest

from upgradelint import __version__
from upgradelint.frontends import cli
from upgradelint.formats import FORMATS, render
from upgradelint.formats import _common, github
from upgradelint.core.model import FileError, Finding, Replacement, Result

HERE = Path(__file__).parent
FIXTURE = HERE / "fixtures" / "formats"
GOLDEN = HERE / "golden"
SCHEMAS = HERE / "schemas"
CI_FORMATS = ("sarif", "github", "gerrit", "zuul", "rdjson", "codeclimate")
EXT = {"github": "txt"}

RPC_MSG = ("SchedulerAPI.update_aggregates: 'update_aggregates' is sent without a version and goes out "
           "as the target's 4.3; pin prepare(version='X.Y')")
RPC2_MSG = ("SchedulerAPI.sync_instance_info: 'sync_instance_info' is sent without a version and goes out "
            "as the target's 4.3; pin prepare(version='X.Y')")
OBJ_MSG = "Flavor: fields changed (added 'memory_mb') but VERSION is still '1.1'; bump it to '1.2'"
MIG_PATH = "nova/db/main/migrations/versions/3c5a,drop:locked_by.py"
MIG_MSG = "drop_column('instances', 'locked_by') in upgrade() drops 100% of a column N-1 still maps"


def sample() -> Result:
    """Findings in three files: one-line and multi-line spans, every severity,
    a fix, a non-ASCII line, a path with ',' and ':', and a file error."""
    return Result(
        findings=[
            Finding("UPG301", MIG_PATH, 8, 4, 9, 5, MIG_MSG, "warning", "upgrade"),
            Finding("UPG201", "nova/objects/flavor.py", 9, 14, 9, 19, OBJ_MSG, "error", "Flavor.VERSION",
                    fix=Replacement(9, 14, 9, 19, "'1.2'", description="Bump Flavor.VERSION to 1.2")),
            Finding("UPG101", "nova/scheduler/rpcapi.py", 18, 16, 18, 48, RPC_MSG, "error",
                    "SchedulerAPI.update_aggregates"),
            Finding("UPG101", "nova/scheduler/rpcapi.py", 22, 15, 22, 47, RPC2_MSG, "info",
                    "SchedulerAPI.sync_instance_info"),
        ],
        errors=[FileError("nova/broken.py", "cannot parse: line 3, column 9: invalid syntax")],
        checked=4,
    )


FAKE_RULES = {
    "UPG101": _common.RuleMeta("UPG101", "unversioned-rpc-send", "error", "Checks for RPC sends without a version.",
                               "Checks for RPC sends without a version. And for float versions.",
                               "N-1 servers reject the message."),
    "UPG201": _common.RuleMeta("UPG201", "object-fields-changed-without-version-bump", "error",
                               "Checks for object fields changed while VERSION stayed the same.",
                               "Checks for object fields changed while VERSION stayed the same.",
                               "An old conductor gets fields it does not know."),
    "UPG301": _common.RuleMeta("UPG301", "drop-column", "error",
                               "Checks for drop_column in upgrade() outside a contract phase.",
                               "Checks for drop_column in upgrade() outside a contract phase.",
                               "N-1 services still select the column."),
}


@pytest.fixture
def fake_rules(monkeypatch):
    """Rule metadata pinned for the golden files, so that new rules or edited
    rule docs do not churn them."""
    monkeypatch.setattr(_common, "rules_meta", lambda: dict(FAKE_RULES))


@pytest.fixture
def root(tmp_path):
    """The fixture tree, copied outside any git work tree."""
    dest = tmp_path / "project"
    shutil.copytree(FIXTURE, dest)
    return str(dest)


def out(fmt: str, root: str, result: Result | None = None) -> str:
    return render(fmt, result or sample(), root=root)


def doc(fmt: str, root: str, result: Result | None = None):
    return json.loads(out(fmt, root, result))


# -- golden files -------------------------------------------------------------


@pytest.mark.parametrize("fmt", CI_FORMATS)
def test_golden(fmt, root, fake_rules):
    text = out(fmt, root).replace(f'"{__version__}"', '"<version>"')
    path = GOLDEN / f"sample.{fmt}.{EXT.get(fmt, 'json')}"
    if os.environ.get("UPGRADELINT_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs; see the module docstring"


def test_every_format_is_registered():
    assert set(CI_FORMATS) <= set(FORMATS)
    for fmt in CI_FORMATS:
        assert out(fmt, "", Result()).endswith("\n")


# -- SARIF --------------------------------------------------------------------


@pytest.fixture(scope="module")
def sarif_validator():
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def test_sarif_validates_against_the_schema(root, sarif_validator, fake_rules):
    sarif_validator.validate(doc("sarif", root))


def test_sarif_with_the_real_rules_validates(root, sarif_validator):
    from upgradelint.core.registry import registry

    d = doc("sarif", root)
    sarif_validator.validate(d)
    rules = d["runs"][0]["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == list(registry())
    for r in rules:
        assert r["helpUri"] == f"https://github.com/upgradelint/upgradelint/blob/main/rules/{r['id']}.md"
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"] and r["help"]["text"]


def test_sarif_schema_rejects_a_broken_log(sarif_validator):
    bad = {"version": "2.0", "runs": []}
    assert list(sarif_validator.iter_errors(bad))


def test_sarif_fields(root, fake_rules):
    run = doc("sarif", root)["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == ["UPG101", "UPG201", "UPG301"]  # one entry per code
    assert rules[0]["name"] == "unversioned-rpc-send"
    assert rules[0]["shortDescription"]["text"] == "Unversioned RPC send"
    assert "N-1 servers reject the message." in rules[0]["help"]["text"]
    results = run["results"]
    assert len(results) == 4
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        assert list(r["partialFingerprints"]) == ["upgradelint/v1"]
        assert r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    mig, obj, rpc, note = results
    assert mig["level"] == "warning" and note["level"] == "note" and obj["level"] == "error"
    assert mig["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == MIG_PATH
    assert mig["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 8, "startColumn": 5, "endLine": 9, "endColumn": 6}
    fix = obj["fixes"][0]
    assert fix["description"]["text"] == "Bump Flavor.VERSION to 1.2"
    rep = fix["artifactChanges"][0]["replacements"][0]
    assert rep["deletedRegion"] == {"startLine": 9, "startColumn": 15, "endLine": 9, "endColumn": 20}
    assert rep["insertedContent"]["text"] == "'1.2'"
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"].startswith("cannot parse")
    assert run["invocations"][0]["executionSuccessful"] is True


def test_sarif_fingerprint_ignores_the_line(root, fake_rules):
    moved = Result(findings=[Finding("UPG201", "nova/objects/flavor.py", 40, 4, 40, 9, OBJ_MSG, "error",
                                     "Flavor.VERSION")])
    a = doc("sarif", root)["runs"][0]["results"][1]["partialFingerprints"]
    b = doc("sarif", root, moved)["runs"][0]["results"][0]["partialFingerprints"]
    assert a == b
    assert "primaryLocationLineHash" not in json.dumps(doc("sarif", root))


# -- GitHub workflow commands -------------------------------------------------


def test_github_commands(root, fake_rules):
    lines = out("github", root).splitlines()
    assert lines[0] == "::error file=nova/broken.py,title=upgradelint::cannot check: cannot parse: line 3, column 9: " \
                       "invalid syntax"
    # a multi-line finding: no col/endColumn; ',' and ':' escaped in the file property; '%' in the message
    assert lines[1] == ("::warning file=nova/db/main/migrations/versions/3c5a%2Cdrop%3Alocked_by.py,line=8,endLine=9,"
                        "title=UPG301 drop-column::drop_column('instances', 'locked_by') in upgrade() drops 100%25 "
                        "of a column N-1 still maps")
    assert lines[2] == ("::error file=nova/objects/flavor.py,line=9,endLine=9,col=15,endColumn=19,"
                        "title=UPG201 object-fields-changed-without-version-bump::" + OBJ_MSG)
    assert lines[4].startswith("::notice file=nova/scheduler/rpcapi.py,line=22,endLine=22,col=16,endColumn=47,")
    assert lines[5] == "upgradelint: 3 problems and 1 note in 3 files; 1 file could not be checked."
    assert len(lines) == 6


def test_github_escaping():
    assert github.escape_data("a%b\r\nc:d,e") == "a%25b%0D%0Ac:d,e"
    assert github.escape_property("a%b\r\nc:d,e") == "a%25b%0D%0Ac%3Ad%2Ce"
    want = "::error file=x%3Ay%2Cz.py,line=3::50%25%0Amore"
    assert github.command("error", "50%\nmore", file="x:y,z.py", line=3) == want


def test_github_limits_add_the_full_log(root, fake_rules):
    many = Result(findings=[Finding("UPG101", "a.py", n, 0, n, 4, f"send {n}", "error", f"A.m{n}")
                            for n in range(1, 13)])
    lines = out("github", root, many).splitlines()
    assert sum(1 for line in lines if line.startswith("::error ")) == 12
    assert "upgradelint: 12 problems in 1 file." in lines
    assert any("at most 10 annotations of each kind per step and 50 per job" in line for line in lines)
    assert lines[-1] == "a.py:12:1: UPG101 send 12"
    assert out("github", root, Result()) == "upgradelint: no problems found.\n"


# -- Gerrit ReviewInput ---------------------------------------------------------


def test_gerrit_review_input(root, fake_rules):
    d = doc("gerrit", root)
    assert d["tag"] == "autogenerated:upgradelint"
    assert d["message"] == "upgradelint: 3 problems and 1 note in 3 files."
    assert "robot_comments" not in d
    assert list(d["comments"]) == [MIG_PATH, "nova/objects/flavor.py", "nova/scheduler/rpcapi.py"]
    mig = d["comments"][MIG_PATH][0]
    assert mig == {"line": 8, "unresolved": True, "message": "UPG301 " + MIG_MSG + "\n\n" + _common.rule_url("UPG301")}
    obj = d["comments"]["nova/objects/flavor.py"][0]
    assert obj["line"] == 9
    assert obj["range"] == {"start_line": 9, "start_character": 14, "end_line": 9, "end_character": 19}
    assert obj["message"].startswith("UPG201 Flavor: fields changed")
    assert obj["unresolved"] is True
    assert obj["fix_suggestions"] == [{"description": "Bump Flavor.VERSION to 1.2", "replacements": [
        {"path": "nova/objects/flavor.py", "range": obj["range"], "replacement": "'1.2'"}]}]
    rpc, note = d["comments"]["nova/scheduler/rpcapi.py"]
    assert "fix_suggestions" not in rpc
    assert note["unresolved"] is False  # notes do not block


def test_gerrit_robot_comments_only_on_request(root, monkeypatch, capsys):
    monkeypatch.chdir(root)
    monkeypatch.setenv("UPGRADELINT_RUN_ID", "build-42")
    from upgradelint.formats import gerrit

    d = json.loads(gerrit.render(sample(), root=root, robot_comments=True, robot_run_id="build-42"))
    assert "comments" not in d
    c = d["robot_comments"]["nova/objects/flavor.py"][0]
    assert c["robot_id"] == "upgradelint" and c["robot_run_id"] == "build-42"
    assert c["url"] == _common.rule_url("UPG201")
    assert c["properties"]["code"] == "UPG201" and c["fix_suggestions"]
    # through the CLI flag, on a real run over the fixture tree
    assert cli.main(["check", "--no-cache", "--select", "UPG101", "--format", "gerrit", "--gerrit-robot-comments",
                     root]) == 1
    d = json.loads(capsys.readouterr().out)
    assert "comments" not in d and d["robot_comments"]
    assert {c["robot_run_id"] for cs in d["robot_comments"].values() for c in cs} == {"build-42"}


# -- Zuul -----------------------------------------------------------------------


def test_zuul_file_comments(root, fake_rules):
    d = doc("zuul", root)
    assert list(d) == [MIG_PATH, "nova/objects/flavor.py", "nova/scheduler/rpcapi.py"]
    for comments in d.values():
        for c in comments:
            assert set(c) <= {"line", "message", "level", "range"}
            assert isinstance(c["line"], int) and c["message"]
            assert c["level"] in ("error", "warning", "info")
    assert d[MIG_PATH][0] == {"line": 8, "level": "warning",
                              "message": "UPG301 " + MIG_MSG + "\n\n" + _common.rule_url("UPG301")}
    assert d["nova/scheduler/rpcapi.py"][0]["range"] == {
        "start_line": 18, "start_character": 16, "end_line": 18, "end_character": 48}
    assert d["nova/scheduler/rpcapi.py"][1]["level"] == "info"


# -- reviewdog rdjson -------------------------------------------------------------


def test_rdjson_validates_against_reviewdogs_schema(root, fake_rules):
    schema = json.loads((SCHEMAS / "reviewdog-DiagnosticResult.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(doc("rdjson", root))


def test_rdjson_fields(root, fake_rules):
    d = doc("rdjson", root)
    assert d["source"]["name"] == "upgradelint" and d["severity"] == "ERROR"
    mig, obj, rpc, note = d["diagnostics"]
    assert mig["severity"] == "WARNING" and note["severity"] == "INFO"
    assert mig["location"] == {"path": MIG_PATH, "range": {"start": {"line": 8, "column": 5},
                                                           "end": {"line": 9, "column": 6}}}
    assert obj["code"] == {"value": "UPG201", "url": _common.rule_url("UPG201")}
    # end exclusive: VERSION = '1.1' spans columns 15..19, the end is 20
    assert obj["location"]["range"] == {"start": {"line": 9, "column": 15}, "end": {"line": 9, "column": 20}}
    assert obj["suggestions"] == [{"range": obj["location"]["range"], "text": "'1.2'"}]
    assert rpc["location"]["range"]["start"] == {"line": 18, "column": 17}
    # line 22 has 'café' before the call: columns count UTF-8 bytes, so one more than code points
    line = (FIXTURE / "nova/scheduler/rpcapi.py").read_text(encoding="utf-8").splitlines()[21]
    assert line[15:19] == "self" and "é" in line[:15]
    assert note["location"]["range"] == {"start": {"line": 22, "column": 17}, "end": {"line": 22, "column": 49}}
    assert "suggestions" not in rpc


# -- GitLab Code Quality ----------------------------------------------------------


def test_codeclimate_fields(root, fake_rules):
    d = doc("codeclimate", root)
    assert isinstance(d, list) and len(d) == 4
    for issue in d:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["location"]["path"] and issue["location"]["lines"]["begin"] >= 1
    assert [i["severity"] for i in d] == ["minor", "major", "major", "info"]
    assert d[1]["description"] == "UPG201 " + OBJ_MSG and d[1]["check_name"] == "UPG201"
    assert d[0]["location"] == {"path": MIG_PATH, "lines": {"begin": 8, "end": 9}}
    assert d[1]["fingerprint"] == sample().findings[1].fingerprint
    assert len({i["fingerprint"] for i in d}) == len(d)


def test_codeclimate_fingerprints_stay_unique(root):
    f = Finding("UPG101", "a.py", 3, 0, 3, 4, "same", "error", "A.m")
    twice = Result(findings=[f, Finding("UPG101", "a.py", 9, 0, 9, 4, "same", "error", "A.m")])
    fps = [i["fingerprint"] for i in doc("codeclimate", root, twice)]
    assert fps[0] == f.fingerprint and len(set(fps)) == 2


# -- paths ----------------------------------------------------------------------


def test_paths_are_repository_relative(tmp_path, fake_rules):
    (tmp_path / ".git").mkdir()
    sub = tmp_path / "services" / "nova"
    shutil.copytree(FIXTURE, sub)
    assert _common.repo_prefix(str(sub)) == "services/nova/"
    assert _common.repo_prefix(str(tmp_path)) == ""
    want = "services/nova/nova/objects/flavor.py"
    assert want in doc("zuul", str(sub))
    assert want in doc("gerrit", str(sub))["comments"]
    assert doc("codeclimate", str(sub))[1]["location"]["path"] == want
    assert doc("rdjson", str(sub))["diagnostics"][1]["location"]["path"] == want
    # byte columns are still read from the project root
    assert doc("rdjson", str(sub))["diagnostics"][3]["location"]["range"]["start"]["column"] == 17
    sarif = doc("sarif", str(sub))["runs"][0]["results"][1]
    assert sarif["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == want
    assert f"file={want}," in out("github", str(sub))


def test_check_cli_writes_every_format(root, capsys, sarif_validator):
    for fmt in CI_FORMATS:
        assert cli.main(["check", "--no-cache", "--select", "UPG101", "--format", fmt, root]) == 1
        text = capsys.readouterr().out
        if fmt == "github":
            assert text.count("::error ") == 2
        else:
            d = json.loads(text)
            if fmt == "sarif":
                sarif_validator.validate(d)
                assert len(d["runs"][0]["results"]) == 2


def test_a_fix_across_files_in_sarif_gerrit_and_rdjson(root, sarif_validator, fake_rules):
    from upgradelint.core.model import Edit, Fix

    fix = Fix((Edit("nova/objects/flavor.py", 9, 14, 9, 19, "'1.2'"),
               Edit("nova/tests/unit/objects/test_objects.py", 3, 14, 3, 52, "'1.2-abc'"),
               Edit("nova/objects/flavor.py", 20, 0, 20, 0, "    def obj_make_compatible(self, p, v):\n", safe=False)),
              "Bump Flavor.VERSION to 1.2")
    res = Result(findings=[Finding("UPG201", "nova/objects/flavor.py", 9, 14, 9, 19, OBJ_MSG, "error",
                                   "Flavor.VERSION", fix=fix)], checked=1)
    sarif = doc("sarif", root, res)
    sarif_validator.validate(sarif)
    safe, whole = sarif["runs"][0]["results"][0]["fixes"]
    assert safe["properties"] == {"safe": True} and whole["properties"] == {"safe": False}
    assert [c["artifactLocation"]["uri"] for c in safe["artifactChanges"]] == [
        "nova/objects/flavor.py", "nova/tests/unit/objects/test_objects.py"]
    assert len(whole["artifactChanges"][0]["replacements"]) == 2
    gerrit = doc("gerrit", root, res)
    (c,) = gerrit["comments"]["nova/objects/flavor.py"]
    assert [len(s["replacements"]) for s in c["fix_suggestions"]] == [2, 3]
    assert c["fix_suggestions"][0]["description"] == "Bump Flavor.VERSION to 1.2 (safe part)"
    # reviewdog suggestions live in the diagnostic's file: a fix touching another file is left out
    assert "suggestions" not in doc("rdjson", root, res)["diagnostics"][0]
