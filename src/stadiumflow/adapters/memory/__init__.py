"""In-memory fakes of every port (see ``stadiumflow.ports``): for unit tests, and as the
reference behaviour the shared contract suites (``tests/contract``) hold every adapter to.

    MemoryQueue        InflowQueue     MemoryWaitModel  WaitModel
    MemoryGateStore    GateStore       MemoryScorer     AnomalyScorer
    MemoryModelStore   ModelStore      MemoryClock      Clock
"""

from stadiumflow.adapters.memory.clock import MemoryClock
from stadiumflow.adapters.memory.models import MemoryScorer, MemoryWaitModel
from stadiumflow.adapters.memory.storage import MemoryGateStore, MemoryModelStore, MemoryQueue

__all__ = [
    "MemoryClock",
    "MemoryGateStore",
    "MemoryModelStore",
    "MemoryQueue",
    "MemoryScorer",
    "MemoryWaitModel",
]
