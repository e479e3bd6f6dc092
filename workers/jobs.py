"""Job functions: thin, idempotent, and free of personal data in arguments and results."""

from __future__ import annotations

import socket
import time
from collections import Counter
from typing import Any

from app.adapters.valkey.keys import WorkspaceKeys
from app.bootstrap import Container
from app.services.identity.keys import rotate_kek as rotate_kek_steps
from app.services.identity.rekeying import RekeyProgress
from app.services.privacy.erasure import LeaseHeld


def _container(ctx: dict[str, Any]) -> Container:
    container: Container = ctx["container"]
    return container


async def heartbeat(ctx: dict[str, Any]) -> dict[str, Any]:
    """Record that a worker is alive in Neo4j: proves the Valkey -> worker -> Neo4j path."""
    container = _container(ctx)
    rows = await container.graph.write(
        "graph/record_heartbeat",
        ws=container.settings.workspace,
        at=time.time(),
        worker=f"{socket.gethostname()}:{ctx.get('job_id', '?')}",
    )
    return {"beats": rows[0]["beats"], "at": rows[0]["at"]}


async def graph_stats(ctx: dict[str, Any]) -> dict[str, int]:
    """Counts of identifiers, active profiles and events in the workspace."""
    container = _container(ctx)
    rows = await container.graph.read("graph/stats", ws=container.settings.workspace)
    return {key: int(value) for key, value in rows[0].items()}


async def reresolve_workspace(ctx: dict[str, Any], dry_run: bool = True) -> dict[str, int]:
    """Re-run resolution over the workspace after a rule change (counts only, no PII)."""
    container = _container(ctx)
    changes = await container.curation.reresolve(dry_run=dry_run)
    return {
        "components": len(changes),
        "merges": sum(c.merges for c in changes),
        "splits": sum(c.splits for c in changes),
        "moves": sum(c.moves for c in changes),
    }


async def rotate_kek(ctx: dict[str, Any], step: int = 1000) -> dict[str, int]:
    """Re-wrap every data key under the current KEK, a transaction per step; resumable.

    Progress (counts only) is kept in Valkey at cdp:<ws>:rotation:kek.
    """
    container = _container(ctx)
    progress = WorkspaceKeys(container.settings.workspace).rotation_progress("kek")

    async def report(done: int, remaining: int) -> None:
        mapping = {"rewrapped": done, "remaining": remaining}
        await container.redis.hset(progress, mapping=mapping)  # type: ignore[misc]

    total = await rotate_kek_steps(
        container.keystore, step, report, audit=container.audit, by="worker"
    )
    return {"rewrapped": total, "remaining": 0}


async def rotate_blind_index(
    ctx: dict[str, Any], step: int = 100, retry_set_aside: bool = False
) -> dict[str, int]:
    """Re-key every identifier under the current blind-index kid while ingestion goes on;
    resumable (a new run carries on where a dead one stopped).

    Progress (counts only) is kept in Valkey at cdp:<ws>:rotation:blind_index.
    """
    container = _container(ctx)
    progress_key = WorkspaceKeys(container.settings.workspace).rotation_progress("blind_index")

    async def report(progress: RekeyProgress) -> None:
        await container.redis.hset(progress_key, mapping=progress.as_dict())  # type: ignore[misc]

    result = await container.rekeying.run(
        step=step, report=report, retry_set_aside=retry_set_aside, by="worker"
    )
    return result.as_dict()


async def erase_subject(ctx: dict[str, Any], request_id: str) -> dict[str, Any]:
    """Run one erasure to its end (resumes where a previous run stopped). Arguments and result
    carry ids and counts only."""
    container = _container(ctx)
    try:
        status = await container.erasure.run(request_id)
    except LeaseHeld:
        # Its runner finishes it, or dies and `resume_erasures` hands it out again.
        return {"id": request_id, "status": "held by another runner"}
    return {"id": status.id, "status": status.status, "counts": status.counts}


async def resume_erasures(ctx: dict[str, Any]) -> dict[str, int]:
    """Hand every unfinished erasure to a worker again (at start-up and every minute): an
    erasure whose worker died half-way is finished by another."""
    container = _container(ctx)
    waiting = await container.erasure.open_requests()
    for request_id, lease_left in waiting:
        await container.enqueue_erasure(request_id, defer_seconds=lease_left)
    return {"open": len(waiting)}


async def purge_expired_events(ctx: dict[str, Any]) -> dict[str, int]:
    """Delete events past their source's retention (daily); counts per source id."""
    container = _container(ctx)
    return await container.retention.run(by="retention-job")


async def destroy_spent_stream_keys(ctx: dict[str, Any]) -> dict[str, int]:
    """Destroy the stream keys no waiting message was sealed under (every 10 minutes): what
    Valkey's files keep of acknowledged or erased messages can no longer be opened."""
    container = _container(ctx)
    return {"destroyed": await container.stream.destroy_spent_keys()}


async def sweep_review_queue(ctx: dict[str, Any]) -> dict[str, int]:
    """File what the identity rules refused or caught as generic into the review queue, and
    settle what no longer asks anything (every 5 minutes); counts only."""
    report = await _container(ctx).conflict_sweep.sweep()
    return {"contended": report.contended, "generic": report.generic, "settled": report.settled}


async def find_likely_duplicates(ctx: dict[str, Any]) -> dict[str, float]:
    """Score profiles that share no identifier by their traits and file the likely same
    people into the review queue (every hour); counts only."""
    report = await _container(ctx).duplicate_scan.scan()
    return {
        "profiles": report.profiles,
        "compared": report.compared,
        "pairs": report.pairs,
        "filed": report.filed,
        "seconds": round(report.seconds, 1),
    }


async def refresh_segments(ctx: dict[str, Any]) -> dict[str, int]:
    """Re-evaluate segments with a time window or a consent condition (every 10 minutes):
    time passes without any event, and members must leave when their window closes."""
    container = _container(ctx)
    changes = await container.segments.refresh()
    return {
        "entered": sum(1 for c in changes if c.entered),
        "left": sum(1 for c in changes if not c.entered),
    }


async def redecide_golden_records(ctx: dict[str, Any], run_id: str) -> dict[str, Any]:
    """Carry a golden-record re-decision run on from its cursor (after a source's trust or
    the trait schema changed); ids and counts only."""
    run = await _container(ctx).redecisions.run(run_id)
    return {"id": run.id, "status": run.status, "checked": run.checked, "changed": run.changed}


async def resume_redecisions(ctx: dict[str, Any]) -> dict[str, int]:
    """Hand again to a worker every re-decision run whose job was lost or whose worker died
    (every minute)."""
    return {"resumed": await _container(ctx).redecisions.resume()}


async def evaluate_segment(ctx: dict[str, Any], name: str, run: str) -> str:
    """Carry a segment's whole evaluation on from its cursor (activation, a new version);
    answers its status. Run again after a crash, it resumes where the last page ended."""
    return await _container(ctx).segments.evaluations.resume(name, run)


async def journey_steps(ctx: dict[str, Any], runs: list[list[Any]]) -> dict[str, int]:
    """Carry a batch of journey runs on, each from its position ([run id, seq] pairs; ids
    only in, counts out: how many runs waited, ended, or were found moved)."""
    due = [(str(run_id), int(seq)) for run_id, seq in runs]
    results = await _container(ctx).journeys.step_many(due)
    return dict(Counter(results.values()))


async def resume_journey_runs(ctx: dict[str, Any]) -> dict[str, int]:
    """Hand to a job every journey run no job carries (every five minutes)."""
    return {"resumed": await _container(ctx).journeys.resume_stalled()}


async def journey_step(ctx: dict[str, Any], run_id: str, seq: int) -> str:
    """Carry one journey run on from position `seq` (a job queued by a version that queued
    runs one at a time)."""
    return await _container(ctx).journeys.step(run_id, seq)
