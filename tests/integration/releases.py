"""Pinned releases of real projects, downloaded once from the package index
(``pip download --no-deps``) into a cache and unpacked there. Wheels of these
projects ship their full source and unit tests."""

from __future__ import annotations

import glob
import re
import os
import subprocess
import sys
import zipfile

RELEASES = {
    "nova": "34.0.0",
    "cinder": "29.0.0",
    "neutron": "29.0.0",
    "ironic": "39.0.0",
    "manila": "23.0.1",
    "openstack-heat": "27.0.1",
    "glance": "33.0.0",
    "keystone": "30.0.0",
    # adopted without tuning (issue 10): projects nobody here had looked at
    "masakari": "22.0.0",
    "zun": "18.0.0",
    "magnum": "23.0.0",
    "octavia": "19.0.0",
    "designate": "23.0.0",
    "tacker": "16.0.0",
    "mistral": "23.0.0",
    "senlin": "16.0.0",
    "neutron-lib": None,  # version chosen by the neutron tests that need it
}


# the release just before the pinned one, for the release-pair (report) tests
PREVIOUS = {
    "nova": "33.0.0",
    "cinder": "28.0.0",
    "neutron": "28.0.0",
    "ironic": "38.0.0",
}


class Unavailable(Exception):
    """The package index cannot be reached: the caller skips."""


def cache_root() -> str:
    env = os.environ.get("UPGRADELINT_RELEASES_DIR")
    if env:
        return env
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "upgradelint-releases")


def tree(name: str, version: str | None = None) -> str:
    """Path of the unpacked release (downloaded on first use)."""
    version = version or RELEASES[name]
    root = cache_root()
    dest = os.path.join(root, "trees", f"{name}-{version}")
    if os.path.isfile(os.path.join(dest, ".complete")):
        return dest
    wheels = os.path.join(root, "wheels")
    os.makedirs(wheels, exist_ok=True)
    dist = re.sub(r"[-.]", "_", name)
    found = glob.glob(os.path.join(wheels, f"{dist}-{version}-*.whl"))
    if not found:
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
             "-q", "-d", wheels, f"{name}=={version}"], capture_output=True, text=True, timeout=600)
        found = glob.glob(os.path.join(wheels, f"{dist}-{version}-*.whl"))
        if proc.returncode != 0 or not found:
            err = (proc.stderr or proc.stdout).strip().splitlines()
            msg = err[-1] if err else f"exit {proc.returncode}"
            if any(s in (proc.stderr or "") for s in ("Could not fetch", "connection", "Connection", "NewConnectionError",
                                                    "Temporary failure", "No matching distribution")):
                raise Unavailable(f"cannot download {name}=={version}: {msg}")
            raise RuntimeError(f"pip download {name}=={version} failed: {msg}")
    tmp = dest + ".partial"
    if os.path.isdir(tmp):
        import shutil

        shutil.rmtree(tmp)
    with zipfile.ZipFile(found[0]) as zf:
        zf.extractall(tmp)
    open(os.path.join(tmp, ".complete"), "w").close()
    if os.path.isdir(dest):
        import shutil

        shutil.rmtree(dest)
    os.replace(tmp, dest)
    return dest


# commits that come out the same on every machine: fixed identity and dates
_PAIR_ENV = {"GIT_AUTHOR_NAME": "upgradelint", "GIT_AUTHOR_EMAIL": "upgradelint@example.com",
             "GIT_COMMITTER_NAME": "upgradelint", "GIT_COMMITTER_EMAIL": "upgradelint@example.com",
             "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
             "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


def pair(name: str) -> str:
    """A git repository holding the previous and the pinned release of ``name``
    (its package directory), committed in that order on ``main`` and tagged
    with their versions. Built once in the cache; the commits are
    reproducible."""
    import shutil

    old, new = PREVIOUS[name], RELEASES[name]
    dest = os.path.join(cache_root(), "pairs", f"{name}-{old}-{new}")
    if os.path.isfile(os.path.join(dest, ".git", "upgradelint-complete")):
        return dest
    trees = [(v, tree(name, v)) for v in (old, new)]
    tmp = dest + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)

    def git(*args):
        subprocess.run(("git", *args), cwd=tmp, check=True, capture_output=True, env={**os.environ, **_PAIR_ENV})

    git("init", "-q", "-b", "main")
    package = name.replace("-", "_")
    for version, src in trees:
        shutil.rmtree(os.path.join(tmp, package), ignore_errors=True)
        shutil.copytree(os.path.join(src, package), os.path.join(tmp, package),
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        git("add", "-A")
        git("commit", "-q", "-m", f"{name} {version}")
        git("tag", version)
    git("gc", "-q")  # packed, as a real clone is
    open(os.path.join(tmp, ".git", "upgradelint-complete"), "w").close()
    shutil.rmtree(dest, ignore_errors=True)
    os.replace(tmp, dest)
    return dest


def tagged(name: str, dest_root: str) -> str:
    """The release committed into a scratch git repository and tagged with its
    version, as a real checkout of that release is (released history is then
    known to upgradelint)."""
    from upgradelint.engine.gitbase import scratch

    import shutil

    version = RELEASES[name]
    dest = os.path.join(dest_root, f"{name}-{version}")
    if os.path.isdir(os.path.join(dest, ".git")):
        return dest
    shutil.copytree(tree(name), dest, ignore=shutil.ignore_patterns(".complete"))
    scratch(dest, "init", "-q", "-b", "master")
    scratch(dest, "add", "-A")
    scratch(dest, "commit", "-q", "-m", f"{name} {version}")
    scratch(dest, "tag", version)
    return dest
