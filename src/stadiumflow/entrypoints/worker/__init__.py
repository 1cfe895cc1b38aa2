"""The worker home: the loop that consumes the inflow queue (``loop``), run as a thread, a
process of its own, or a supervised child of ``serve`` that reports by heartbeat (``child``)."""
