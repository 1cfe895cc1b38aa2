"""The services of a Functions worker process: built lazily, once, then shared.

The Python worker imports ``function_app.py`` before the host has fully started and may
run synchronous functions on several threads, so nothing is built at import and the
first invocation builds under a lock. Building creates the queues, tables and container
if missing (start-up work, not per-request work).
"""

from __future__ import annotations

import logging
import threading

from stadiumflow.adapters.azure.storage import build_azure_storage
from stadiumflow.bootstrap import Services, bootstrap
from stadiumflow.config import Settings
from stadiumflow.entrypoints.keys import KeyRing

log = logging.getLogger(__name__)

_lock = threading.Lock()
_services: Services | None = None


def get_services() -> Services:
    global _services
    if _services is None:
        with _lock:
            if _services is None:
                settings = Settings(backend="azure")  # type: ignore[call-arg]
                queue, store = build_azure_storage(settings)
                _services = bootstrap(settings, queue=queue, store=store)
                log.info("stadiumflow services built for this worker process")
                if KeyRing.of(settings.operator_keys).is_open:
                    log.warning(
                        "MATCH PLANS ARE OPEN to any function key: STADIUMFLOW_OPERATOR_KEYS"
                        " is not set. Set it to the operators' keys."
                    )
    return _services


def use_services(services: Services | None) -> None:
    """Install ``services`` (tests, or another host); None makes the next call rebuild."""
    global _services
    with _lock:
        _services = services
