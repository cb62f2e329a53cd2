"""Discovery: the families under ``upgradelint/families/`` and their rules,
one module per rule in ``families/<family>/rules/``. Imported by name, so no
layer below the front ends imports a family statically."""

from __future__ import annotations

import importlib
import pkgutil

from upgradelint.core.rule import FAMILIES, Rule

_FAMILIES: tuple | None = None
_REGISTRY: dict[str, type[Rule]] | None = None


def families() -> tuple:
    """The family packages, in code order (rpc, objects, migrations). Each
    exposes ``prefilter(relpath, text)``, ``extract(parsed, facts)`` and
    optionally ``context(root, head, lister)``."""
    global _FAMILIES
    if _FAMILIES is None:
        _FAMILIES = tuple(importlib.import_module(f"upgradelint.families.{name}")
                          for _, name in sorted(FAMILIES.items()))
    return _FAMILIES


def rule_modules():
    for _, fam in sorted(FAMILIES.items()):
        pkg = importlib.import_module(f"upgradelint.families.{fam}.rules")
        for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
            yield importlib.import_module(f"{pkg.__name__}.{info.name}")


def registry() -> dict[str, type[Rule]]:
    global _REGISTRY
    if _REGISTRY is None:
        found: dict[str, type[Rule]] = {}
        for mod in rule_modules():
            for obj in vars(mod).values():
                if isinstance(obj, type) and issubclass(obj, Rule) and obj is not Rule and obj.__module__ == mod.__name__ \
                        and getattr(obj, "code", None):
                    if obj.code in found:
                        raise RuntimeError(f"duplicate rule code {obj.code}")
                    found[obj.code] = obj
        _REGISTRY = dict(sorted(found.items()))
    return _REGISTRY
