"""Typed errors of stadiumflow, translated once at each boundary.

StadiumflowError
├── InvalidReading        a reading breaks the contract (HTTP 400/413/422)
├── NotFound              unknown stadium or gate (HTTP 404)
├── ModelUnavailable      the wait model is missing, corrupt or mismatched
└── StorageUnavailable    the queue or store cannot be reached (HTTP 503)
"""

from __future__ import annotations


class StadiumflowError(Exception):
    """Base of every error stadiumflow raises on purpose."""


class InvalidReading(StadiumflowError):
    """A reading or request body breaks the contract.

    ``field`` names the offending field (wire name); ``index`` is the position in an
    array, or None for a single reading.
    """

    def __init__(self, message: str, *, field: str | None = None, index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.index = index


class NotFound(StadiumflowError):
    """An unknown stadium or gate."""


class ModelUnavailable(StadiumflowError):
    """The wait model cannot be used: missing, corrupt, or built for other features."""


class StorageUnavailable(StadiumflowError):
    """The durable queue or the status store cannot be reached right now."""
