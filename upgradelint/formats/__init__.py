"""Output formats: pure functions from a Result (and the project root) to text."""

from __future__ import annotations

import importlib

FORMATS = {"text": "text", "json": "json_", "sarif": "sarif", "github": "github", "gerrit": "gerrit",
           "zuul": "zuul", "rdjson": "rdjson", "codeclimate": "codeclimate"}


def render(name: str, result, root: str, color: bool = False, verbose: bool = False) -> str:
    mod = importlib.import_module(f"{__name__}.{FORMATS[name]}")
    if name == "text":
        return mod.render(result, root=root, color=color, verbose=verbose)
    return mod.render(result, root=root, color=color)
