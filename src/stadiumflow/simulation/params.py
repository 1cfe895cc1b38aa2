"""Parameters of a simulated match day, as dataclasses with their units in the names.

Times inside the simulation are seconds since the gates open; parameters speak in
minutes relative to kickoff (negative = before), because that is how operators plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

SECONDS_PER_MINUTE = 60.0
DEFAULT_KICKOFF = datetime(2025, 7, 14, 20, 0, tzinfo=UTC)
GATES_OPEN_MINUTES_BEFORE = 180.0  # gates open about three hours before kickoff
OBSERVE_MINUTES_AFTER = 30.0  # readings continue this long after kickoff


class ServiceFamily(StrEnum):
    """Shapes of a per-fan service time (ticket scan + security check)."""

    EXPONENTIAL = "exponential"
    LOGNORMAL = "lognormal"
    GAMMA = "gamma"
    DETERMINISTIC = "deterministic"
    BAG_CHECK = "bag_check"  # a lognormal scan, plus a share of fans with a bag search


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """A gate's service-time distribution; ``mean_seconds`` is the overall mean.

    For BAG_CHECK, ``bag_share`` of fans take ``bag_extra_seconds`` more on average
    (exponential); the scan part is scaled so the overall mean stays ``mean_seconds``.
    """

    family: ServiceFamily = ServiceFamily.LOGNORMAL
    mean_seconds: float = 4.5
    cv: float = 0.6
    bag_share: float = 0.0
    bag_extra_seconds: float = 0.0
    min_seconds: float = 0.5  # nobody passes a turnstile faster than this


@dataclass(frozen=True, slots=True)
class ArrivalCurve:
    """When fans arrive, in minutes before kickoff.

    Most fans (1 - early - late) arrive ``floor_minutes`` + Gamma(shape, scale) minutes
    before kickoff, with its mode at ``peak_minutes_before``; ``early_share`` arrive
    uniformly from gate opening to 90 min before; ``late_share`` from 15 min before
    kickoff to ``late_until_minutes_after``.
    """

    peak_minutes_before: float = 45.0
    shape: float = 3.5
    floor_minutes: float = 10.0
    early_share: float = 0.08
    late_share: float = 0.04
    late_until_minutes_after: float = 20.0
    gate_peak_jitter_minutes: float = 4.0  # each gate's crowd peaks a little differently


@dataclass(frozen=True, slots=True)
class SensorSpec:
    """How a gate's controller observes and reports, per gate.

    queue_rel_noise / queue_abs_noise: standard deviation of the reported queue length,
        relative (share of the true queue) and absolute (fans).
    offset_seconds: the controller's reporting phase within the minute.
    jitter_seconds: each report comes up to this many seconds early or late.
    missing_probability: chance that one report is lost.
    """

    queue_rel_noise: float = 0.05
    queue_abs_noise: float = 1.0
    offset_seconds: float = 0.0
    jitter_seconds: float = 0.0
    missing_probability: float = 0.0
    processing_decimals: int = 2


class IncidentKind(StrEnum):
    SURGE = "surge"
    TURNSTILE_FAILURE = "turnstile_failure"
    STUCK_SENSOR = "stuck_sensor"
    DROPOUT = "dropout"


@dataclass(frozen=True, slots=True)
class IncidentSpec:
    """One incident at one gate, from ``start_minute`` (relative to kickoff) on.

    magnitude: SURGE arrival multiplier (3-5); TURNSTILE_FAILURE share of lanes down
    (0.6-0.9); unused for the sensor incidents.
    """

    kind: IncidentKind
    gate_id: str
    start_minute: float
    duration_minutes: float
    magnitude: float = 1.0

    @property
    def end_minute(self) -> float:
        return self.start_minute + self.duration_minutes


@dataclass(frozen=True, slots=True)
class BehaviourSpec:
    """How fans react: balking to a nearby gate, and following redirection advice.

    A fan balks when the gate's visible wait (queue x mean service / open lanes) exceeds
    a personal tolerance drawn from Exp(balk_tolerance_minutes), with probability
    ``balk_probability``; a fan moves at most once.
    """

    compliance: float = 0.6
    balk_probability: float = 0.0
    balk_tolerance_minutes: float = 20.0


@dataclass(frozen=True, slots=True)
class MatchDayParams:
    """Everything that makes one match day, besides the layout and the seed.

    attendance: share of seats whose holders come. gate_services / gate_sensors
    override the layout-derived defaults per gate id. demand_spread: how unevenly
    fans of a sector split over its gates (0 = exactly by attraction).
    """

    kickoff: datetime = DEFAULT_KICKOFF
    open_minutes_before: float = GATES_OPEN_MINUTES_BEFORE
    observe_minutes_after: float = OBSERVE_MINUTES_AFTER
    attendance: float = 0.95
    demand_spread: float = 0.25
    curve: ArrivalCurve = field(default_factory=ArrivalCurve)
    behaviour: BehaviourSpec = field(default_factory=BehaviourSpec)
    default_sensor: SensorSpec = field(default_factory=SensorSpec)
    gate_services: dict[str, ServiceSpec] = field(default_factory=dict)
    gate_sensors: dict[str, SensorSpec] = field(default_factory=dict)
    incidents: tuple[IncidentSpec, ...] | None = None
    """None: draw incidents at random from the seed; () for a quiet day."""
    incident_rate: float = 2.0  # expected incidents per match day when drawn at random

    @property
    def gates_open(self) -> datetime:
        return self.kickoff - timedelta(minutes=self.open_minutes_before)

    def seconds_from_open(self, minute_rel_kickoff: float) -> float:
        """Simulation seconds of a time given in minutes relative to kickoff."""
        return (minute_rel_kickoff + self.open_minutes_before) * SECONDS_PER_MINUTE
