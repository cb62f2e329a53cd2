#!/usr/bin/env python3
"""flake8 as it runs without the upgradelint plugin, in this same environment:
the peer the bench scripts compare with (``python bench/flake8_bare.py ARGS``
takes flake8's arguments). It hides the installed ``upgradelint`` entry point
from flake8's plugin finder and changes nothing else."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> int:
    from flake8.main.cli import main as flake8_main
    from flake8.plugins import finder

    found = finder._find_importlib_plugins
    finder._find_importlib_plugins = lambda: (p for p in found() if p.package != "upgradelint")
    return flake8_main(argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
