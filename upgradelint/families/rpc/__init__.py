"""The rpc family: facts extraction and rules."""

from upgradelint.families.rpc.facts import context, extract, prefilter  # noqa: F401
