"""Natural ordering of identifiers, so that G2 sorts before G10."""

from __future__ import annotations

import re

_DIGITS = re.compile(r"(\d+)")


def natural_key(identifier: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key that compares runs of digits as numbers.

    >>> sorted(["G10", "G2", "G1", "North", "G1b"], key=natural_key)
    ['G1', 'G1b', 'G2', 'G10', 'North']
    """
    parts = _DIGITS.split(identifier)
    key: list[tuple[int, int | str]] = []
    for i, part in enumerate(parts):
        if i % 2:
            key.append((0, int(part)))
        elif part:
            key.append((1, part.lower()))
    return tuple(key)
