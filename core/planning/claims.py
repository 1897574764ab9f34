"""Checkable claims in a line of copy, and where each line came from.

A claim a viewer could check (a number, a price, a time or date, a superlative, a comparison)
may only reach the screen when the thread states it. ``claims_in`` finds those parts of a line;
``supported`` says whether some evidence (a message, the brief) states every one of them;
``trace`` finds the message a line came from; ``check_sources`` re-checks a whole plan's sources
(the hosted planners' answers) and marks the lines that do not check out as suggested.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cutroom.core.models import Brief, LineSource, Message, Plan, Shot

#: Shot fields and plan fields that carry copy.
SHOT_LINES = ("on_screen_text", "voice_over")
PLAN_LINES = ("title", "hook", "cta")

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|"
    "hundred|hundreds|thousand|thousands|million|millions|billion|dozen|half|double|triple|twice"
)
_NUMBER = re.compile(rf"\d[\d,.]*\d|\d|\b(?:{_NUMBER_WORDS})\b|%|[£$€¥₹]", re.I)
_TIME = re.compile(
    r"\b(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|tonight|today|tomorrow|"
    r"overnight|instantly|instant|daily|weekly|annually|am|pm|o'clock|"
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thurs|fri|sat|sun|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec|weekend|christmas|easter)\b",
    re.I,
)
_SUPERLATIVE = re.compile(
    r"#\s?1\b|\bno\.? ?1\b|\bnumber one\b|\b(?:top|leading|ultimate|unbeatable|unmatched|unrivalled|"
    r"guaranteed?|proven|free|clinically|certified|award-winning|world-class|every|always|never|"
    r"all-day|forever|first|perfect|best|most|least|worst)\b|\b[a-z]{2,}iest\b|\b[a-z]{3,}est\b",
    re.I,
)
_NOT_SUPERLATIVE = frozenset(
    [
        "honest",
        "interest",
        "forest",
        "guest",
        "guests",
        "rest",
        "test",
        "tested",
        "request",
        "chest",
        "west",
        "nest",
        "quest",
        "protest",
        "contest",
        "harvest",
        "invest",
        "suggest",
        "suggested",
        "digest",
        "manifest",
        "modest",
        "arrest",
        "earnest",
        "priest",
        "pest",
        "crest",
        "zest",
        "attest",
        "dearest",
        "interested",
        "latest",
    ]
)
#: "this one's for you", "no one", "someone": not a count.
_NOT_A_NUMBER = re.compile(r"(?:this|that|no|the|any|every)\s+one\b|\bone['’]s", re.I)
_COMPARISON = re.compile(
    r"\b(?:than|compared|versus|vs\.?|better|worse|faster|slower|cheaper|cheapest|"
    r"longer|shorter|stronger|lighter|healthier|easier|smarter|bigger|smaller|higher|lower|"
    r"upgraded|improved)\b",
    re.I,
)


def claims_in(text: str) -> list[str]:
    """The checkable parts of ``text``: numbers, times, superlatives and comparisons (lowercased)."""
    found: list[str] = []
    for pattern in (_NUMBER, _TIME, _SUPERLATIVE, _COMPARISON):
        for match in pattern.finditer(text):
            token = match.group(0).lower()
            if pattern is _SUPERLATIVE and token in _NOT_SUPERLATIVE:
                continue
            if token == "one" and _NOT_A_NUMBER.search(text[max(0, match.start() - 8) : match.end() + 2]):
                continue
            found.append(_norm_number(token) if pattern is _NUMBER else token)
    return list(dict.fromkeys(found))


def _norm_number(token: str) -> str:
    return token.replace(",", "").rstrip(".")


def _evidence_tokens(text: str) -> set[str]:
    # Figures only as whole numbers ("7.5", never the "7" of it); words as words.
    words = {w.lower() for w in re.findall(r"[\w'#%£$€]+", text) if not w[0].isdigit()}
    return set(claims_in(text)) | words


def supported(line: str, evidence: str | Sequence[str]) -> bool:
    """Every checkable part of ``line`` is stated in ``evidence`` (a text or several)."""
    claims = claims_in(line)
    if not claims:
        return True
    texts = [evidence] if isinstance(evidence, str) else list(evidence)
    tokens: set[str] = set()
    for text in texts:
        tokens |= _evidence_tokens(text)
    return all(c in tokens for c in claims)


def brief_text(brief: Brief) -> list[str]:
    """Everything the brief states, as texts a line can be checked against."""
    texts = [
        brief.product or "",
        brief.audience or "",
        brief.call_to_action or "",
        brief.url or "",
        brief.brand.name or "",
        *brief.tone,
        *brief.characters,
        *brief.character_looks.values(),
        *brief.must_include,
        *brief.notes,
    ]
    return [t for t in texts if t]


def unsupported_lines(plan: Plan, evidence: Sequence[str]) -> list[str]:
    """Every copy line of ``plan`` with a claim ``evidence`` does not state."""
    return [line for _, line in copy_lines(plan) if not supported(line, evidence)]


def copy_lines(plan: Plan) -> list[tuple[str, str]]:
    """(where, text) for the title, hook, each shot's lines and the CTA."""
    lines = [("title", plan.title), ("hook", plan.hook)]
    for shot in plan.shots:
        for field in SHOT_LINES:
            text = getattr(shot, field)
            if text:
                lines.append((f"shot {shot.index} {field}", text))
    lines.append(("cta", plan.cta.text))
    return lines


# ── tracing ─────────────────────────────────────────────────────────────────────────────


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[\"'“”‘’]", "", text.lower()).split())


def trace(line: str, thread: Sequence[Message], *, key: str | None = None) -> int | None:
    """The 1-based number of the latest message that states ``key`` (or the line itself),
    or whose words hold every claim in the line; None when no message does."""
    if not line.strip() or not thread:
        return None
    wanted = _norm(key or line).strip(" .!?")
    for n in range(len(thread), 0, -1):
        if wanted and wanted in _norm(thread[n - 1].text):
            return n
    claims = claims_in(line)
    if claims:
        for n in range(len(thread), 0, -1):
            if supported(line, thread[n - 1].text):
                return n
    return None


def check_source(
    line: str, source: LineSource | None, brief: Brief, thread: Sequence[Message] | None
) -> LineSource:
    """The source a line really has: the one claimed when its claims check out there, the
    message that states them when one does, else ``suggested``."""
    if not line.strip():
        return source or LineSource()
    claims = claims_in(line)
    evidence = brief_text(brief)
    if source is not None and source.kind == "message":
        if thread and source.message is not None and source.message <= len(thread):
            if supported(line, thread[source.message - 1].text):
                return source
        elif not thread and supported(line, evidence):
            return source
    elif source is not None and source.kind == "brief":
        if supported(line, evidence):
            return source
    elif source is not None and source.kind == "suggested" and not claims:
        return source
    if claims and thread:
        n = trace(line, thread)
        if n is not None:
            return LineSource(kind="message", message=n, field=source.field if source else None)
    return LineSource(kind="suggested", field=source.field if source else None)


def check_sources(plan: Plan, thread: Sequence[Message] | None = None) -> Plan:
    """``plan`` with every line's source checked: claims nobody stated become suggested."""
    sources = dict(plan.sources)
    for field, text in (("title", plan.title), ("hook", plan.hook), ("cta", plan.cta.text)):
        sources[field] = check_source(text, plan.sources.get(field), plan.brief, thread)
    shots: list[Shot] = []
    for shot in plan.shots:
        shot_sources = dict(shot.sources)
        for field in SHOT_LINES:
            text = getattr(shot, field)
            if text:
                shot_sources[field] = check_source(text, shot.sources.get(field), plan.brief, thread)
            else:
                shot_sources.pop(field, None)
        shots.append(shot.model_copy(update={"sources": shot_sources}))
    return plan.model_copy(update={"shots": shots, "sources": sources})


def attach_thread(plan: Plan, thread: Sequence[Message]) -> Plan:
    """Brief-sourced lines pointed at the message that states them, where one does."""
    if not thread:
        return plan

    def point(text: str, source: LineSource | None, key: str | None) -> LineSource | None:
        if source is None or source.kind != "brief" or not text.strip():
            return source
        n = trace(text, thread, key=key)
        return source if n is None else source.model_copy(update={"kind": "message", "message": n})

    keys = _field_values(plan.brief)
    sources = {
        f: s
        for f, s in (
            (f, point(t, plan.sources.get(f), keys.get((plan.sources.get(f) or LineSource()).field or "")))
            for f, t in (("title", plan.title), ("hook", plan.hook), ("cta", plan.cta.text))
        )
        if s is not None
    }
    shots = []
    for shot in plan.shots:
        updated = dict(shot.sources)
        for field in SHOT_LINES:
            src = shot.sources.get(field)
            key = _key_for(getattr(shot, field), src, keys)
            new = point(getattr(shot, field), src, key)
            if new is not None:
                updated[field] = new
        shots.append(shot.model_copy(update={"sources": updated}))
    return plan.model_copy(update={"sources": plan.sources | sources, "shots": shots})


def _field_values(brief: Brief) -> dict[str, str]:
    return {
        "product": brief.product or "",
        "brand": brief.brand.name or "",
        "audience": brief.audience or "",
        "call_to_action": brief.call_to_action or "",
        "url": brief.url or "",
    }


def _key_for(text: str, source: LineSource | None, keys: dict[str, str]) -> str | None:
    """The brief value a line was built from, to look for in the thread."""
    if source is None or not source.field:
        return None
    if source.field in keys:
        return keys[source.field] or None
    # must_include / notes lines: the line is the fact, give or take a full stop.
    return text.strip().rstrip(".")
