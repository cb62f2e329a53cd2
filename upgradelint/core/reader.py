"""What a rule may read besides facts, provided by the engine: rules never open
files, start git or look into site-packages themselves."""

from __future__ import annotations

from typing import Callable, Protocol, TypeVar

T = TypeVar("T")


class Reader(Protocol):
    def head(self, rel: str) -> bytes | None:
        """A project file's bytes as checked (the disk, or the front end's
        override such as flake8's stdin); None when absent."""

    def base(self, rels) -> dict[str, bytes]:
        """Base-commit bytes of changed files (diff mode; ``{}`` otherwise)."""

    def library(self, module: str) -> tuple[str, bytes] | None:
        """``(path, bytes)`` of an installed or ``--source-path`` module that is
        not part of the project (oslo.versionedobjects, neutron-lib)."""

    def memo(self, namespace: str, data: bytes, compute: Callable[[], T]) -> T:
        """``compute()``, memoised by ``(namespace, data)`` (in the process and
        in the engine's content-hash cache when caching is on): for results
        derived from bytes the facts do not cover, such as the summary of a
        library module. ``compute`` must depend on nothing else."""


class Releases(Protocol):
    """What the project has released, provided by the engine in full-tree
    runs (``ctx.releases``; None in diff mode, where a change is judged in full)."""

    @property
    def history(self) -> bool:
        """Is there git history to tell released files by?"""

    @property
    def tag(self) -> str | None:
        """The newest tag that is an ancestor of HEAD."""

    def released(self, rel: str) -> str | None:
        """The tag whose tree holds the project file ``rel``, or None."""
