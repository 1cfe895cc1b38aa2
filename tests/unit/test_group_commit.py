"""Group commit: concurrent requests share a commit; a failed commit fails them all."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from stadiumflow.adapters.memory import MemoryQueue
from stadiumflow.domain.errors import StorageUnavailable
from stadiumflow.domain.readings import Reading
from stadiumflow.entrypoints.http.group_commit import GroupCommit
from tests.conftest import reading


class CountingQueue(MemoryQueue):
    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.commits: list[int] = []
        self.fail = fail

    def enqueue_many(self, batches: Sequence[Sequence[Reading]]) -> None:
        if self.fail:
            raise StorageUnavailable("disk full")
        self.commits.append(len(batches))
        super().enqueue_many(batches)


def test_concurrent_requests_share_one_commit():
    queue = CountingQueue()

    async def main() -> None:
        group = GroupCommit(queue)
        await asyncio.gather(*(group.enqueue([reading(f"G{i}")]) for i in range(20)))
        await group.enqueue([reading("G99")])

    asyncio.run(main())
    assert queue.commits == [20, 1]
    assert queue.stats().readings == 21


def test_a_failed_commit_fails_every_request_in_it():
    queue = CountingQueue(fail=True)

    async def main() -> list[BaseException | None]:
        group = GroupCommit(queue)
        return await asyncio.gather(
            *(group.enqueue([reading(f"G{i}")]) for i in range(5)), return_exceptions=True
        )

    results = asyncio.run(main())
    assert all(isinstance(r, StorageUnavailable) for r in results)
    assert queue.stats().messages == 0


@pytest.mark.parametrize("n", [1, 600])
def test_nothing_waits_forever(n):
    queue = CountingQueue()

    async def main() -> None:
        group = GroupCommit(queue)
        await asyncio.wait_for(
            asyncio.gather(*(group.enqueue([reading(f"G{i}")]) for i in range(n))), 5
        )

    asyncio.run(main())
    assert queue.stats().messages == n
