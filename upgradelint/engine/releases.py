"""What a release already contains: the files of the newest git tag that is an
ancestor of HEAD. A migration there was shipped and can never change, so its
findings are history, not news (the families decide what follows from that).

Asked lazily, through ``ctx.releases``: a run whose rules never ask pays no
git process. A tree without git history (an unpacked release) cannot tell."""

from __future__ import annotations

import os

from upgradelint.core.model import UsageError
from upgradelint.engine import gitbase as git
from upgradelint.engine import project


class GitReleases:
    """``ctx.releases`` (core.reader.Releases) for a project root."""

    def __init__(self, root: str):
        self.root = root
        self._loaded = False
        self._tag: str | None = None
        self._paths: frozenset[str] = frozenset()
        self._history = False

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True
        try:
            top = git.toplevel(self.root)
        except UsageError:  # no git, or not a work tree: nothing is known
            return
        if not git.has_head(top):
            return
        self._history = True
        tag = git.newest_tag(top)
        names = git.tree_paths(top, tag) if tag else None
        if names is None:
            return  # no tag is an ancestor of HEAD
        prefix = project.git_prefix(self.root, top)
        self._tag = tag
        self._paths = frozenset(n[len(prefix):] for n in names if n.startswith(prefix))

    @property
    def history(self) -> bool:
        """Is there git history to tell released files by?"""
        self._load()
        return self._history

    @property
    def tag(self) -> str | None:
        """The newest tag that is an ancestor of HEAD, or None."""
        self._load()
        return self._tag

    def released(self, rel: str) -> str | None:
        """The tag whose tree holds ``rel`` (project-relative), or None."""
        self._load()
        return self._tag if rel.replace(os.sep, "/") in self._paths else None
