import os

import pytest

# tests/fixtures/ holds data trees run by upgradelint.testing (some have test_*.py files), not tests
collect_ignore = ["fixtures"]


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch, tmp_path_factory):
    # never read a developer's cache or their pre-commit/CI base refs
    monkeypatch.setenv("UPGRADELINT_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    for var in ("PRE_COMMIT_FROM_REF", "PRE_COMMIT_TO_REF", "UPGRADELINT_BASE"):
        monkeypatch.delenv(var, raising=False)
    yield
