"""The rpc family's ``ast`` route for files read only as context or as a base
version (``families/rpc/quick.py``) gives the LibCST extractor's facts, on
every file of the pinned release trees the rpc family wants; and it does
answer for the big server modules it is there for."""

import os

import pytest

from upgradelint.core.model import FileFacts
from upgradelint.core.source import decode
from upgradelint.engine.facts import extract
from upgradelint.engine.pipeline import wanted_families
from upgradelint.families.rpc.quick import quick_extract

from tests.integration.test_release_trees import PROJECTS

RPC = "upgradelint.families.rpc"
# the context files the route is for: servers next to a changed client
SERVERS = {"nova": ["nova/compute/manager.py", "nova/conductor/manager.py", "nova/scheduler/manager.py"],
           "cinder": ["cinder/volume/manager.py", "cinder/scheduler/manager.py", "cinder/backup/manager.py"],
           "manila": ["manila/share/manager.py"], "ironic": ["ironic/conductor/manager.py"]}


def rpc_files(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                with open(path, "rb") as fh:
                    text = decode(fh.read())
                fams = wanted_families(rel, text)
                if RPC in fams:
                    yield rel, text, fams


@pytest.mark.parametrize("project", PROJECTS)
def test_quick_rpc_facts_are_the_libcst_facts(project, release_tree):
    root = release_tree(project)
    answered = set()
    for rel, text, fams in rpc_files(root):
        if quick_extract(rel, text, FileFacts()):
            answered.add(rel)
        assert extract(rel, text, fams, quick=True) == extract(rel, text, fams), rel
    assert set(SERVERS.get(project, ())) <= answered
