"""The migrations family: facts extraction and rules."""

from upgradelint.families.migrations.facts import context, extract, prefilter  # noqa: F401
