"""The objects family: facts extraction and rules."""

from upgradelint.families.objects.facts import context, extract, prefilter  # noqa: F401
