"""Match plans as every store keeps them: the kickoff as a sortable key, the gates as JSON.

A plan's gates are one JSON array of ``[gateId, expectedFans, lanes]`` rows (``lanes``
null when the operator gave none): about 30 bytes a gate, so a plan of 500 gates stays
well under any store's limits (an Azure entity splits it over several properties, see
``adapters/azure/plans.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from stadiumflow.adapters.codec import from_epoch_us, to_epoch_us
from stadiumflow.domain.plan import GatePlan, MatchPlan

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(list[tuple[str, int, int | None]])

KEY_OFFSET_US = 10**18
"""Added to a kickoff's epoch microseconds for a key that is never negative (any year
from 1 to 9999), so that keys written with the same width sort in time order."""
KEY_WIDTH = 19


def kickoff_key(kickoff: datetime) -> str:
    """A fixed-width decimal key of ``kickoff`` whose string order is time order.

    >>> from datetime import UTC
    >>> kickoff_key(datetime(2025, 7, 14, 20, tzinfo=UTC))
    '1001752523200000000'
    >>> kickoff_of_key(kickoff_key(datetime(2025, 7, 14, 20, tzinfo=UTC)))
    datetime.datetime(2025, 7, 14, 20, 0, tzinfo=datetime.timezone.utc)
    """
    return f"{to_epoch_us(kickoff) + KEY_OFFSET_US:0{KEY_WIDTH}d}"


def kickoff_of_key(key: str) -> datetime:
    return from_epoch_us(int(key) - KEY_OFFSET_US)


def encode_gates(gates: Sequence[GatePlan]) -> bytes:
    return _encoder.encode([(g.gate_id, g.expected_fans, g.lanes) for g in gates])


def decode_gates(payload: bytes | str) -> tuple[GatePlan, ...]:
    return tuple(GatePlan(gate, fans, lanes) for gate, fans, lanes in _decoder.decode(payload))


def plan_of(stadium_id: str, kickoff_us: int, gates: bytes | str) -> MatchPlan:
    """A stored plan: its stadium, its kickoff in epoch microseconds, its encoded gates."""
    return MatchPlan(stadium_id, from_epoch_us(kickoff_us), decode_gates(gates))
