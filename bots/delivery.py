"""Following jobs and posting what they make: status edits, storyboards, videos, exactly once.

``Delivery`` is the part of the ``Engine`` that talks back: it follows each job's progress
events (one status message, edited), posts a finished storyboard or the variants through the
``DeliveryLog`` (so a restart never posts twice), tries a refused post again, and goes quiet
in a channel the bot was removed from while keeping its session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from redis.asyncio import Redis

from cutroom.bots.messages import (
    APPROVE,
    REDO,
    Button,
    delivery_summary,
    progress_text,
    storyboard_post,
    variant_post,
)
from cutroom.bots.platform import FileTooLarge, Platform, PlatformError, PlatformGone
from cutroom.bots.policy import PREFIX
from cutroom.core.models import Variant
from cutroom.core.store import ArtifactStore
from cutroom.jobs.queue import JobKind, JobQueue, ProgressEvent, UnknownJobError, load_record
from cutroom.storage.messages import INDEX_TTL_S, MessageIndex
from cutroom.storage.state import DeliveryLog, JobRef, Session, SessionKey, SessionStore

if TYPE_CHECKING:
    from cutroom.bots.engine import EngineConfig

log = logging.getLogger(__name__)

LABELS = {
    "storyboard": "Storyboard",
    "redraw_shot": "Redrawing a scene",
    "redo_all": "New storyboard",
    "recast": "Recasting",
    "render": "Rendering",
}
STORYBOARD_KINDS = ("storyboard", "redraw_shot", "redo_all", "recast")


class Delivery:
    """Job following and posting, mixed into ``Engine`` (which owns these attributes)."""

    platform: Platform
    queue: JobQueue
    sessions: SessionStore
    deliveries: DeliveryLog
    store: ArtifactStore
    config: EngineConfig
    redis: Redis
    index: MessageIndex
    _followers: dict[str, asyncio.Task[None]]
    _delivering: set[str]
    _gone: set[str]

    async def _remember(self, key: SessionKey, message_id: str, role: str, ref: str, *, by: str = "") -> None:
        await self.index.remember(key, message_id, role, ref, by=by)

    # ── jobs ────────────────────────────────────────────────────────────────────────────

    async def _start(
        self, session: Session, kind: JobKind, payload: dict[str, Any], *, request_key: str
    ) -> None:
        """Enqueue once, post the status line, remember the job on the session and follow it."""
        enqueued = await self.queue.enqueue(
            kind, payload, request_key=request_key, requester=session.requester
        )
        known = next((j for j in session.jobs if j.job_id == enqueued.job_id), None)
        if known is not None:
            self._follow(session.key, known)
            return  # the same request again: nothing new runs
        label = LABELS.get(kind, kind)
        status = await self._say(session.key, progress_text(label, "queued", 0.0, "", enqueued.position))
        job = JobRef(job_id=enqueued.job_id, kind=kind, status_message=status)
        session.jobs.append(job)
        session.stage = "rendering" if kind == "render" else "storyboarding"
        if status:
            await self._remember(session.key, status, "status", job.job_id)
        self._follow(session.key, job)

    def _follow(self, key: SessionKey, job: JobRef) -> None:
        task = self._followers.get(job.job_id)
        if task is not None and not task.done():
            return
        task = asyncio.create_task(self._follow_job(key, job), name=f"follow:{job.job_id}")
        self._followers[job.job_id] = task
        task.add_done_callback(partial(self._forget, job.job_id))

    def _forget(self, job_id: str, task: asyncio.Task[None]) -> None:
        if self._followers.get(job_id) is task:
            del self._followers[job_id]

    async def _follow_job(self, key: SessionKey, job: JobRef) -> None:
        label = LABELS.get(job.kind, job.kind)
        last_text = ""
        try:
            async for event in self.queue.follow(job.job_id, min_interval_s=self.config.follow_interval_s):
                if event.terminal:
                    await self._finish(key, job, event)
                    return
                text = progress_text(label, event.state, event.fraction, event.message, event.position)
                if job.status_message and text != last_text:
                    await self._edit(key, job.status_message, text)
                    last_text = text
        except asyncio.CancelledError:
            raise
        except UnknownJobError:
            await self._finish(
                key,
                job,
                ProgressEvent(job_id=job.job_id, kind=job.kind, state="failed", error="The job was lost."),
            )
        except Exception:
            log.exception("following job %s failed", job.job_id)

    async def _finish(self, key: SessionKey, job: JobRef, event: ProgressEvent) -> None:
        label = LABELS.get(job.kind, job.kind)
        if job.status_message:
            text = progress_text(label, event.state, 1.0, event.error or event.message, None)
            await self._edit(key, job.status_message, text)
        if event.state == "done" and event.result is not None:
            self._delivering.add(job.job_id)
            try:
                delivered = await self._deliver(key, job, event.result)
            finally:
                self._delivering.discard(job.job_id)
            if not delivered:
                what = "storyboard" if job.kind in STORYBOARD_KINDS else "videos"
                event = event.model_copy(
                    update={"state": "failed", "error": f"The {what} could not be posted here."}
                )
                await self._say(
                    key,
                    f"⚠️ I couldn't post the {what} in this thread after {len(self.config.delivery_retry_s) + 1} "
                    "tries; the work is saved."
                    + ("" if job.kind == "render" else " Mention me again to try once more."),
                )
        async with self.sessions.lock(key):
            session = await self.sessions.get(key)
            if session is None:
                return
            mine = next((j for j in session.jobs if j.job_id == job.job_id), None)
            if mine is not None:
                mine.state = event.state
            latest = session.jobs[-1].job_id == job.job_id if session.jobs else False
            if latest and event.state == "failed":
                session.stage = "awaiting_approval" if session.storyboard_id else "failed"
                if session.storyboard_id:
                    await self._say(
                        key, f"You can try again with {APPROVE}, or reply here to change the brief."
                    )
            elif latest and event.state == "cancelled" and session.stage != "cancelled":
                session.stage = "awaiting_approval" if session.storyboard_id else "cancelled"
            await self.sessions.put(session)

    async def _deliver(self, key: SessionKey, job: JobRef, result: dict[str, Any]) -> bool:
        """Post a finished job's results, trying again after a refused post; False if it never went out.

        The delivery log makes each try post only what is still missing.
        """
        waits = [*self.config.delivery_retry_s, None]
        for wait_s in waits:
            if job.kind in STORYBOARD_KINDS:
                delivered = await self._deliver_storyboard(key, job, result)
            elif job.kind == "render":
                delivered = await self._deliver_variants(key, job, result)
            else:
                return True
            if delivered or key.as_str() in self._gone:
                return True  # a channel the bot left keeps its session quietly, as everywhere
            if wait_s is not None:
                log.warning("posting %s's results in %s failed; trying again in %.0f s", job.job_id, key.as_str(), wait_s)
                await asyncio.sleep(wait_s)
        return False

    async def _deliver_storyboard(self, key: SessionKey, job: JobRef, result: dict[str, Any]) -> bool:
        from cutroom.core.pipeline import load_storyboard

        sb_id = str(result["storyboard_id"])
        board = await asyncio.to_thread(load_storyboard, self.store, sb_id)
        async with self.sessions.lock(key):
            session = await self.sessions.get(key)
            if session is None or not session.jobs or session.jobs[-1].job_id != job.job_id:
                return True  # superseded by a newer request: show only the newest storyboard
            dkey = f"{key.as_str()}:storyboard:{job.job_id}"
            ref = await self.deliveries.is_done(dkey)
            reactions: Sequence[str] = ()
            if ref is None and await self.deliveries.claim(dkey, lease_s=self.config.delivery_lease_s):
                sheet = await asyncio.to_thread(self.store.get_bytes, board.sheet)
                post = storyboard_post(board, sheet)
                ref = await self._post(key, self.platform.post_image(key, post))
                if ref is None:
                    await self.deliveries.release(dkey)
                    if key.as_str() not in self._gone:
                        return False  # refused: leave the session as it was and try again
                else:
                    await self.deliveries.done(dkey, ref)
                    await self._remember(key, ref, "storyboard", sb_id)
                    reactions = post.reactions
            session.storyboard_id = sb_id
            session.storyboard_version = board.version
            session.plan = board.plan
            session.storyboard_message = ref
            session.stage = "awaiting_approval"
            for mine in session.jobs:
                if mine.job_id == job.job_id:
                    mine.state = "done"
            # Saved before the reactions go on (one API call each), so an early ✅ finds the board.
            await self.sessions.put(session)
            if ref is not None and reactions:
                await self._react(key, ref, reactions)
        return True

    async def _deliver_variants(self, key: SessionKey, job: JobRef, result: dict[str, Any]) -> bool:
        """Post each video of a finished render once (DeliveryLog), then record them on the session."""
        variants = [Variant.model_validate(v) for v in result.get("variants", [])]
        sb_id = str(result.get("storyboard_id", ""))
        record = await load_record(self.queue.redis, job.job_id)
        if record is not None and record.payload.get("like"):
            # "More like this" renders the main cut again beside the new take: post only the new ones.
            variants = [v for v in variants if v.choice.name != "A"] or variants
        session = await self.sessions.get(key)
        title = session.plan.title if session and session.plan else "Cutroom ad"
        summary_key = f"{key.as_str()}:summary:{job.job_id}"
        if await self.deliveries.claim(summary_key, lease_s=self.config.delivery_lease_s):
            ref = await self._say(key, delivery_summary(variants))
            await (self.deliveries.done(summary_key, ref) if ref else self.deliveries.release(summary_key))
        posted: dict[str, str] = {}
        missing = 0
        for variant in variants:
            # Variant ids repeat between renders (9x16-A); the job id makes each delivery its own.
            delivered = variant.model_copy(update={"id": delivered_id(job.job_id, variant.id)})
            dkey = f"{key.as_str()}:variant:{delivered.id}"
            ref = await self.deliveries.is_done(dkey)
            if ref is None and await self.deliveries.claim(dkey, lease_s=self.config.delivery_lease_s):
                ref = await self._post_variant(key, delivered, title)
                if ref is None:
                    await self.deliveries.release(dkey)
                    missing += 1
                    continue
                await self.deliveries.done(dkey, ref)
                await self._remember(key, ref, "variant", delivered.id)
                await self._react(key, ref, [REDO])
            if ref is not None:
                posted[delivered.id] = ref
        async with self.sessions.lock(key):
            session = await self.sessions.get(key)
            if session is None:
                return True  # the conversation was removed: nothing left to record
            known = {v.get("id") for v in session.variants}
            for variant in variants:
                uid = delivered_id(job.job_id, variant.id)
                if uid not in known:
                    session.variants.append(
                        {
                            **variant.model_dump(mode="json"),
                            "id": uid,
                            "variant": variant.id,
                            "storyboard_id": sb_id,
                            "job_id": job.job_id,
                        }
                    )
            session.variant_messages.update(posted)
            if missing:
                await self.sessions.put(session)  # what did go out is recorded; the rest is tried again
                return False
            if session.jobs and session.jobs[-1].job_id == job.job_id:
                session.stage = "delivered"
            for mine in session.jobs:
                if mine.job_id == job.job_id:
                    mine.state = "done"
            await self.sessions.put(session)
        return True

    async def _post_variant(self, key: SessionKey, variant: Variant, title: str) -> str | None:
        with tempfile.TemporaryDirectory(prefix="cutroom-post-") as tmp:
            local = await asyncio.to_thread(self.store.fetch, variant.video, Path(tmp) / "video.mp4")
            url = await asyncio.to_thread(self.store.url, variant.video, expires_s=self.config.link_expiry_s)
            # A local store's file:// address opens nowhere but on the worker: no link at all then.
            link = url if url.startswith(("https://", "http://")) else None
            post = variant_post(variant, Path(local), link=link, title=title)
            try:
                return await self._post(key, self.platform.post_file(key, post))
            except FileTooLarge:
                if link is None:
                    return await self._say(
                        key,
                        f"{post.summary}\nThis video is too big to upload here ({post.size_bytes / 1e6:.0f} MB), "
                        "and this Cutroom keeps its videos on its own disk, so there is no link to share. "
                        "Whoever runs it can set CUTROOM_ARTIFACTS_URL to an s3:// bucket to get download links.",
                        buttons=post.buttons,
                    )
                return await self._say(
                    key,
                    f"{post.summary}\nThis video is too big to upload here ({post.size_bytes / 1e6:.0f} MB), "
                    f"so here is a link instead: {link}",
                    buttons=post.buttons,
                )

    # ── talking: every post goes through here ───────────────────────────────────────────

    async def _say(self, key: SessionKey, text: str, *, buttons: Sequence[Button] = ()) -> str | None:
        return await self._post(key, self.platform.post_text(key, text, buttons=buttons))

    async def _post(self, key: SessionKey, call: Any) -> str | None:
        """Await a platform call; a channel the bot was removed from goes quiet, the session stays."""
        if key.as_str() in self._gone:
            call.close()
            return None
        try:
            return str(await call)
        except FileTooLarge:
            raise
        except PlatformGone as err:
            log.warning("cannot post in %s any more (%s); keeping the session", key.as_str(), err)
            self._gone.add(key.as_str())
            with contextlib.suppress(Exception):
                await self._mark_gone(key)
            return None
        except PlatformError as err:
            log.warning("platform refused a post in %s: %s", key.as_str(), err)
            return None

    async def _mark_gone(self, key: SessionKey) -> None:
        # A flag beside the session (the caller may hold its lock), so a restarted bot stays quiet too.
        await self.redis.set(gone_key(key), b"1", ex=INDEX_TTL_S)

    async def _edit(self, key: SessionKey, message_id: str, text: str) -> None:
        await self._post(key, _as_str(self.platform.edit_message(key, message_id, text)))

    async def _react(self, key: SessionKey, message_id: str, emojis: Sequence[str]) -> None:
        await self._post(key, _as_str(self.platform.add_reactions(key, message_id, emojis)))


def delivered_id(job_id: str, variant_id: str) -> str:
    """A posted video's id in its thread: the render's variant id, made unique by its job."""
    return f"{job_id[-6:]}.{variant_id}"


def gone_key(key: SessionKey) -> str:
    """A flag beside the session: the bot was removed from this channel (survives restarts)."""
    return f"{PREFIX}:gone:{key.as_str()}"


async def _as_str(call: Any) -> str:
    await call
    return ""
