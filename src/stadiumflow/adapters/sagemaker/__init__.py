"""Anomaly scores from an AWS SageMaker Random Cut Forest endpoint: the runtime client
(``rcf``), its wire format and score normalisation (``wire``), and the circuit breaker that
falls back to the local scorer while the endpoint fails (``breaker``)."""
