"""The rpc family's ``ast`` route (``families/rpc/quick.py``, for files read
only as context or as a base version) gives the LibCST facts or declines: on
the rpc fixtures, and on the constructs where the parsers could disagree."""

import glob
import os
import textwrap

import pytest

from upgradelint.core.model import FileFacts
from upgradelint.engine.facts import extract
from upgradelint.engine.pipeline import wanted_families
from upgradelint.families.rpc.quick import quick_extract

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = sorted(glob.glob(os.path.join(ROOT, "tests", "fixtures", "rpc", "**", "*.py"), recursive=True))


def both(rel, text):
    fams = wanted_families(rel, text)
    return extract(rel, text, fams, quick=True), extract(rel, text, fams)


def test_fixtures_give_the_libcst_facts():
    answered = 0
    for path in FIXTURES:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        # the path inside the scenario's tree (tests/fixtures/rpc/<scenario>/<side>/...): under tests/ the
        # prefilter would refuse every file and the two routes would agree on nothing
        rel = os.path.relpath(path, ROOT).split(os.sep, 5)[-1].replace(os.sep, "/")
        quick, full = both(rel, text)
        assert quick == full, rel
        answered += quick_extract(rel, text, FileFacts())
    assert answered >= 10


SERVER = '''
import oslo_messaging as messaging

NS = 'compute'
BASE = '6.%d'


class ComputeManager(object):
    """A server."""

    target = messaging.Target(version=BASE % 4, namespace=NS)

    def __init__(self):
        self.additional_endpoints.append(_ComputeV5Proxy(self))

    @periodic_task.periodic_task
    def _tick(self, ctxt):
        pass

    @staticmethod
    def helper(x):
        pass

    async  def build_and_run_instance(self, context, instance, /, image, *, node=None, limits, **kw):
        pass

    def résumé(self, ctxt, é='ü'): pass


class _ComputeV5Proxy(object):
    target = messaging.Target(version='5.13')

    def __init__(self, manager):
        self.manager = manager

    def reboot_instance(self, ctxt, instance, reboot_type=None):
        return self.manager.reboot_instance(ctxt, instance, reboot_type)


class Other(object):
    RPC_API_VERSION = other.API.RPC_API_VERSION
'''


def test_a_server_module_is_answered_with_the_libcst_facts():
    quick, full = both("nova/compute/manager.py", SERVER)
    assert quick_extract("nova/compute/manager.py", SERVER, FileFacts())
    assert quick == full
    servers = full.extra["rpc"].servers
    assert [s.name for s in servers] == ["ComputeManager", "_ComputeV5Proxy", "Other"]
    assert servers[0].version == "6.4" and servers[0].namespace == "compute"
    assert servers[0].endpoints == ("_ComputeV5Proxy",)
    assert servers[2].version_ref == "other.API.RPC_API_VERSION"


@pytest.mark.parametrize("snippet", [
    # may be a client: a class without a target that names .call/.cast
    "class API(object):\n    def f(self, ctxt):\n        cctxt = self.client.prepare(version='1.1')\n"
    "        return cctxt.call(ctxt, 'f')\n",
    # a one-line class body: LibCST takes no class attributes from it
    "class M(object): RPC_API_VERSION = '1.0'\n",
    # the code of a parenthesised expression
    "class M(object):\n    target = Target(version=(V), namespace=(NS))\n",
    # an f-string version
    "class M(object):\n    target = Target(version=f'1.{X}')\n",
    # a version table
    "SERVICE_VERSION_HISTORY = ({'compute_rpc': '6.0'},)\nclass M(object):\n    RPC_API_VERSION = '1.0'\n",
    # not valid for the running Python's ast
    "class M(object):\n    RPC_API_VERSION = '1.0'\n    def f(self):\n        print 'x'\n",
    # lone carriage returns
    "class M(object):\r    RPC_API_VERSION = '1.0'\r",
    # a name NFKC changes: ast would give it normalised, LibCST as written
    "class M(object):\n    RPC_API_VERSION = '1.0'\n    def \ufb01x(self):\n        pass\n",
])
def test_the_ast_route_declines_where_the_parsers_may_disagree(snippet):
    text = textwrap.dedent(snippet)
    assert not quick_extract("pkg/manager.py", text, FileFacts())
    quick, full = both("pkg/manager.py", text)
    assert quick == full
