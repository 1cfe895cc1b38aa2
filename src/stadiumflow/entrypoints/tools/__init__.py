"""Offline tools behind the ``stadiumflow`` command: simulation, data generation, training
and evaluation, replay, the demo, reports and the simulation API. None of them is on the
serving path; each names the extra it needs (``extras``)."""
