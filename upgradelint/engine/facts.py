"""Per-file fact extraction: prefilter the text, parse once with LibCST, hand the
module to each interested family, and return small picklable facts (for a
file read only to judge others, a family may answer from the stdlib ``ast``).

Nothing here imports or executes the code being checked."""

from __future__ import annotations

from upgradelint.core.cst.parsed import Parsed, syntax_error
from upgradelint.core.model import FileFacts
from upgradelint.core.registry import families
from upgradelint.core.suppress import suppressions

def extract(relpath: str, text: str, wanted: tuple | None = None, quick: bool = False) -> FileFacts:
    """Facts for one file. Never raises for bad input: parse errors land in
    ``FileFacts.error``. ``wanted``: the names of the families whose prefilter
    already accepted the text (computed here when not given). ``quick``: the
    file is only read to judge others (context, base version), so a family's
    ``quick_extract(relpath, text, facts)`` may give its facts without LibCST
    when every family that wants the file can."""
    if wanted is None:
        wanted = [fam for fam in families() if fam.prefilter(relpath, text)]
    else:
        wanted = [fam for fam in families() if fam.__name__ in wanted]
    facts = FileFacts()
    if not wanted:
        return facts
    if quick and all(getattr(fam, "quick_extract", None) for fam in wanted):
        if all(fam.quick_extract(relpath, text, facts) for fam in wanted):
            return _suppressions(facts, text)
        facts = FileFacts()
    import libcst as cst

    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        facts.error = syntax_error(relpath, text, exc)
        return facts
    except (RecursionError, MemoryError) as exc:  # pathological input
        facts.error = f"cannot parse: {type(exc).__name__}"
        return facts
    parsed = Parsed(relpath, text, module)
    for fam in wanted:
        fam.extract(parsed, facts)
    return _suppressions(facts, text)


def _suppressions(facts: FileFacts, text: str) -> FileFacts:
    if not facts.empty:
        facts.suppressions = suppressions(text)
    return facts
