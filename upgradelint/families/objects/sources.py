"""Where a fingerprint World finds the modules its facts do not cover, all read
through the engine's reader (``core.reader.Reader``), never from the disk
directly: the project's own files (as checked, or at the base commit), then
library sources (``--source-path``, installed packages), then the built-in
stubs of upgradelint.families.objects.stubs."""

from __future__ import annotations

from upgradelint.core.source import SourceError, decode
from upgradelint.families.objects.stubs import STUBS
from upgradelint.families.objects.summary import ModuleSummary, summarize


class ModuleSources:
    """``reader``: the engine's reader (None: the stubs only); ``diff``: read
    the project at the diff's base commit (files the change did not touch as
    they are, files it added as absent)."""

    def __init__(self, reader=None, diff=None):
        self.reader = reader
        self.diff = diff

    def load(self, name: str) -> ModuleSummary | None:
        rel = name.replace(".", "/")
        # The stubs model exactly what the hash sees of oslo.versionedobjects and
        # cursive; their real sources (installed, or on a source path) use
        # constructs the evaluator leaves unresolved. The project's own copy wins.
        for cand in (rel + ".py", rel + "/__init__.py"):
            found, summary = self._project(cand, name)
            if found:
                return summary
        if name not in STUBS:
            hit = self.reader.library(name) if self.reader is not None else None
            if hit is not None:
                path, data = hit
                return self._from_bytes(data, path, name)
            return None
        return self._from_text(STUBS[name], rel + ".py", name)

    def _project(self, cand: str, name: str) -> tuple[bool, ModuleSummary | None]:
        """(found, summary) of the project file ``cand``; not found: try the next place."""
        if self.reader is None:
            return False, None
        if self.diff is not None:
            text = self._base_text(cand)
            if text is False:
                return False, None
            if text is not None:
                return True, self._from_text(text, cand, name)
        data = self.reader.head(cand)
        if data is None:
            return False, None
        return True, self._from_bytes(data, cand, name)

    def _base_text(self, rel: str):
        """Base-commit text of a changed file; False: absent at the base (added,
        or no blob); None: not changed, or unreadable: read it as checked."""
        ch = self.diff.changes.get(rel)
        if ch is None:
            return None
        if ch.status == "A":
            return False
        try:
            blob = self.reader.base([rel]).get(rel)
            return decode(blob) if blob is not None else False
        except (SourceError, OSError, Exception):  # noqa: BLE001 - a git problem: read the disk
            return None

    def _from_bytes(self, data: bytes, rel: str, name: str) -> ModuleSummary | None:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return self._from_text(text, rel, name, data)

    def _from_text(self, text: str, rel: str, name: str, data: bytes | None = None) -> ModuleSummary | None:
        """A module's summary, memoised by content (parsing is the cost)."""

        def compute():
            import libcst as cst

            try:
                return summarize(rel, cst.parse_module(text), modname=name)
            except (cst.ParserSyntaxError, RecursionError):
                return None

        raw = data if data is not None else text.encode("utf-8", "surrogatepass")
        namespace = f"objects-summary\0{name}\0{rel}"
        return self.reader.memo(namespace, raw, compute) if self.reader is not None else compute()
