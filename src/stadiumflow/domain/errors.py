"""Typed errors of stadiumflow, translated once at each boundary.

StadiumflowError
├── InvalidReading          a reading or a request breaks the contract (HTTP 400)
│   └── TooManyReadings     more readings in one request than allowed (HTTP 413)
├── InvalidPlan             a match plan breaks the plan schema (HTTP 400)
├── MissingParameter        a required query parameter is absent or empty (HTTP 400)
├── NotFound                unknown stadium or gate (HTTP 404)
├── InvalidLayout           a stadium layout breaks the layout schema (stops start-up)
├── ModelUnavailable        the wait model is missing, corrupt or mismatched
└── StorageUnavailable      the queue or store cannot be reached (HTTP 503)

The HTTP statuses and error codes are written once, in ``entrypoints/errors.py``, for
every HTTP home. An error that table does not list answers 500 ``internal``.
"""

from __future__ import annotations


class StadiumflowError(Exception):
    """Base of every error stadiumflow raises on purpose.

    ``message`` is what a client may be told (where the error table shows it); ``field``
    names the offending field or query parameter (wire name) and ``index`` its position in
    an array, when the error is about one.
    """

    def __init__(self, message: str, *, field: str | None = None, index: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.index = index


class InvalidReading(StadiumflowError):
    """A reading, a request body or a query parameter's value breaks the contract.

    ``index`` is the position in an array of readings, or None for a single reading.
    """


class TooManyReadings(InvalidReading):
    """An array longer than ``MAX_READINGS_PER_REQUEST`` (HTTP 413)."""


class InvalidPlan(StadiumflowError):
    """A match plan's body breaks the contract; ``field`` names the place
    (``gates[3].expectedFans``) and ``index`` the gate's position, when it is a gate's."""


class MissingParameter(StadiumflowError):
    """A required query parameter is absent or empty; ``field`` names it."""

    def __init__(self, name: str) -> None:
        super().__init__(f"query parameter {name} is required", field=name)


class NotFound(StadiumflowError):
    """An unknown stadium or gate."""


class InvalidLayout(StadiumflowError):
    """A layout file or mapping breaks the layout schema; ``where`` names the field."""

    def __init__(self, message: str, *, where: str) -> None:
        super().__init__(f"{where}: {message}")
        self.message = message  # without the place, which ``where`` holds
        self.where = where


class ModelUnavailable(StadiumflowError):
    """The wait model cannot be used: missing, corrupt, or built for other features."""


class StorageUnavailable(StadiumflowError):
    """The durable queue or the status store cannot be reached right now."""
