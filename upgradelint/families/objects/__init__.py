"""The objects family: facts extraction and rules."""

from upgradelint.families.objects.facts import context, extract, prefilter  # noqa: F401


def conventions(ctx) -> list[tuple[str, str, str]]:
    """(name, value, why) rows for ``check --show-conventions``."""
    from upgradelint.families.objects.detected import rows

    return rows(ctx)
