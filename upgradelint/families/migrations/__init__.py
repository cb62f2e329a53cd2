"""The migrations family: facts extraction and rules."""

from upgradelint.families.migrations.extract import extract  # noqa: F401
from upgradelint.families.migrations.facts import context, prefilter  # noqa: F401


def conventions(ctx) -> list[tuple[str, str, str]]:
    """(name, value, why) rows for ``check --show-conventions``: contract and
    expand contexts, what is released history, the project's exception lists,
    whether neutron's offline-contract check applies."""
    from upgradelint.families.migrations.detected import rows

    return rows(ctx)
