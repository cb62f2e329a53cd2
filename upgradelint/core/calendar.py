"""The OpenStack release calendar the release-window rules reason with: the
named releases in order (also written as ``2023.1`` style series from
Antelope on), and which releases are SLURP ones (the ``.1`` releases from
2023.1 on: a skip-level upgrade from the previous SLURP release lands on them)."""

from __future__ import annotations

import re

OPENSTACK_RELEASES = (
    "austin", "bexar", "cactus", "diablo", "essex", "folsom", "grizzly", "havana", "icehouse", "juno", "kilo",
    "liberty", "mitaka", "newton", "ocata", "pike", "queens", "rocky", "stein", "train", "ussuri", "victoria",
    "wallaby", "xena", "yoga", "zed", "antelope", "bobcat", "caracal", "dalmatian", "epoxy", "flamingo",
    "gazpacho", "hibiscus",
)
_INDEX = {name: i for i, name in enumerate(OPENSTACK_RELEASES)}
_FIRST_SERIES = _INDEX["antelope"]  # 2023.1, the first SLURP release
_SERIES_RE = re.compile(r"^(20\d\d)\.([12])$")


def index(name) -> int | None:
    """Position of a release (``'epoxy'``, ``'Epoxy'`` or ``'2025.1'``) in the calendar; None if unknown."""
    if not isinstance(name, str):
        return None
    low = name.strip().lower()
    if low in _INDEX:
        return _INDEX[low]
    m = _SERIES_RE.match(low)
    if m and int(m.group(1)) >= 2023:
        return _FIRST_SERIES + (int(m.group(1)) - 2023) * 2 + int(m.group(2)) - 1
    return None


def name(idx: int) -> str:
    if 0 <= idx < len(OPENSTACK_RELEASES):
        return OPENSTACK_RELEASES[idx]
    n = idx - _FIRST_SERIES
    return f"{2023 + n // 2}.{n % 2 + 1}"


def is_slurp(idx: int) -> bool:
    return idx >= _FIRST_SERIES and (idx - _FIRST_SERIES) % 2 == 0


def oldest_for(idx: int) -> int:
    """The oldest release a rolling upgrade to release ``idx`` starts from: the
    previous SLURP release (two back) when ``idx`` is a SLURP release with a
    SLURP predecessor, else the previous release."""
    if is_slurp(idx) and idx - 2 >= _FIRST_SERIES:
        return idx - 2
    return idx - 1
