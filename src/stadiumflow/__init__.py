"""stadiumflow: a stadium crowd-flow controller.

Turnstile telemetry in; per-gate waits, green/yellow/red states, anomalies and
redirection advice out. See README.md and docs/design.md.
"""

__version__ = "0.1.0"
