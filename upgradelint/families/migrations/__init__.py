"""The migrations family: facts extraction and rules."""

from upgradelint.families.migrations.extract import extract  # noqa: F401
from upgradelint.families.migrations.facts import context, prefilter  # noqa: F401
