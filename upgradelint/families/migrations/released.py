"""Which migrations are released history (state mode only).

A migration a release already contains can never change again: deployments
ran it long ago, so a failing finding on it is noise. Such findings are
reported as accepted info notes, naming why. What counts as released:

- the file is in the newest git tag that is an ancestor of HEAD
  (``ctx.releases``, given by the engine to full-tree runs);
- the project says so in config: ``migrations-released-through`` names a
  revision (or file name, or sqlalchemy-migrate number), and that migration
  and its ancestors are released.

In diff mode (``--base``) nothing is accepted: a migration the change adds
or edits is judged in full."""

from __future__ import annotations

from upgradelint.families.migrations.facts import versions_root
from upgradelint.families.migrations.graph import RevisionGraph, number, stem

HISTORY = "released migrations are history"
NO_HISTORY_NOTE = (
    "migrations: this tree has no git history, so released migrations cannot be told from new ones and "
    "every migration is judged in full; set migrations-released-through in the config, or run "
    "'upgradelint baseline' to accept today's findings and see only new ones")
NO_TAG_NOTE = (
    "migrations: no release tag is an ancestor of HEAD, so every migration is judged in full; set "
    "migrations-released-through in the config, or run 'upgradelint baseline' to accept today's findings")


class ReleasedMigrations:
    """What was released, and how that was decided."""

    def __init__(self, ctx, graph: RevisionGraph):
        self.releases = ctx.releases if ctx.diff is None else None
        self.through = tuple(getattr(ctx.config, "migrations_released_through", ()) or ())
        self.graph = graph
        self.paths: dict[str, str] = {}  # path -> the configured value that releases it
        self.unmatched: list[str] = []
        if self.releases is not None:
            for value in self.through:
                hits = self._matching(value)
                if not hits:
                    self.unmatched.append(value)
                for p in hits:
                    for q in (p, *graph.ancestors(p)):
                        self.paths.setdefault(q, value)

    def _matching(self, value: str) -> list[str]:
        """The migrations a configured value names: a revision, a file name (or
        its start), or a sqlalchemy-migrate number (the newest script at or
        before it, in each numbered repository)."""
        out = []
        numbered: dict[str, tuple[int, str]] = {}
        for p in self.graph.paths():
            mig = self.graph.migration(p)
            name = stem(p)
            if value in (mig.revision, name, p) or name.startswith(value + "_"):
                out.append(p)
            n = number(p, mig)
            if n is not None and value.isdigit() and n <= int(value):
                root = versions_root(p)
                if root not in numbered or numbered[root][0] < n:
                    numbered[root] = (n, p)
        return out or [p for _, p in numbered.values()]

    @property
    def tag(self) -> str | None:
        return self.releases.tag if self.releases is not None else None

    def reason(self, path: str) -> str | None:
        """Why a finding on this migration is accepted, or None."""
        if self.releases is None:
            return None
        if self.releases.history:
            tag = self.releases.released(path)
            if tag:
                return f"released in {tag} ({HISTORY})"
        value = self.paths.get(path)
        if value is not None:
            return f"released through {value} (migrations-released-through: {HISTORY})"
        return None

    def note(self) -> str | None:
        """What to say once when a migration finding fails and the run could not
        tell released migrations from new ones; None when it could."""
        if self.releases is None or self.through:
            return None
        if not self.releases.history:
            return NO_HISTORY_NOTE
        return NO_TAG_NOTE if self.releases.tag is None else None

    def describe(self) -> tuple[str, str]:
        """(value, why) for ``--show-conventions``."""
        if self.releases is None:
            return "not used", "diff mode: a migration the change adds or edits is judged in full"
        parts, why = [], []
        if self.releases.history and self.releases.tag:
            parts.append(f"tag {self.releases.tag}")
            why.append("the newest tag that is an ancestor of HEAD; its migrations are history")
        if self.through:
            parts.append("revision " + ", ".join(self.through))
            why.append(f"migrations-released-through in the config ({len(self.paths)} migrations with their "
                       "ancestors)" + (f"; names no migration: {', '.join(self.unmatched)}" if self.unmatched
                                       else ""))
        if parts:
            return "; ".join(parts), "; ".join(why)
        if not self.releases.history:
            return "unknown", "no git history (an unpacked release): every migration is judged in full"
        return "none", "no release tag is an ancestor of HEAD: every migration is judged in full"
