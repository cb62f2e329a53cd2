"""The fast position replay must agree with LibCST's PositionProvider exactly."""

import glob
import os

import libcst as cst
import pytest

from upgradelint.core.cst.positions import _fast, _reference, positions

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = sorted(glob.glob(os.path.join(ROOT, "upgradelint", "**", "*.py"), recursive=True))[:40] + sorted(
    glob.glob(os.path.join(ROOT, "tests", "fixtures", "**", "*.py"), recursive=True))[:40]

ODD = [
    "x = 1\r\ny = (1,\r\n     2)\r\n",
    "if x:\r    y = 1\r",
    "def f(\n    a,  # c\n    b=\"\"\"x\ny\"\"\",\n):\n    return f'{a!r:>{b}}'\n",
    "@d\n\nclass C(B, metaclass=M):\n    '''doc'''\n    x: int = 1\n",
    "with a as b, c as d:\n    pass\nlambda *a, **k: (yield)\n",
    "\ufeffx = 'é'  # ünïcode\n",
]


@pytest.mark.parametrize("path", FILES, ids=lambda p: os.path.relpath(p, ROOT))
def test_same_as_position_provider_on_real_files(path):
    with open(path, encoding="utf-8") as fh:
        module = cst.parse_module(fh.read())
    assert _fast(module) == _reference(module)


@pytest.mark.parametrize("code", ODD)
def test_same_as_position_provider_on_odd_code(code):
    module = cst.parse_module(code)
    assert _fast(module) == _reference(module)


def test_falls_back_when_internals_change(monkeypatch):
    import upgradelint.core.cst.positions as pos

    module = cst.parse_module("x = 1\n")
    monkeypatch.setattr(pos, "_fast", lambda m: (_ for _ in ()).throw(AttributeError("gone")))
    assert positions(module) == _reference(module)
