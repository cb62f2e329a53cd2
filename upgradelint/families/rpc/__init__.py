"""The rpc family: facts extraction and rules."""

from upgradelint.families.rpc.entry import context, extract, prefilter, quick_extract  # noqa: F401


def conventions(ctx) -> list[tuple[str, str, str]]:
    """(name, value, why) rows for ``check --show-conventions``."""
    from upgradelint.families.rpc.detected import rows

    return rows(ctx)
