"""The release window (UPG109/UPG110) on the tables real projects keep: nova's
VERSION_ALIASES, OLDEST_SUPPORTED_SERVICE_VERSION, SERVICE_VERSION_ALIASES and
SERVICE_VERSION_HISTORY (nova 33.0.0 is 2026.1 Gazpacho and supports Epoxy;
34.0.0 is 2026.2 Hibiscus and supports Gazpacho), cinder's OBJ_VERSIONS
history, ironic's RELEASE_MAPPING. The diff tests edit a copy of the real
modules the way a change would."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile

import pytest

from upgradelint import engine
from upgradelint.testing import GIT_ENV


def _git(root, *args):
    subprocess.run(("git", *args), cwd=root, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def run(root, select, base=None):
    result = engine.check(engine.Options(root=root, paths=[root], base=base, use_cache=True, select=select))
    assert not result.errors
    return result.findings


@pytest.fixture
def repo(release_tree):
    """A git repository holding some real files of a release: (root, the files' text)."""
    made = []

    def make(project, version, files):
        tree = release_tree(project, version)
        tmp = tempfile.mkdtemp(prefix=f"upgradelint-{project}-")
        made.append(tmp)
        for rel in files:
            os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
            shutil.copy(os.path.join(tree, rel), os.path.join(tmp, rel))
        with open(os.path.join(tmp, "pyproject.toml"), "w") as fh:
            fh.write("[project]\nname = 'replay'\n")
        _git(tmp, "init", "-q", "-b", "main")
        _git(tmp, "add", "-A")
        _git(tmp, "commit", "-q", "-m", "release")
        return tmp

    yield make
    for tmp in made:
        shutil.rmtree(tmp, ignore_errors=True)


def edit(root, rel, change):
    path = os.path.join(root, rel)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    new = change(text)
    assert new != text, "the edit must change the file"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(new)


# ---------------------------------------------------------------- nova

NOVA_FILES = ["nova/compute/rpcapi.py", "nova/objects/service.py"]


@pytest.mark.parametrize("version,oldest,speaks,alt_server_dead", [
    ("33.0.0", "epoxy", "6.4", False),
    ("34.0.0", "gazpacho", "6.5", True),
])
def test_nova_expired_compat_follows_the_stated_oldest_release(release_tree, version, oldest, speaks,
                                                              alt_server_dead):
    findings = run(release_tree("nova", version), ("UPG110",))
    assert findings and all(f.severity == "info" for f in findings)
    by_symbol = {f.symbol: f.message for f in findings if f.path == "nova/compute/rpcapi.py"}
    assert f"older than {oldest} (speaks {speaks})" in by_symbol["ComputeAPI._ver"]
    assert "RPC < 6.2, < 6.1" in by_symbol["ComputeAPI.rebuild_instance"]
    assert "RPC < 6.4" in by_symbol["ComputeAPI.allow_share"]
    assert ("ComputeAPI.prepare_for_alt_rpcserver" in by_symbol) is alt_server_dead
    proxy = [f for f in findings if f.symbol == "_ComputeV5Proxy"]
    assert len(proxy) == 1 and proxy[0].path == "nova/compute/manager.py"


def test_nova_fallback_removed_while_epoxy_is_supported(repo):
    root = repo("nova", "33.0.0", NOVA_FILES)
    edit(root, "nova/compute/rpcapi.py", lambda t: re.sub(
        r"\n        if not client\.can_send_version\('6\.5'\):\n(?:            .*\n|                    .*\n)+", "\n", t,
        count=1))
    got = [(f.code, f.symbol, f.message) for f in run(root, ("UPG109",), base="HEAD")]
    assert got == [("UPG109", "ComputeAPI.prepare_for_alt_rpcserver.6.5",
                    "ComputeAPI.prepare_for_alt_rpcserver: can_send_version('6.5') fallback removed, but epoxy is "
                    "still supported and speaks 6.4; keep it")]


def test_nova_gate_removed_once_epoxy_speaks_it(repo):
    root = repo("nova", "33.0.0", NOVA_FILES)
    edit(root, "nova/compute/rpcapi.py", lambda t: t.replace(
        """        if not client.can_send_version(version):
            raise exception.UnsupportedRPCVersion(
                    api="allow_share",
                    required=version)
""", "", 1))
    assert run(root, ("UPG109",), base="HEAD") == []


# ---------------------------------------------------------------- cinder

CINDER_FILES = ["cinder/objects/base.py", "cinder/objects/volume.py"]


def _with_backport(version):
    """A Volume backport for ``version`` (written for the test; cinder has none today)."""
    major, minor = version.split(".")

    def add(text):
        return text.replace("    def obj_load_attr(self, attrname):", f"""    def obj_make_compatible(self, primitive, target_version):
        super(Volume, self).obj_make_compatible(primitive, target_version)
        target_version = versionutils.convert_version_to_tuple(target_version)
        if target_version < ({major}, {minor}):
            primitive.pop('use_quota', None)

    def obj_load_attr(self, attrname):""", 1)
    return add


@pytest.mark.parametrize("version,removal_flagged", [("1.9", True), ("1.8", False)])
def test_cinder_backport_removed_against_obj_versions(repo, release_tree, version, removal_flagged):
    tree = release_tree("cinder")
    root = repo("cinder", None, CINDER_FILES)
    edit(root, "cinder/objects/volume.py", _with_backport(version))
    # OBJ_VERSIONS' oldest set (1.38) lists Volume 1.8: a 1.9 backport is live, a 1.8 one is dead
    notes = [f for f in run(root, ("UPG110",)) if f.path == "cinder/objects/volume.py"]
    assert bool(notes) is not removal_flagged
    if notes:
        assert notes[0].message == ("Volume.obj_make_compatible: backport for < 1.8 serves only versions older "
                                    "than OBJ_VERSIONS 1.38 (Volume 1.8); it can go")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "with the backport")
    shutil.copy(os.path.join(tree, "cinder/objects/volume.py"), os.path.join(root, "cinder/objects/volume.py"))
    got = [f.message for f in run(root, ("UPG109",), base="HEAD")]
    if removal_flagged:
        assert got == ["Volume.obj_make_compatible: backport for < 1.9 removed, but OBJ_VERSIONS 1.38 still lists "
                       "Volume 1.8; keep it"]
    else:
        assert got == []


def test_cinder_rpc_clients_record_no_release_window(release_tree):
    """cinder's RPC history docstrings name releases only up to Newton and it
    keeps no alias table: its RPC compat is not judged (objects are)."""
    findings = run(release_tree("cinder"), ("UPG109", "UPG110"))
    assert not [f for f in findings if f.path.endswith("rpcapi.py")]


# ---------------------------------------------------------------- ironic

def test_ironic_release_mapping_window(release_tree):
    findings = run(release_tree("ironic"), ("UPG110",))
    heartbeat = [f.message for f in findings if f.symbol == "ConductorAPI.heartbeat"]
    assert heartbeat == ["ConductorAPI.heartbeat: compat for RPC < 1.54, < 1.51, < 1.49, < 1.42 serves only releases "
                         "older than gazpacho (speaks 1.62); it can go"]
