"""The one engine behind every front end (see ``pipeline``)."""

from upgradelint.engine.pipeline import (  # noqa: F401
    BaseReader, FactStore, Options, baseline_path, check, choose_base, load_config, tree_facts, wanted,
)
