"""The rpc family: facts extraction and rules."""

from upgradelint.families.rpc.entry import context, extract, prefilter  # noqa: F401
