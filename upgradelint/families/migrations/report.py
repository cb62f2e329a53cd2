"""Reporting with a severity of the finding's own: a migration finding may be
milder (or harsher) than its rule's default, unless the project configured the
rule's severity."""

from __future__ import annotations

import dataclasses

from upgradelint.core.rule import Context, Rule


def report(ctx: Context, rule: Rule, path: str, span, symbol: str, variant: str | None = None,
           severity: str | None = None, **fmt) -> None:
    before = len(ctx.findings)
    ctx.report(rule, path, span, symbol, variant=variant, **fmt)
    if severity and rule.code not in ctx.config.severity:
        ctx.findings[before] = dataclasses.replace(ctx.findings[before], severity=severity)
