"""An erasure carried through its steps on an in-memory record store: the order, the lease,
and resuming from the step after the last one done."""

from __future__ import annotations

from collections.abc import Mapping

import orjson
import pytest

from app.errors import NotFound
from app.ports.erasure import SubjectCluster, SubjectIdentifier
from app.services.privacy.erasure import ErasurePlan, LeaseHeld
from app.services.privacy.erasure.records import receipt_of
from app.services.privacy.erasure.runner import ErasureRunner
from app.services.privacy.erasure.steps import ErasureJob, Step
from tests.fakes.erasure import InMemoryErasureRecordStore, NoTransaction

T0 = 1_800_000_000.0
LEASE = 30.0
ORDER = ["stream", "graph", "keys", "audit"]
#: What each step counts.
COUNTERS: dict[str, Mapping[str, int]] = {
    "stream": {"stream_messages": 1},
    "graph": {"shared_unlinked": 1},
    "keys": {"data_keys": 2},
    "audit": {"audit_redacted": 3},
}
CLUSTER = SubjectCluster(
    profile="p-1",
    merged=["p-0"],
    identifiers=[
        SubjectIdentifier("k-user", "user_id"),
        SubjectIdentifier("k-tablet", "device_id", shared=True),
        SubjectIdentifier("k-email", "email"),
    ],
    sealed=[],
)


class Subject:
    """The steps and the start of one erasure, recording what ran (with which plan)."""

    def __init__(self, records: InMemoryErasureRecordStore) -> None:
        self.records = records
        self.now = T0
        self.ran: list[tuple[str, list[str]]] = []
        self.started: list[str] = []
        #: Steps that raise (once) instead of doing their work.
        self.broken: set[str] = set()
        #: A step during which another runner takes the lease over.
        self.overtaken_in: str | None = None
        self.runner = ErasureRunner(
            records,
            [(n, self._step(n)) for n in ORDER],
            self.start,
            self.complete,
            LEASE,
            self.clock,
        )

    def clock(self) -> float:
        return self.now

    def _step(self, name: str) -> Step:
        async def step(job: ErasureJob) -> None:
            if name in self.broken:
                self.broken.discard(name)
                raise RuntimeError(f"{name} broke")
            if name == self.overtaken_in:
                self.now += LEASE + 1
                assert await self.records.lease(job.request_id, "other", self.now, self.now + 60)
                await job.renew()
            self.ran.append((name, job.plan.erase_keys))
            await job.mark(name, COUNTERS[name])

        return step

    async def start(self, request_id: str, profile_id: str) -> ErasurePlan:
        self.started.append(profile_id)
        plan = ErasurePlan.of_cluster(CLUSTER)
        await self.records.record_start(
            NoTransaction(), request_id, self.now, plan.recorded(), plan.erase
        )
        return plan

    async def complete(self, request_id: str) -> None:
        record = await self.records.get(request_id)
        assert record is not None
        body = orjson.dumps(receipt_of(record, self.now)).decode()
        await self.records.complete(request_id, self.now, body)


@pytest.fixture
def records() -> InMemoryErasureRecordStore:
    return InMemoryErasureRecordStore()


@pytest.fixture
async def subject(records: InMemoryErasureRecordStore) -> Subject:
    await records.create("r-1", T0, "dpo", "art. 17", "p-1")
    return Subject(records)


async def test_the_steps_run_in_order_under_the_plan_and_end_in_a_receipt(
    subject: Subject, records: InMemoryErasureRecordStore
) -> None:
    status = await subject.runner.run("r-1")
    assert subject.started == ["p-1"]
    assert subject.ran == [(name, ["k-email", "k-user"]) for name in ORDER]
    assert (status.status, status.completed_at) == ("completed", T0)
    assert status.counts == {
        "suppressed": 2,
        "stream_messages": 1,
        "shared_unlinked": 1,
        "data_keys": 2,
        "audit_redacted": 3,
    }
    done = await records.get("r-1")
    assert done is not None and done.receipt is not None
    receipt = orjson.loads(done.receipt)
    assert receipt["identifiers_by_type"] == {"email": 1, "user_id": 1}
    assert receipt["shared_by_type"] == {"device_id": 1}
    assert (receipt["requested_by"], receipt["reason"]) == ("dpo", "art. 17")


async def test_a_resumed_request_skips_the_steps_it_recorded_done(
    subject: Subject, records: InMemoryErasureRecordStore
) -> None:
    await subject.start("r-1", "p-1")
    await records.mark_step("r-1", "stream", {})
    await records.mark_step("r-1", "graph", {})
    subject.started.clear()
    await subject.runner.run("r-1")
    # Planned already: the recorded plan is used, not made again.
    assert subject.started == []
    assert subject.ran == [("keys", ["k-email", "k-user"]), ("audit", ["k-email", "k-user"])]


async def test_a_failed_step_fails_the_request_and_a_retry_carries_on_from_it(
    subject: Subject, records: InMemoryErasureRecordStore
) -> None:
    subject.broken.add("keys")
    with pytest.raises(RuntimeError):
        await subject.runner.run("r-1")
    failed = await subject.runner.status("r-1")
    assert failed is not None and (failed.status, failed.error) == ("failed", "RuntimeError")
    assert [name for name, _ in subject.ran] == ["stream", "graph"]
    # A failed request is not run again until it is retried.
    assert (await subject.runner.run("r-1")).status == "failed"
    assert await records.retry_failed() == ["r-1"]
    assert (await subject.runner.run("r-1")).status == "completed"
    assert [name for name, _ in subject.ran] == ORDER
    assert subject.started == ["p-1"]


async def test_another_runners_lease_is_waited_out(
    subject: Subject, records: InMemoryErasureRecordStore
) -> None:
    assert await records.lease("r-1", "other", T0, T0 + LEASE)
    with pytest.raises(LeaseHeld):
        await subject.runner.run("r-1")
    assert subject.ran == [] and subject.started == []
    subject.now = T0 + LEASE + 1  # the other runner died
    assert (await subject.runner.run("r-1")).status == "completed"


async def test_a_runner_overtaken_mid_way_stops_and_leaves_the_request_running(
    subject: Subject, records: InMemoryErasureRecordStore
) -> None:
    subject.overtaken_in = "graph"
    with pytest.raises(LeaseHeld):
        await subject.runner.run("r-1")
    assert [name for name, _ in subject.ran] == ["stream"]
    record = await records.get("r-1")
    assert record is not None and (record.status, record.error) == ("running", None)
    assert record.steps == ["stream"]


async def test_a_finished_request_is_reported_and_an_unknown_one_refused(
    subject: Subject,
) -> None:
    first = await subject.runner.run("r-1")
    assert await subject.runner.run("r-1") == first
    assert len(subject.ran) == len(ORDER)
    with pytest.raises(NotFound):
        await subject.runner.run("r-9")


def test_a_plan_erases_the_subjects_own_identifiers_and_unlinks_the_shared() -> None:
    plan = ErasurePlan.of_cluster(CLUSTER)
    assert plan.profiles == ["p-1", "p-0"]
    assert (plan.erase_keys, plan.shared_keys) == (["k-email", "k-user"], ["k-tablet"])
    assert plan.counts() == {
        "identifiers_by_type": {"email": 1, "user_id": 1},
        "shared_by_type": {"device_id": 1},
        "merged_profiles": 1,
    }
    again = ErasurePlan.of_request(plan.recorded())
    assert (again.profiles, again.erase_keys, again.shared_keys) == (
        plan.profiles,
        plan.erase_keys,
        plan.shared_keys,
    )
    with pytest.raises(NotFound):
        ErasurePlan.of_cluster(None)
