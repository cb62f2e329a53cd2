"""flake8 front end: ``UPG`` codes from the same engine, one file at a time.

Register: ``[project.entry-points."flake8.extension"] UPG = "upgradelint.frontends.flake8_plugin:Plugin"``.
Options: ``--upgradelint-base REV`` (also ``upgradelint-base`` in ``[flake8]``) and
``--upgradelint-no-baseline`` (report what the project's baseline file records too).
flake8 applies ``# noqa`` itself; ``# upgradelint: ignore[...]`` is applied here.
Info-level notes are advisory and are not emitted (flake8 has no severities)."""

from __future__ import annotations

import os

from upgradelint import __version__


class Plugin:
    name = "upgradelint"
    version = __version__
    base: str | None = None
    use_baseline: bool = True
    _roots: dict = {}

    def __init__(self, tree, filename, lines):
        # ``tree`` makes flake8 treat this as a tree plugin; the engine parses with LibCST
        self.filename = filename
        self.lines = lines

    @classmethod
    def add_options(cls, option_manager) -> None:
        option_manager.add_option(
            "--upgradelint-base", default=None, parse_from_config=True, metavar="REV",
            help="upgradelint diff mode: report only what changed since REV (e.g. origin/master)")
        option_manager.add_option(
            "--upgradelint-no-baseline", default=False, action="store_true", parse_from_config=True,
            help="upgradelint: also report the findings recorded in .upgradelint-baseline.json")

    @classmethod
    def parse_options(cls, options) -> None:
        cls.base = getattr(options, "upgradelint_base", None) or None
        cls.use_baseline = not getattr(options, "upgradelint_no_baseline", False)

    def run(self):
        from upgradelint import engine
        from upgradelint.engine import project
        from upgradelint.core.model import UsageError

        text = "".join(self.lines)
        name = self.filename
        if name in ("stdin", "-"):
            name = os.path.join(os.getcwd(), "stdin.py")
        path = os.path.abspath(name)
        root = self._roots.get(os.path.dirname(path))
        if root is None:
            root = self._roots[os.path.dirname(path)] = project.find_root(path)
        rel = project.relpath(path, root)
        try:
            result = engine.check(engine.Options(root=root, sources={rel: text}, base=self.base, jobs=1,
                                                 disable_noqa=False, memo=True, baseline=self.use_baseline))
        except UsageError as exc:
            yield 1, 0, f"UPG000 upgradelint cannot run: {exc}", type(self)
            return
        for f in result.findings:
            if f.path == rel and f.failing:
                yield f.line, f.column, f"{f.code} {f.message}", type(self)
