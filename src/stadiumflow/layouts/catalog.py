"""Which layout a stadium has: the shipped ones, overridden by an operator's folder.

An operator drops ``<anything>.toml`` files into ``STADIUMFLOW_LAYOUT_DIR``; each file's
``[stadium] id`` is the stadiumId it describes. A stadium without a layout is still
planned for (see ``domain.advice.stadium_walk``): layouts only sharpen the walking times.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

from stadiumflow.domain.layout import StadiumLayout
from stadiumflow.domain.plan import MatchPlan
from stadiumflow.layouts import SHIPPED_LAYOUTS, load_layout

log = logging.getLogger(__name__)


class LayoutCatalog:
    """Layouts by stadium id; call it with a stadium id (None when unknown)."""

    def __init__(self, layouts: dict[str, StadiumLayout] | None = None) -> None:
        self._layouts = dict(layouts or {})

    @classmethod
    def from_dir(cls, directory: Path | None = None) -> LayoutCatalog:
        """The shipped layouts, then every ``*.toml`` in ``directory`` (which wins on ids).

        A bad file stops start-up with the field it breaks (InvalidLayout): an operator
        should learn at once that their layout was not taken.
        """
        layouts = dict(_shipped())
        if directory is not None:
            for path in sorted(Path(directory).glob("*.toml")):
                layout = load_layout(path)
                layouts[layout.stadium_id] = layout
                log.info("layout %s from %s", layout.stadium_id, path)
        return cls(layouts)

    def __call__(self, stadium_id: str) -> StadiumLayout | None:
        return self._layouts.get(stadium_id)

    def stadium_ids(self) -> list[str]:
        return sorted(self._layouts)

    def plans(self) -> list[MatchPlan]:
        """The match plans of every layout (``[[plans]]``), by stadium then kickoff."""
        return [plan for sid in self.stadium_ids() for plan in self._layouts[sid].plans]


@cache
def _shipped() -> tuple[tuple[str, StadiumLayout], ...]:
    return tuple((name, load_layout(name)) for name in SHIPPED_LAYOUTS)


def shipped_layout(stadium_id: str) -> StadiumLayout | None:
    """The shipped layout of ``stadium_id``, loaded once on first use.

    >>> shipped_layout("AGADIR").gate_ids[:3], shipped_layout("NOWHERE")
    (('G1', 'G2', 'G3'), None)
    """
    return dict(_shipped()).get(stadium_id)
