"""The rpc family: facts extraction and rules."""

from upgradelint.families.rpc.entry import context, extract, prefilter, quick_extract  # noqa: F401
