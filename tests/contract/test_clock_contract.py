"""One contract for every Clock adapter: the system clock and the in-memory fake."""

from __future__ import annotations

import doctest
from collections.abc import Callable
from datetime import timedelta

import pytest

from stadiumflow.adapters.memory import MemoryClock
from stadiumflow.adapters.memory import clock as memory_clock
from stadiumflow.ports import Clock, SystemClock

ADAPTERS: dict[str, Callable[[], Clock]] = {"system": SystemClock, "memory": MemoryClock}


@pytest.fixture(params=sorted(ADAPTERS))
def any_clock(request: pytest.FixtureRequest) -> Clock:
    return ADAPTERS[request.param]()


def test_it_tells_utc_time(any_clock):
    now = any_clock.now()
    assert now.utcoffset() == timedelta(0)


def test_it_never_goes_back(any_clock):
    times = [any_clock.now() for _ in range(100)]
    assert times == sorted(times)


def test_the_fake_moves_only_forward_and_only_when_told():
    fake = MemoryClock()
    start = fake.now()
    assert fake.now() == start
    fake.advance(61.5)
    assert fake.now() - start == timedelta(seconds=61.5)
    with pytest.raises(ValueError):
        fake.advance(-1)


def test_the_fake_docstring_examples_run():
    assert doctest.testmod(memory_clock).failed == 0
