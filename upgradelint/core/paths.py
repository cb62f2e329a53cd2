"""Path conventions shared by every family."""

from __future__ import annotations

import re

_TEST_PART = re.compile(r"(^|/)(tests?|functional|unit)(/|$)")


def is_test_path(relpath: str) -> bool:
    name = relpath.rsplit("/", 1)[-1]
    return bool(_TEST_PART.search(relpath)) or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
