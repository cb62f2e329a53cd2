"""``from upgradelint.core.lazy import cst``: libcst, imported on first attribute
use. Importing libcst costs ~0.15 s, which a run on files no family wants
(a pre-commit run on an unrelated file) must not pay."""

from __future__ import annotations

import importlib


class _LazyModule:
    def __init__(self, name: str):
        self._name = name
        self._mod = None

    def __getattr__(self, attr):
        # only called for names not yet cached on the instance: hot loops
        # (isinstance(node, cst.Call)) then pay a plain attribute lookup
        mod = self._mod
        if mod is None:
            mod = self._mod = importlib.import_module(self._name)
        value = getattr(mod, attr)
        setattr(self, attr, value)
        return value


cst = _LazyModule("libcst")
