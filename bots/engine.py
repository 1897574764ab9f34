"""The conversation engine: one state machine per thread, the same for Slack and Discord.

Adapters turn platform events into ``bots.events`` values and call ``Engine.handle``; the
engine acts through the ``bots.platform.Platform`` port and never imports a platform SDK.

    Mention ──extract──▶ question? ──(≤ 2 rounds, then defaults)──▶ storyboard job
        idle ─▶ collecting ─▶ storyboarding ─▶ awaiting_approval ─(✅)─▶ rendering ─▶ delivered
                                   ▲                 │  🔁 / 1️⃣..9️⃣ / a reply that changes the brief
                                   └─────────────────┘  (delivered: 🔁 on a video = more like this)
        ❌ from someone allowed ─▶ cancelled (a running job is cancelled too)

API (what adapters call)::

    engine = await build_engine(settings, platform)        # or Engine(...) with your own parts
    await engine.resume()        # once at startup: follow jobs of sessions still in progress
    await engine.handle(event)   # after acking the platform; never raises
    await engine.close()

Rules live here once (``bots.policy``): channel allow-list, who may decide (requester +
configured approvers by user, group or role id), dedupe by event id, per-user and
per-workspace request limits, render limits and the daily render budget. Heavy work goes to
the job queue; the engine follows each job, edits one status message with its progress and
posts the results itself (``bots.delivery``). Each post goes through the ``DeliveryLog``, so a storyboard or a
video is posted once per thread even when the bot restarts mid-job.

Errors become words in one place (``bots.messages.explain_error``); nothing an event does can crash the
bot or lose its session.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from redis.asyncio import Redis

from cutroom.bots.delivery import Delivery, gone_key
from cutroom.bots.events import (
    Actor,
    Attachment,
    ButtonPressed,
    Event,
    Mention,
    MessageDeleted,
    ReactionAdded,
    ThreadMessage,
)
from cutroom.bots.messages import (
    APPROVE,
    CANCEL,
    CHANNEL_OFF,
    REDO,
    SHOT_KEYCAPS,
    Button,
    and_list,
    brief_line,
    describe_changes,
    explain_error,
)
from cutroom.bots.platform import Platform, PlatformError
from cutroom.bots.policy import PREFIX, Limits, Policy
from cutroom.core.backends import Extractor
from cutroom.core.errors import CutroomError
from cutroom.core.limits import MAX_LOGO_BYTES, MAX_REFERENCE_BYTES
from cutroom.core.models import Brief, Extraction, Message
from cutroom.core.planning.claims import evidence_thread
from cutroom.core.store import ArtifactStore, safe_key, slug
from cutroom.jobs.queue import TERMINAL, JobQueue
from cutroom.storage.messages import MessageIndex, MessageRef
from cutroom.storage.state import DeliveryLog, JobRef, Proposal, Session, SessionKey, SessionStore
from cutroom.storage.uploads import UploadRefused, checked_image, megabytes

log = logging.getLogger(__name__)

LOGO_TYPES = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
#: Replies that mean "yes, use that suggestion" (bots/consent.json).
AGREE: frozenset[str] = frozenset(
    json.loads((Path(__file__).with_name("consent.json")).read_text(encoding="utf-8"))["agree"]
)


class EngineConfig(BaseModel):
    max_question_rounds: int = 2
    history_limit: int = Field(default=200, description="Most recent thread messages read for a brief.")
    n_variants: int = 2
    follow_interval_s: float = 2.0
    delivery_lease_s: float = 300.0
    delivery_retry_s: list[float] = Field(
        default=[5.0, 30.0], description="Waits before trying a refused post again (a 429 storm, a 5xx)."
    )
    link_expiry_s: int = 7 * 24 * 3600
    render_options: dict[str, Any] | None = Field(
        default=None, description="RenderOptions fields sent with render jobs (e.g. a small size in tests)."
    )


def choice_for(emoji: str, role: str) -> str | None:
    """The choice a reaction means on a message of ``role`` (None: not a Cutroom reaction)."""
    emoji = emoji.strip()
    if emoji == CANCEL:
        return "cancel"
    if role == "storyboard":
        if emoji == APPROVE:
            return "approve"
        if emoji == REDO:
            return "redo_all"
        for number, keycap in enumerate(SHOT_KEYCAPS, start=1):
            if emoji in (keycap, keycap.replace("\ufe0f", "")):
                return f"scene:{number}"
    if role == "variant" and emoji == REDO:
        return "more"
    if role == "proposal" and emoji == APPROVE:
        return "apply"
    return None


class Engine(Delivery):
    """Events in, platform actions out. One per platform connection; safe to share between tasks."""

    def __init__(
        self,
        *,
        platform: Platform,
        queue: JobQueue,
        sessions: SessionStore,
        deliveries: DeliveryLog,
        store: ArtifactStore,
        extractor: Extractor,
        policy: Policy,
        config: EngineConfig | None = None,
        redis: Redis | None = None,
    ) -> None:
        self.platform = platform
        self.queue = queue
        self.sessions = sessions
        self.deliveries = deliveries
        self.store = store
        self.extractor = extractor
        self.policy = policy
        self.config = config or EngineConfig()
        self.redis = redis or policy.redis
        self.index = MessageIndex(self.redis, prefix=PREFIX)
        self._followers: dict[str, asyncio.Task[None]] = {}
        self._delivering: set[str] = set()  # job ids whose results are being posted right now
        self._gone: set[str] = set()
        #: Connections ``build_engine`` opened for this engine, closed with it.
        self.owned: list[Any] = []

    # ── the entry points ────────────────────────────────────────────────────────────────

    async def handle(self, event: Event) -> None:
        """Handle one platform event. Never raises: failures are logged and told in words."""
        try:
            if isinstance(event, Mention | ThreadMessage) and event.actor.is_bot:
                return
            if not await self.policy.first_time(f"{_platform_of(event)}:{event.event_id}"):
                log.info("duplicate event %s ignored", event.event_id)
                return
            if isinstance(event, Mention):
                await self._on_mention(event)
            elif isinstance(event, ThreadMessage):
                await self._on_thread_message(event)
            elif isinstance(event, MessageDeleted):
                await self._on_deleted(event)
            elif isinstance(event, ReactionAdded | ButtonPressed):
                await self._on_choice(event)
        except Exception as err:  # the one place errors become words
            log.exception("event %s failed", getattr(event, "event_id", "?"))
            key = getattr(event, "key", None)
            if isinstance(key, SessionKey):
                await self._say(key, f"⚠️ {explain_error(err)}")

    async def resume(self) -> int:
        """Follow again the jobs of sessions left storyboarding or rendering (after a restart)."""
        count = 0
        for stage in ("storyboarding", "rendering"):
            for session in await self.sessions.find(stage, platform=self.platform.name):
                if await self.redis.exists(gone_key(session.key)):
                    self._gone.add(session.key.as_str())
                for job in session.jobs:
                    if job.state not in TERMINAL:
                        self._follow(session.key, job)
                        count += 1
        log.info("resumed following %d job(s)", count)
        return count

    async def idle(self, timeout_s: float = 60.0) -> None:
        """Wait until no job is being followed (tests, graceful shutdown)."""
        async with asyncio.timeout(timeout_s):
            while self._followers:
                await asyncio.gather(*list(self._followers.values()), return_exceptions=True)

    async def close(self, *, delivery_grace_s: float = 60.0) -> None:
        """Stop following (jobs keep running on the workers; ``resume`` picks them up).

        A follower in the middle of posting a result is let finish (up to ``delivery_grace_s``):
        cut off between the post and the session's update, the delivery's claim would stay
        held until its lease ran out, and the restarted bot could not post or record it.
        """
        posting = [t for job_id, t in self._followers.items() if job_id in self._delivering]
        for job_id, task in list(self._followers.items()):
            if job_id not in self._delivering:
                task.cancel()
        if posting:
            await asyncio.wait(posting, timeout=delivery_grace_s)
        for task in self._followers.values():
            task.cancel()
        await asyncio.gather(*self._followers.values(), return_exceptions=True)
        self._followers.clear()
        for resource in self.owned:
            with contextlib.suppress(Exception):
                await resource.close()
        self.owned.clear()

    # ── a request ───────────────────────────────────────────────────────────────────────

    async def _on_deleted(self, event: MessageDeleted) -> None:
        """The request deleted while its work runs: stop the work. What was already made stays."""
        key = event.key
        target = await self._lookup(key.platform, key.channel, event.message_id)
        if target is None or target.role != "request":
            log.info("message %s deleted in %s; the session stays", event.message_id, key.as_str())
            return
        async with self.sessions.lock(key):
            session = await self.sessions.get(key)
            active = _active_job(session) if session is not None else None
            if session is None or active is None or session.stage not in ("storyboarding", "rendering"):
                return
            await self.queue.cancel(active.job_id)
            what = "render" if session.stage == "rendering" else "storyboard"
            await self._say(
                key, f"The request was deleted, so I stopped the {what}. Mention me to start again."
            )

    async def _on_mention(self, event: Mention) -> None:
        key = event.key
        self._gone.discard(key.as_str())  # a mention proves the bot can read the channel again
        await self.redis.delete(gone_key(key))
        if not self.policy.channel_allowed(key.channel):
            await self._say(key, CHANNEL_OFF)
            return
        async with self.sessions.lock(key):
            session = await self.sessions.get(key)
            if session is not None and session.stage in ("storyboarding", "rendering"):
                await self._say(key, "I'm already working on this thread; the progress is just above.")
                return
            if session is not None and session.stage in ("awaiting_approval", "delivered"):
                if self.policy.may_decide(session, event.actor):
                    await self._remember(key, event.message_id, "request", key.as_str(), by=event.actor.id)
                if not event.text.strip():
                    await self._say(
                        key,
                        f"The storyboard is above: react {APPROVE} to render, {REDO} to redo it, or reply "
                        "here with what to change.",
                    )
                    return
                # A mention in a thread that already has a storyboard is a change to it.
                await self._iterate(
                    session, event.actor, event.workspace, event.text, event.files, event.message_id
                )
                await self.sessions.put(session)
                return
            if session is None or session.stage not in ("collecting",):
                session = Session(key=key, requester=event.actor.id)
            if event.actor.id == session.requester:
                # Only the requester's own message is the request (deleting it stops the work).
                await self._remember(key, event.message_id, "request", key.as_str(), by=event.actor.id)
            refusal = await self.policy.admit_request(event.actor, event.workspace)
            if refusal:
                await self._say(key, refusal)
                return

            notes: list[str] = []
            if event.history is not None:
                messages, truncated = event.history, False
            else:
                history = await self.platform.fetch_thread(key, limit=self.config.history_limit)
                messages, truncated = history.messages, history.truncated
            if truncated:
                notes.append(f"This is a long thread, so I read the most recent {len(messages)} messages.")
            if event.text.strip() and not any(m.text.strip() == event.text.strip() for m in messages):
                messages = [*messages, Message(author=event.actor.name or event.actor.id, text=event.text)]
            if not any(m.text.strip() for m in messages):
                session.stage = "collecting"
                session.question_rounds += 1
                await self.sessions.put(session)
                await self._say(
                    key,
                    "Happy to make an ad! Tell me what it's for: the product, who it's for, and anything it "
                    "must say (or mention me in the thread where you discussed the campaign).",
                )
                return
            await self._brief_from_thread(
                session, event.actor, messages, event.files, notes, event.message_id
            )
            await self.sessions.put(session)

    async def _brief_from_thread(
        self,
        session: Session,
        actor: Actor,
        messages: Sequence[Message],
        files: Sequence[Attachment],
        notes: list[str],
        request_id: str,
    ) -> None:
        """Extract, ask (at most ``max_question_rounds`` times), then storyboard with stated defaults."""
        extraction: Extraction = await asyncio.to_thread(
            self.extractor.extract, list(messages), base=session.brief
        )
        brief, logo_notes = await self._take_logos(session.key, extraction.brief, files)
        brief, asset_notes = self._own_assets(session.key, brief)
        notes += logo_notes + asset_notes + extraction.notices
        session.brief = brief
        session.thread = evidence_thread(messages)
        if extraction.question and session.question_rounds < self.config.max_question_rounds:
            session.question_rounds += 1
            session.stage = "collecting"
            last = session.question_rounds >= self.config.max_question_rounds
            tail = " (If you'd rather not say, I'll go with sensible defaults.)" if last else ""
            await self._say(session.key, "\n".join([*notes, f"❓ {extraction.question}{tail}"]))
            return
        if extraction.missing:
            notes.append(
                f"I'll go with defaults for {and_list(extraction.missing)}. Reply here to change anything."
            )
        notes.append(f"📝 {brief_line(brief)}")
        await self._say(session.key, "\n".join(notes))
        await self._start(
            session,
            "storyboard",
            _storyboard_payload(brief, session.thread),
            request_key=f"{session.key.as_str()}:storyboard:{request_id}:{_digest(brief)}",
        )

    async def _on_thread_message(self, event: ThreadMessage) -> None:
        key = event.key
        if not event.text.strip() and not event.files:
            return
        async with self.sessions.lock(key):
            session = await self.sessions.get(key)
            if session is None or session.stage in ("idle",):
                return  # not a thread we follow
            if (
                session.proposal is not None
                and _agrees(event.text)
                and self.policy.may_decide(session, event.actor)
            ):
                await self._apply_proposal(session, event.actor, event.workspace)
                await self.sessions.put(session)
                return
            if session.stage == "collecting":
                history = await self.platform.fetch_thread(key, limit=self.config.history_limit)
                messages = list(history.messages)
                if not any(m.text.strip() == event.text.strip() for m in messages):
                    messages.append(Message(author=event.actor.name or event.actor.id, text=event.text))
                notes = (
                    [f"This is a long thread, so I read the most recent {len(messages)} messages."]
                    if history.truncated
                    else []
                )
                await self._brief_from_thread(
                    session, event.actor, messages, event.files, notes, event.message_id
                )
            elif session.stage == "rendering":
                changed = await self._changed_brief(session, event)
                if changed is not None:
                    await self._say(
                        key,
                        "I'm rendering the approved storyboard right now. Send that change again once the videos "
                        f"are in, or react {CANCEL} to stop the render.",
                    )
            elif session.stage == "storyboarding":
                changed = await self._changed_brief(session, event)
                if changed is not None:
                    # The newest word wins: drop the storyboard in progress and plan again (a change
                    # from someone who cannot decide is only proposed: the work goes on).
                    active = _active_job(session)
                    if active is not None and self.policy.may_decide(session, event.actor):
                        await self.queue.cancel(active.job_id)
                    await self._iterate(
                        session, event.actor, event.workspace, event.text, event.files, event.message_id
                    )
            else:  # awaiting_approval, delivered, cancelled, failed
                await self._iterate(
                    session, event.actor, event.workspace, event.text, event.files, event.message_id
                )
            await self.sessions.put(session)

    async def _changed_brief(self, session: Session, event: ThreadMessage) -> Brief | None:
        if session.brief is None:
            return None
        extraction = await asyncio.to_thread(
            self.extractor.extract,
            [Message(author=event.actor.name or event.actor.id, text=event.text)],
            base=session.brief,
        )
        return extraction.brief if _plannable(extraction.brief) != _plannable(session.brief) else None

    async def _iterate(
        self,
        session: Session,
        actor: Actor,
        workspace: str,
        text: str,
        files: Sequence[Attachment],
        message_id: str,
    ) -> None:
        """A reply after a storyboard: edit the brief (keeping what it does not mention) and re-plan.

        "make Ava older" recasts that one entity instead: only the shots it is in are redrawn.
        """
        if await self._recast(session, actor, workspace, text, message_id, files):
            return
        base = session.brief or Brief()
        extraction = await asyncio.to_thread(
            self.extractor.extract, [Message(author=actor.name or actor.id, text=text)], base=base
        )
        brief, notes = await self._take_logos(session.key, extraction.brief, files)
        brief, asset_notes = self._own_assets(session.key, brief)
        notes += asset_notes
        if _plannable(brief) == _plannable(base):
            # People talking among themselves: keep their words as notes, stay quiet.
            session.brief = brief
            if notes:
                await self._say(session.key, "\n".join(notes))
            return
        # A change is part of the thread: the new plan's lines may cite it.
        session.thread = evidence_thread([*session.thread, Message(author=actor.name or actor.id, text=text)])
        changes = describe_changes(base, brief)
        if not self.policy.may_decide(session, actor):
            await self._propose(session, actor, brief, changes, notes, message_id)
            return
        refusal = await self.policy.admit_request(actor, workspace)
        if refusal:
            await self._say(session.key, refusal)
            return
        session.brief = brief
        await self._remember(session.key, message_id, "request", session.key.as_str(), by=actor.id)
        who = actor.name or actor.id
        await self._say(session.key, "\n".join([*notes, f"✏️ Updating the storyboard, as {who} asked: {changes}."]))
        await self._start(
            session,
            "storyboard",
            _storyboard_payload(brief, session.thread),
            request_key=f"{session.key.as_str()}:storyboard:{message_id}:{_digest(brief)}",
        )

    async def _recast(
        self,
        session: Session,
        actor: Actor,
        workspace: str,
        text: str,
        message_id: str,
        files: Sequence[Attachment] = (),
    ) -> bool:
        """A new look in words ("make Ava older") or a photo captioned with a cast member's name."""
        from cutroom.core.cast import entity_named, read_upload, recast_request

        if session.plan is None or not session.storyboard_id:
            return False
        found = recast_request(text, session.plan)
        upload: str | None = None
        photo = next((f for f in files if f.mimetype.lower() in LOGO_TYPES), None)
        if found is None and photo is not None:
            named = entity_named(text, session.plan)
            if named is None or "logo" in text.lower():
                return False
            try:
                data = await self.platform.fetch_file(photo, limit=MAX_REFERENCE_BYTES)
                await asyncio.to_thread(read_upload, data, what=session.plan.bible.entity(named).name)
            except PlatformError as err:
                await self._say(session.key, f"I couldn't download “{photo.name}” ({err}).")
                return True
            except CutroomError as err:
                await self._say(session.key, str(err))
                return True
            upload = await asyncio.to_thread(
                self.store.put_bytes,
                safe_key("uploads", slug(session.key.as_str(), max_len=80), f"{named}-{_digest_text(photo.id)}.{LOGO_TYPES[photo.mimetype.lower()]}"),
                data,
                content_type=photo.mimetype,
            )
            found = (named, "")
        if found is None:
            return False
        refusal = await self.policy.admit_request(actor, workspace)
        if refusal:
            await self._say(session.key, refusal)
            return True
        entity_id, look = found
        name = session.plan.bible.entity(entity_id).name
        await self._remember(session.key, message_id, "request", session.key.as_str())
        await self._say(session.key, f"🎭 Recasting {name}; only the scenes {name} is in are redrawn.")
        await self._start(
            session,
            "recast",
            {"storyboard_id": session.storyboard_id, "entity_id": entity_id, "look": look or None, "upload": upload},
            request_key=f"{session.key.as_str()}:recast:{session.storyboard_id}:{entity_id}:{_digest_text(look + str(upload))}",
        )
        return True

    async def _take_logos(
        self, key: SessionKey, brief: Brief, files: Sequence[Attachment]
    ) -> tuple[Brief, list[str]]:
        """Keep the first pasted PNG/JPEG/WebP as the brand logo; say why any other file was left out.

        The size a platform reports is only a claim: the download is cut at the limit, and the
        bytes are decoded as a picture (within a pixel limit) before anything is stored.
        """
        notes: list[str] = []
        for attachment in files:
            kind = LOGO_TYPES.get(attachment.mimetype.lower())
            if kind is None:
                label = attachment.mimetype or "an unknown type"
                notes.append(
                    f"I can use PNG, JPEG or WebP images as a logo; “{attachment.name}” is {label}, so I left it out."
                )
                continue
            if attachment.size > MAX_LOGO_BYTES:
                notes.append(
                    f"“{attachment.name}” is over {megabytes(MAX_LOGO_BYTES)}, so I left it out; "
                    "a logo under 1 MB is plenty."
                )
                continue
            try:
                data = await self.platform.fetch_file(attachment, limit=MAX_LOGO_BYTES)
                kind = await asyncio.to_thread(checked_image, data)
            except UploadRefused as err:
                log.warning("logo %s refused in %s: %s", attachment.id, key.as_str(), err)
                notes.append(f"I left out “{attachment.name}”: {err}.")
                continue
            except PlatformError as err:
                notes.append(f"I couldn't download “{attachment.name}” ({err}), so I left it out.")
                continue
            name = f"logo.{kind}"
            stored = await asyncio.to_thread(
                self.store.put_bytes,
                _logo_prefix(key) + name,
                data,
                content_type=attachment.mimetype,
            )
            brand = brief.brand.model_copy(update={"logo": stored})
            brief = brief.model_copy(update={"brand": brand})
            notes.append(f"🖼️ Using “{attachment.name}” as the logo.")
            break
        return brief, notes

    def _own_assets(self, key: SessionKey, brief: Brief) -> tuple[Brief, list[str]]:
        """Only files uploaded in this thread: a logo or font the extractor (a model) named is dropped.

        A model's answer can name any path or URL ("logo: /home/.../secret.png"); on a chat
        surface the only pictures are the ones people pasted, stored under this session's key.
        A font given by family name ("Inter") stays; one given as a path or URL goes.
        """
        notes: list[str] = []
        brand = brief.brand
        update: dict[str, Any] = {}
        if brand.logo and not _own_upload(key, brand.logo):
            log.warning("dropped a logo the extractor named in %s (not an upload of this thread)", key.as_str())
            update["logo"] = None
            notes.append("I can only use a logo uploaded here, so I left out the logo file named in the conversation.")
        if brand.font and _looks_like_file(brand.font):
            log.warning("dropped a font path the extractor named in %s", key.as_str())
            update["font"] = None
            notes.append("I can only use a font by its name (like “Inter”), so I left out the font file named.")
        if not update:
            return brief, notes
        return brief.model_copy(update={"brand": brand.model_copy(update=update)}), notes

    # ── proposals: changes from people who cannot decide ───────────────────────────────

    async def _propose(
        self, session: Session, actor: Actor, brief: Brief, changes: str, notes: list[str], message_id: str
    ) -> None:
        """Keep a change by someone who cannot decide as a suggestion until a decider agrees."""
        who = actor.name or actor.id
        session.proposal = Proposal(
            brief=brief, by=actor.id, by_name=who, changes=changes, base=_digest(session.brief or Brief())
        )
        text = "\n".join(
            [
                *notes,
                f"💡 {who} suggests: {changes}.",
                f"The person who asked for this ad or an approver can react {APPROVE}, press Apply, or reply "
                "“yes” to use it; until then the brief stays as it is.",
            ]
        )
        ref = await self._say(
            session.key, text, buttons=[Button(id="apply", emoji=APPROVE, label="Apply", style="primary")]
        )
        if ref is not None:
            session.proposal.message = ref
            await self._remember(session.key, ref, "proposal", message_id)
            await self._react(session.key, ref, [APPROVE])

    async def _apply_proposal(self, session: Session, actor: Actor, workspace: str) -> None:
        """A decider agreed: the suggested brief becomes the brief, and the storyboard is redrawn."""
        proposal = session.proposal
        if proposal is None:
            return
        key = session.key
        if session.stage in ("storyboarding", "rendering"):
            await self._say(key, "One thing at a time: I'm still working on the last request (progress above).")
            return
        session.proposal = None
        if proposal.base != _digest(session.brief or Brief()):
            await self._say(
                key, f"The brief changed after {proposal.by_name}'s suggestion, so I left it out. Reply with it again."
            )
            return
        refusal = await self.policy.admit_request(actor, workspace)
        if refusal:
            await self._say(key, refusal)
            return
        session.brief = proposal.brief
        await self._say(
            key,
            f"✏️ Updating the storyboard: {proposal.changes} (suggested by {proposal.by_name}, "
            f"agreed by {actor.name or actor.id}).",
        )
        brief = proposal.brief
        await self._start(
            session,
            "storyboard",
            _storyboard_payload(brief, session.thread),
            request_key=f"{key.as_str()}:storyboard:{proposal.message or proposal.base}:{_digest(brief)}",
        )

    # ── choices: reactions and buttons ──────────────────────────────────────────────────

    async def _on_choice(self, event: ReactionAdded | ButtonPressed) -> None:
        target = await self._lookup(event.platform, event.channel, event.message_id)
        if target is None:
            return  # a message we did not post (or one too old to remember): ignore quietly
        choice = choice_for(event.emoji, target.role) if isinstance(event, ReactionAdded) else event.button
        if choice is None:
            return
        key = target.session
        async with self.sessions.lock(key):
            session = await self.sessions.get(key)
            if session is None:
                return
            if event.actor.is_bot:
                return
            if not self.policy.may_decide(session, event.actor):
                note = f"unauthorized:{event.actor.id}"
                if note not in session.notified:
                    session.notified.append(note)
                    await self.sessions.put(session)
                    await self._say(
                        key,
                        f"Thanks, {event.actor.name or event.actor.id}! Only the person who asked for this ad and "
                        "the approvers can approve, redo or cancel it. I'll leave your reaction be.",
                    )
                return
            await self._decide(session, event, target, choice)
            await self.sessions.put(session)

    async def _decide(
        self, session: Session, event: ReactionAdded | ButtonPressed, target: MessageRef, choice: str
    ) -> None:
        key = session.key
        if choice == "cancel":
            await self._cancel(session, event.actor)
            return
        if choice == "apply":
            # Only on the newest suggestion's message: an older one's ✅ or Apply does nothing.
            if session.proposal is not None and session.proposal.message == event.message_id:
                await self._apply_proposal(session, event.actor, event.workspace)
            return
        if choice.startswith("more"):
            variant_id = choice.split(":", 1)[1] if ":" in choice else target.ref
            await self._more_like(session, event.actor, event.workspace, variant_id)
            return
        if target.role == "storyboard" and target.ref != session.storyboard_id:
            return  # an older storyboard of this thread: ignore quietly
        if session.stage not in ("awaiting_approval", "delivered") or session.storyboard_id is None:
            if session.stage in ("storyboarding", "rendering"):
                await self._say(
                    key, "One thing at a time: I'm still working on the last request (progress above)."
                )
            return
        sb_id = session.storyboard_id
        if choice == "approve":
            if session.stage == "delivered":
                return  # already rendered this storyboard
            refusal = await self.policy.admit_render(event.actor, event.workspace)
            if refusal:
                await self._say(key, refusal)
                return
            brief = session.brief or Brief()
            payload: dict[str, Any] = {
                "storyboard_id": sb_id,
                "aspects": list(brief.aspect_ratios),
                "n_variants": self.config.n_variants,
            }
            if self.config.render_options:
                payload["options"] = self.config.render_options
            await self._start(
                session,
                "render",
                payload,
                request_key=f"{key.as_str()}:render:{sb_id}:{_attempt(session, 'render')}",
            )
        elif choice == "redo_all":
            seed = 1000 + len(session.jobs)
            await self._start(
                session,
                "redo_all",
                {"storyboard_id": sb_id, "seed": seed, "thread": _thread_payload(session.thread)},
                request_key=f"{key.as_str()}:redo_all:{sb_id}:{_attempt(session, 'redo_all')}",
            )
        elif choice.startswith("scene:"):
            index = int(choice.split(":", 1)[1])
            scenes = len(session.plan.shots) if session.plan else 0
            if not 1 <= index <= scenes:
                return
            seed = 1000 + len(session.jobs)
            await self._start(
                session,
                "redraw_shot",
                {"storyboard_id": sb_id, "index": index, "seed": seed},
                request_key=f"{key.as_str()}:redraw_shot:{sb_id}:{index}:{_attempt(session, 'redraw_shot')}",
            )

    async def _cancel(self, session: Session, actor: Actor) -> None:
        if session.stage in ("cancelled", "delivered"):
            return
        active = _active_job(session)
        if active is not None:
            await self.queue.cancel(active.job_id)
        session.stage = "cancelled"
        await self._say(
            session.key,
            f"❌ Cancelled by {actor.name or actor.id}. Reply in this thread or mention me to start again.",
        )

    async def _more_like(self, session: Session, actor: Actor, workspace: str, variant_id: str) -> None:
        """🔁 on a delivered video: render one more variant from it (same storyboard, a new seed)."""
        found = next((v for v in session.variants if v.get("id") == variant_id), None)
        if found is None:
            return
        if session.stage in ("storyboarding", "rendering"):
            await self._say(
                session.key, "One thing at a time: I'm still working on the last request (progress above)."
            )
            return
        refusal = await self.policy.admit_render(actor, workspace)
        if refusal:
            await self._say(session.key, refusal)
            return
        sb_id = str(found.get("storyboard_id") or session.storyboard_id)
        payload: dict[str, Any] = {
            "storyboard_id": sb_id,
            "aspects": [found.get("aspect_ratio", "9:16")],
            "n_variants": 2,  # A (the main cut, not posted again) and a new take on it
            "like": variant_id,
            "seed": 1000 + len(session.jobs),
        }
        if self.config.render_options:
            payload["options"] = self.config.render_options
        await self._start(
            session,
            "render",
            payload,
            request_key=f"{session.key.as_str()}:more:{variant_id}:{len(session.jobs)}",
        )

    # ── which message is what ──

    async def _lookup(self, platform: str, channel: str, message_id: str) -> MessageRef | None:
        return await self.index.lookup(platform, channel, message_id)


# ── building one ────────────────────────────────────────────────────────────────────────


async def build_engine(settings: Any, platform: Platform, *, config: EngineConfig | None = None) -> Engine:
    """An engine wired from ``cutroom.settings.Settings``: Redis, queue, stores, extractor, limits."""
    from cutroom.core.backends import extractors
    from cutroom.storage.artifacts import open_store
    from cutroom.storage.state import connect_redis
    from cutroom.wiring import llm_options

    config = config or EngineConfig(link_expiry_s=settings.link_expiry_s)
    redis_url = settings.redis_url
    if not redis_url:
        raise CutroomError("The bots need Redis: set REDIS_URL (or run `cutroom up`, which starts one).")
    queue = await JobQueue.connect(redis_url, max_running_per_requester=settings.max_running_per_requester)
    redis = connect_redis(redis_url)
    engine = Engine(
        platform=platform,
        queue=queue,
        sessions=SessionStore(redis),
        deliveries=DeliveryLog(redis),
        store=open_store(settings.artifacts_location, endpoint_url=settings.s3_endpoint_url),
        extractor=extractors.create(settings.extractor, **llm_options(settings, settings.extractor)),
        policy=Policy(redis, Limits.from_settings(settings)),
        config=config,
        redis=redis,
    )
    # The session store's close() closes the one Redis client it shares with the others.
    engine.owned = [queue, engine.sessions]
    return engine


# ── small helpers ───────────────────────────────────────────────────────────────────────


def _active_job(session: Session) -> JobRef | None:
    if session.jobs and session.jobs[-1].state not in TERMINAL:
        return session.jobs[-1]
    return None


def _attempt(session: Session, kind: str) -> int:
    """How many earlier jobs of ``kind`` failed or were cancelled: a retry gets a fresh job id."""
    return sum(1 for j in session.jobs if j.kind == kind and j.state in ("failed", "cancelled"))


def _storyboard_payload(brief: Brief, thread: Sequence[Message]) -> dict[str, Any]:
    """A storyboard job's request: the brief, and the thread its plan's lines cite and keep to."""
    return {
        "brief": brief.model_dump(mode="json"),
        "aspect": brief.aspect_ratios[0],
        "seed": 0,
        "thread": _thread_payload(thread),
    }


def _thread_payload(thread: Sequence[Message]) -> list[dict[str, Any]]:
    return [m.model_dump(mode="json") for m in evidence_thread(thread)]


def _plannable(brief: Brief) -> dict[str, Any]:
    """The brief minus its free-text notes: what a re-plan would actually change."""
    return brief.model_dump(mode="json", exclude={"notes"})


def _digest(brief: Brief) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(brief.model_dump(mode="json"), sort_keys=True).encode()).hexdigest()[:12]


def _logo_prefix(key: SessionKey) -> str:
    """Where this session's uploads are stored: the only logo keys its brief may name."""
    return safe_key("logos", slug(key.as_str(), max_len=80)) + "/"


def _own_upload(key: SessionKey, value: str) -> bool:
    """A store key under this session's uploads, with no ``..`` or odd segment in it."""
    try:
        return safe_key(value) == value and value.startswith(_logo_prefix(key))
    except CutroomError:
        return False


def _looks_like_file(value: str) -> bool:
    """A path, a URL or a font file name rather than a family name."""
    lowered = value.strip().lower()
    return (
        any(c in lowered for c in ("/", "\\", ":"))
        or lowered.startswith(("~", "."))
        or lowered.endswith((".ttf", ".otf", ".ttc", ".woff", ".woff2"))
    )


def _agrees(text: str) -> bool:
    """A short reply that says yes (bots/consent.json), not a sentence that happens to start with it."""
    words = " ".join(text.lower().replace("!", " ").replace(".", " ").split())
    return words in AGREE


def _platform_of(event: Event) -> str:
    key = getattr(event, "key", None)
    return key.platform if isinstance(key, SessionKey) else str(getattr(event, "platform", ""))


def _digest_text(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode()).hexdigest()[:12]
