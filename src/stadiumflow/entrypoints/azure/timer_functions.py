"""Timer function: the silent-gate watchdog, every minute.

A gate that stops reporting cannot be noticed by the queue trigger (no message comes),
so a timer asks the service to look. Thin: the logic is ``services.watchdog``.
"""

from __future__ import annotations

import logging

import azure.functions as func

from stadiumflow.entrypoints.azure.context import get_services
from stadiumflow.services.watchdog import check_silent_gates

log = logging.getLogger(__name__)

bp = func.Blueprint()  # type: ignore[no-untyped-call]

WATCHDOG_SCHEDULE = "0 */1 * * * *"  # NCRONTAB with seconds: at second 0 of every minute


@bp.function_name("silent_gate_watchdog")
@bp.timer_trigger(arg_name="timer", schedule=WATCHDOG_SCHEDULE, run_on_startup=False)
def silent_gate_watchdog(timer: func.TimerRequest) -> None:
    if timer.past_due:
        log.warning("silent-gate watchdog is running late")
    services = get_services()
    flagged = check_silent_gates(services.store, services.clock)
    if flagged:
        log.info("silent-gate watchdog flagged %d gates", flagged)
