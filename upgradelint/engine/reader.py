"""The engine's ``core.reader.Reader``: the only way rules and family analyses
read bytes the facts do not hold. Project files come from the project root (or
the front end's overrides), base versions through ``pipeline.BaseReader``'s
batched ``git cat-file``, library modules from ``--source-path`` directories
and installed packages (found without importing them), and ``memo`` keeps what
is derived from those bytes in the process and in the content-hash cache."""

from __future__ import annotations

import os

from upgradelint.engine import cache

SOURCE_PATH_ENV = "UPGRADELINT_SOURCE_PATH"

# content key -> value: derived results shared by every run in this process
# (flake8 asks file by file; the history scripts run many checks)
_MEMO: dict = {}


def source_paths_from_env() -> tuple[str, ...]:
    """``$UPGRADELINT_SOURCE_PATH``: extra library source directories (e.g. an unpacked neutron-lib)."""
    raw = os.environ.get(SOURCE_PATH_ENV, "")
    return tuple(p for p in raw.split(os.pathsep) if p)


class EngineReader:
    """``root``: the project root (None: no project files); ``sources``: relpath
    -> text overriding the disk (flake8 stdin); ``base``: a ``BaseReader`` in
    diff mode; ``source_paths``: library source directories searched before the
    installed packages."""

    def __init__(self, root: str | None, sources: dict | None = None, base=None,
                 source_paths: tuple[str, ...] = (), installed: bool = True):
        self.root = root
        self.sources = sources or {}
        self._base = base
        self.source_paths = tuple(source_paths)
        self.installed = installed

    def head(self, rel: str) -> bytes | None:
        if rel in self.sources:
            return self.sources[rel].encode("utf-8", "surrogatepass")
        if self.root is None:
            return None
        return _read_file(os.path.join(self.root, rel))

    def base(self, rels) -> dict[str, bytes]:
        return self._base.read(rels) if self._base is not None else {}

    def library(self, module: str) -> tuple[str, bytes] | None:
        rel = module.replace(".", "/")
        for r in self.source_paths:
            for cand in (rel + ".py", rel + "/__init__.py"):
                path = os.path.join(r, cand)
                data = _read_file(path)
                if data is not None:
                    return path, data
        if self.installed:
            path = _installed_source(module)
            data = _read_file(path) if path else None
            if data is not None:
                return path, data
        return None

    def memo(self, namespace: str, data: bytes, compute):
        k = cache.key(namespace, data)
        if k not in _MEMO:
            _MEMO[k] = cache.cached(namespace, data, compute)
        return _MEMO[k]


def _read_file(path: str) -> bytes | None:
    if not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError:
        return None


def _installed_source(name: str) -> str | None:
    """Source file of an installed module, found without importing: only the
    top-level package is looked up with find_spec, the rest by path."""
    import importlib.util

    top, _, rest = name.partition(".")
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if not rest:
        origin = spec.origin
        return origin if origin and origin.endswith(".py") else None
    for loc in spec.submodule_search_locations or ():
        base = os.path.join(loc, *rest.split("."))
        for cand in (base + ".py", os.path.join(base, "__init__.py")):
            if os.path.isfile(cand):
                return cand
    return None
