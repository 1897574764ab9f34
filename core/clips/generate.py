"""One shot's hosted clip: budget, submit once, write the task id down, poll, download.

    cached file? ──yes──▶ done (a retry, another aspect, an A/B variant)
        │ no
    ledger record with a task id? ──yes──▶ poll that task (a worker died while waiting)
        │ no
    budget ──▶ engine slot ──▶ claim ──▶ submit (429: wait, submit again) ──▶ save task id
        ──▶ poll with backoff (progress) ──▶ download (streamed, capped) ──▶ record cost ──▶ done

A failed download, a timeout or a crash keeps the task id, so the redo fetches the same
clip and nothing paid for is lost.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cutroom.core.clips.engines import (
    ClipFailed,
    ClipRefused,
    ClipRequest,
    ClipTimedOut,
    HostedEngine,
    OverBudget,
    RateLimited,
)
from cutroom.core.clips.ledger import CLAIM_GRACE_S, TaskLedger, TaskRecord, slot, today
from cutroom.core.errors import Cancelled, TransientError

Progress = Callable[[float, str], None]


@dataclass
class ClipPolicy:
    """Per-engine limits from settings (None: the engine table's value)."""

    daily_budget_usd: float | None = None
    usd_per_s: float | None = None
    concurrency: int | None = None
    timeout_s: float | None = None
    poll_s: float = 5.0
    poll_max_s: float = 30.0
    max_bytes: int = 512 * 1024 * 1024
    rate_limit_wait_s: float = 10.0
    max_rate_limit_waits: int = 30
    #: Kept free of this reservation: a QC retake leaves room for the shots still to be made.
    headroom_usd: float = 0.0


def estimate_usd(engine: HostedEngine, policy: ClipPolicy, model: str | None, duration_s: float) -> float:
    """What a clip of ``duration_s`` is estimated to cost (the setting's price, else the engine table's)."""
    _, model_spec = engine.spec.model(model)
    return round((policy.usd_per_s if policy.usd_per_s is not None else model_spec.usd_per_s) * duration_s, 4)


@dataclass
class ClipResult:
    path: Path
    key: str
    task_id: str | None
    reused: bool
    cost_usd: float | None = None
    notes: list[str] = field(default_factory=list)


def _nap(seconds: float, should_cancel: Callable[[], bool], sleep: Callable[[float], None]) -> None:
    end = time.monotonic() + seconds
    while True:
        if should_cancel():
            raise Cancelled("The render was cancelled.")
        left = end - time.monotonic()
        if left <= 0:
            return
        sleep(min(0.25, left))


def make_clip(
    engine: HostedEngine,
    request: ClipRequest,
    *,
    ledger: TaskLedger,
    cache_dir: Path,
    policy: ClipPolicy | None = None,
    on_progress: Progress = lambda f, m: None,
    should_cancel: Callable[[], bool] = lambda: False,
    sleep: Callable[[float], None] = time.sleep,
) -> ClipResult:
    """The clip file for ``request``, paying for it at most once across retries and workers."""
    policy = policy or ClipPolicy()
    spec = engine.spec
    key = request.key(engine.name)
    cache_dir.mkdir(parents=True, exist_ok=True)
    dest = cache_dir / f"{key}.mp4"
    label = spec.label
    shot = request.shot_index
    if dest.is_file() and dest.stat().st_size > 0:
        record = ledger.get(key)
        return ClipResult(dest, key, record.task_id if record else None, reused=True,
                          cost_usd=record.cost_usd if record else None)

    record = ledger.get(key)
    if record is not None and record.state == "refused":
        raise ClipRefused(_refused(shot, label, record.message))
    resumable = record is not None and record.task_id and record.state in ("submitted", "done")
    if not resumable:
        record = _submit(engine, request, key, ledger, policy, on_progress, should_cancel, sleep, record)
    assert record is not None and record.task_id
    if resumable:
        on_progress(0.05, f"Shot {shot}: resuming {label} task {record.task_id[:12]}")
    return _wait_and_fetch(engine, record, dest, ledger, policy, on_progress, should_cancel, sleep, shot)


def _submit(
    engine: HostedEngine,
    request: ClipRequest,
    key: str,
    ledger: TaskLedger,
    policy: ClipPolicy,
    on_progress: Progress,
    should_cancel: Callable[[], bool],
    sleep: Callable[[float], None],
    previous: TaskRecord | None,
) -> TaskRecord:
    spec = engine.spec
    shot = request.shot_index
    estimate = estimate_usd(engine, policy, request.model, request.duration_s)
    holder = f"{os.getpid()}:{key}"

    # Someone else is submitting this very clip (a twin job): wait for their task id.
    if previous is not None and previous.state == "submitting":
        while time.time() - previous.claimed_ts < CLAIM_GRACE_S:
            on_progress(0.0, f"Shot {shot}: another worker is submitting this clip")
            _nap(1.0, should_cancel, sleep)
            current = ledger.get(key)
            if current is None:
                break
            if current.task_id:
                return current
            previous = current

    day = today()
    budget = policy.daily_budget_usd
    limit = None if budget is None else budget - policy.headroom_usd
    if ledger.reserve(day, estimate, limit) is None:  # atomic: the check and the hold are one step
        spent = ledger.spent(day)
        kept = (f" (and ${policy.headroom_usd:.2f} is kept for the shots still to be made)"
                if policy.headroom_usd > 0 else "")
        raise OverBudget(
            f"Shot {shot}'s clip would cost about ${estimate:.2f} on {spec.label}, and ${spent:.2f} of today's "
            f"${budget or 0.0:.2f} clip budget is spent{kept}. Raise CUTROOM_CLIP_DAILY_BUDGET_USD or try tomorrow."
        )
    record = TaskRecord(key=key, engine=engine.name, model=request.model, shot_index=shot, estimated_usd=estimate,
                        submissions=(previous.submissions if previous else 0))
    try:
        with slot(ledger, engine.name, holder, policy.concurrency or spec.concurrency, ttl_s=CLAIM_GRACE_S,
                  wait=lambda s: _nap(s, should_cancel, sleep),
                  on_wait=lambda: on_progress(0.0, f"Shot {shot}: waiting for a free {spec.label} slot")):
            if previous is None:
                if not ledger.claim(record):
                    raise TransientError(f"Shot {shot}'s clip is being submitted by another worker.")
            else:
                record.claimed_ts = time.time()
                ledger.save(record)
            waits = 0
            while True:
                if should_cancel():
                    raise Cancelled("The render was cancelled.")
                try:
                    task_id = engine.submit(request)
                    break
                except RateLimited as exc:  # nothing was created: wait it out here, per engine
                    waits += 1
                    if waits > policy.max_rate_limit_waits:
                        raise
                    delay = exc.retry_after_s or min(120.0, policy.rate_limit_wait_s * 2 ** min(waits - 1, 4))
                    on_progress(0.0, f"Shot {shot}: {spec.label} is busy (429); trying again in {delay:g} s")
                    _nap(delay, should_cancel, sleep)
            record.task_id = task_id
            record.state = "submitted"
            record.submissions += 1
            ledger.save(record)  # before waiting: a worker killed from here on resumes this task
    except BaseException:
        if record.task_id is None:
            ledger.reserve(day, -estimate, None)  # nothing was bought
            current = ledger.get(key)
            if current is not None and current.task_id is None and current.claimed_ts == record.claimed_ts:
                record.state = "failed"
                record.message = "not submitted"
                record.claimed_ts = 0.0  # a later try may claim it again at once
                ledger.save(record)
        raise
    on_progress(0.02, f"Shot {shot}: submitted to {spec.label}")
    return record


def _wait_and_fetch(
    engine: HostedEngine,
    record: TaskRecord,
    dest: Path,
    ledger: TaskLedger,
    policy: ClipPolicy,
    on_progress: Progress,
    should_cancel: Callable[[], bool],
    sleep: Callable[[float], None],
    shot: int,
) -> ClipResult:
    spec = engine.spec
    label = spec.label
    task_id = record.task_id or ""
    timeout_s = policy.timeout_s or spec.timeout_s
    started = time.monotonic()
    delay = policy.poll_s
    while True:
        try:
            if should_cancel():
                raise Cancelled("The render was cancelled.")
            try:
                status = engine.status(task_id)
            except RateLimited as exc:
                _nap(exc.retry_after_s or delay, should_cancel, sleep)
                continue
        except Cancelled:
            _cancel_task(engine, record, ledger)
            raise
        if status.state == "succeeded":
            break
        if status.state == "refused":
            record.state = "refused"
            record.message = status.message
            record.cost_usd = status.cost_usd
            ledger.save(record)
            _settle(ledger, record)
            raise ClipRefused(_refused(shot, label, status.message))
        if status.state in ("failed", "cancelled"):
            record.state = "failed"
            record.message = status.message or status.state
            record.cost_usd = status.cost_usd
            ledger.save(record)
            _settle(ledger, record)
            raise ClipFailed(
                f"Shot {shot}'s clip failed at {label}: {record.message[:200]}. Press redo to try that shot again."
            )
        progress = status.progress if status.progress is not None else 0.0
        on_progress(0.05 + 0.85 * max(0.0, min(1.0, progress)),
                    f"Shot {shot}: {label} {status.state} {round(progress * 100)}%")
        if time.monotonic() - started > timeout_s:
            raise ClipTimedOut(
                f"Shot {shot}'s clip is still not ready at {label} after {timeout_s / 60:g} minutes. The task "
                f"({task_id[:16]}) is kept: press redo to check on it again, nothing is paid twice."
            )
        try:
            _nap(delay, should_cancel, sleep)
        except Cancelled:
            _cancel_task(engine, record, ledger)
            raise
        delay = min(policy.poll_max_s, delay * 1.5)

    on_progress(0.92, f"Shot {shot}: downloading from {label}")
    engine.download(status, dest, max_bytes=policy.max_bytes)  # failures keep the task: the redo downloads again
    record.state = "done"
    record.cost_usd = status.cost_usd if status.cost_usd is not None else record.estimated_usd
    ledger.save(record)
    _settle(ledger, record)
    on_progress(1.0, f"Shot {shot}: clip ready")
    return ClipResult(dest, record.key, task_id, reused=False, cost_usd=record.cost_usd)


def _cancel_task(engine: HostedEngine, record: TaskRecord, ledger: TaskLedger) -> None:
    """Cancel reaches the provider where its API allows (Runway DELETE /v1/tasks/{id}, Luma DELETE)."""
    try:
        stopped = engine.cancel(record.task_id or "")
    except Exception:  # the cancel itself failing must not hide the cancel
        stopped = False
    if stopped:
        record.state = "cancelled"
        ledger.save(record)


def _settle(ledger: TaskLedger, record: TaskRecord) -> None:
    """Replace the estimate in today's spend with what the provider charged, once it says."""
    if record.cost_usd is not None and abs(record.cost_usd - record.estimated_usd) > 1e-9:
        ledger.reserve(today(), record.cost_usd - record.estimated_usd, None)
        record.estimated_usd = record.cost_usd
        ledger.save(record)


def _refused(shot: int, label: str, reason: str) -> str:
    return (
        f"Shot {shot} was refused by {label}'s content moderation ({reason[:160] or 'no reason given'}). "
        f"Reword shot {shot}'s action (no real people, brands or unsafe content) or redraw its keyframe, then render again."
    )
