"""Reporting with a severity of the finding's own: a migration finding may be
milder (or harsher) than its rule's default, unless the project configured the
rule's severity. A finding that would fail on a released migration is an
accepted info note instead (``MigrationAnalysis.accepted``)."""

from __future__ import annotations

import dataclasses

from upgradelint.core.model import FAILING
from upgradelint.core.rule import Context, Rule
from upgradelint.families.migrations.analysis import MigrationAnalysis


def report(ctx: Context, rule: Rule, path: str, span, symbol: str, variant: str | None = None,
           severity: str | None = None, **fmt) -> None:
    if rule.code in ctx.config.severity:
        severity = None  # the project's choice wins
    effective = severity or ctx.config.severity_of(rule.code, rule.severity)
    accepted = None
    if effective in FAILING:
        a = ctx.analysis(MigrationAnalysis)
        accepted = a.accepted(path)
        note = a.released.note() if accepted is None else None
        if note:
            ctx.note(note)
    before = len(ctx.findings)
    ctx.report(rule, path, span, symbol, variant=variant, accepted=accepted, **fmt)
    if severity and not accepted:
        ctx.findings[before] = dataclasses.replace(ctx.findings[before], severity=severity)
