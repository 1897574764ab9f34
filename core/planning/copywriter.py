"""The ad's words, built from the brief first: names, audience, facts, offer, call to action.

Every line carries its source (``LineSource``): the brief field it came from, or
``suggested`` for a stock line from ``data/lines.json``. Stock lines only fill beats the
thread left empty, and they never claim anything checkable (``claims.claims_in`` is empty
for each; the tests hold every stock line to it). Facts (prices, dates, places, legal lines,
codes) go in the beat that asks for their kind, else in any free slot; what does not fit is
named in ``notices`` with the length that would hold it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any

from cutroom.core.models import Brief, CallToAction, Goal, LineSource
from cutroom.core.planning.arcs import Beat, load
from cutroom.core.planning.claims import claims_in, supported
from cutroom.core.text import word_count

#: Words on screen for a built line; facts (a legal line, an address) may run longer.
MAX_TEXT_WORDS = 6
MAX_FACT_WORDS = 14
MAX_LEGAL_WORDS = 22
#: An end card's button holds about this many characters on two lines.
MAX_CTA_CHARS = 32
WORDS_PER_S = 2.1

# ── reading the brief ───────────────────────────────────────────────────────────────────

_QUOTES = "\"'“”‘’`"
_LEGAL = re.compile(
    r"registered charity|charity (?:no|number)|\bapr\b|representative|t&cs?|terms (?:and conditions )?apply|"
    r"not a bank|issued by|regulated|authori[sz]ed|atol|abta|protected|not covered|exclusions|eligib|"
    r"capital at risk|18\+|over 18|subject to|conditions apply|\bfca\b|licensed|disclaimer|small print|"
    r"member fdic|\bllc\b|\bltd\b|\binc\b",
    re.I,
)
_CODE = re.compile(r"\b(?:code|promo|voucher)\s+[A-Z0-9]{3,}\b", re.I)
_DEADLINE = re.compile(
    r"\b(?:until|till|ends?|ending|by|before|last (?:day|chance|orders?)|closes?|deadline|expires?|"
    r"while stocks last|only until|through)\b",
    re.I,
)
_MONTH = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DAY = (
    r"mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?"
)
_DATE = re.compile(
    rf"\b(?:{_MONTH})\b\.?\s*\d|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTH})\b|\b(?:{_DAY})\b|"
    r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\b|\b\d{1,2}:\d{2}\b|\b\d{1,2}/\d{1,2}\b|\bopen(?:s|ing)?\b|"
    r"\b(?:daily|weekdays|weekends|tonight|today|tomorrow|this (?:weekend|week|month))\b",
    re.I,
)
_PRICE = re.compile(
    r"[£$€¥₹]\s?\d|\d\s?(?:%|p\b|pp\b|usd|eur|gbp)|\bper (?:person|month|year|night)\b|\boff\b|\bfree\b|"
    r"\bhalf price\b|\bbogo\b|\bbuy one\b|\bsave\b|\bdiscount\b|\bfrom\s+[£$€]",
    re.I,
)
_PLACE = re.compile(
    r"\d+\s+[A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)*?\s+(?i:street|st|lane|ln|road|rd|avenue|ave|way|square|sq|"
    r"place|pl|quay|row|drive|dr|court|ct|parade|terrace|hill|gardens|high st)\b|"
    r"\b(?:at|in)\s+(?:the\s+)?[A-Z][\w'&-]+(?:\s+[A-Z][\w'&-]+)*|\b[A-Z]{1,2}\d{1,2}[A-Z]?\s?\d[A-Z]{2}\b",
)
_DIRECTIVE = re.compile(
    r"^(?:.*?\b)?(?:must (?:say|read|include|mention|show|be on screen|be written)|must|(?:please |pls |and )?"
    r"(?:say|mention)(?: that)?|include|key (?:message|messages|points?|facts?)|usps?|selling points?|"
    r"benefits?|features?|offer details?|disclaimer|small print(?: must read)?|legal(?: lines?)?|"
    r"compliance(?: lines?)?|the line|on screen(?: we need| we want)?|must be (?:written|shown|on screen))"
    r"\s*[:\-–—]\s*",
    re.I,
)
_DIRECTIVE_LOOSE = re.compile(
    r"\b(?:must (?:say|read|include|mention)|please say(?: that)?|pls (?:say|put)(?: in)?|mention(?: that)?|"
    r"must be on screen|has to be in it|mandatory|(?:gotta|got to|have to|need to|needs to) "
    r"(?:say|have|include|mention|show)|on screen (?:we|you) (?:need|want)|must be (?:written|shown))\b",
    re.I,
)
#: "we run 12 classes a week, mention that": the fact comes first.
_TRAILING_DIRECTIVE = re.compile(
    r"[,;—–-]+\s*(?:pls |please )?(?:mention (?:that|it)|say (?:it|that)|include (?:it|that)|put (?:it|that) in)"
    r"[.!]*$|\s+(?:is|as) the (?:line|tagline|slogan)[.!]*$",
    re.I,
)
#: A note about the ad's making, the team or a stranger's instructions, not about the product.
_META = re.compile(
    r"\b(?:ignore|instructions?|prompt|bot|system|seconds?|secs?|minutes? long|film|video|vid|promo|cut\b|"
    r"aspect|ratio|9:16|16:9|1:1|4:5|tiktok|instagram|insta|reels?|youtube|facebook|linkedin|shorts|"
    r"stories|budget|typo|cta|end (?:card|with)|finish on|link|url|https?|www|thanks|thank you|lol|haha|"
    r"music|shots?|scene|colou?rs?|palette|logo|font|tone|style|cartoon|team|client|legal says|"
    r"lunch order|coffee machine|burrito)\b|\?$",
    re.I,
)
#: "£30 pays for a bed, and the small print must read 'X'" is two facts.
_PIECES = re.compile(
    r"(?:,\s*|\s+)(?:and|also|plus)\s+(?=(?:the |that |please |pls |mention|say |put |small print|legal))|;\s+",
    re.I,
)
_LEAD = re.compile(
    r"^.*\b(?:must (?:read|say|include|mention)|say that|mention(?: that)?|put in|small print)\b\s*[:\-–—]?\s*",
    re.I,
)
_CHATTER = re.compile(
    r"^(?:so |and |also |oh and )?(?:we(?:'re| are)|there(?:'s| is)|it's|its|we have|we've got|we're doing|"
    r"(?:the )?offer is|price is)\s+"
    r"(?:running|doing|offering|having|giving|got)?\s*(?:an? )?",
    re.I,
)
_BENEFIT_CUE = re.compile(
    r"^(?:.*?\b)?(?:key (?:message|messages|points?)|usps?|selling points?|benefits?|features?)\s*[:\-–—]\s*",
    re.I,
)


@dataclass(frozen=True)
class Fact:
    """Something the thread said that must reach the viewer: a price, a date, a legal line..."""

    text: str
    kind: str  # price, deadline, date, place, legal, code, claim
    field: str  # the brief field it came from: must_include or notes
    required: bool


@dataclass(frozen=True)
class Naming:
    """How the copy calls what is advertised."""

    name: str  # "Ledgerly Travel Card", "Crumb & Co.", "this invoicing app"
    brand: str  # "" when the thread named none
    known: bool  # the thread named it (product or brand)
    field: str  # "product", "brand" or "" (suggested)
    app: bool  # an app or software product


def _clean(text: str) -> str:
    text = " ".join(text.split()).strip()
    while len(text) > 1 and text[0] in _QUOTES and text[-1] in _QUOTES:
        text = text[1:-1].strip()
    return text.strip(" .,;:\u2014\u2013-")


def _vocab() -> dict[str, Any]:
    return load("vocabulary.json")  # type: ignore[no-any-return]


def _lines() -> dict[str, Any]:
    return load("lines.json")  # type: ignore[no-any-return]


def is_generic(name: str) -> bool:
    """A common noun, not a name: "pies", "shop", "sunday lunch menu" (names have capitals,
    digits, or a word no dictionary of ours holds)."""
    if re.search(r"[A-Z0-9]", name):
        return False
    words = re.findall(r"[a-z][a-z'-]*", name.lower())
    generic = set(_vocab()["generic_words"]) | set(_vocab()["nouns"])
    return bool(words) and any(w in generic or w.rstrip("s") in generic for w in words)


def _category_noun(brief: Brief) -> str | None:
    """ "invoicing app" from "our invoicing app for freelancers" in the notes or product."""
    nouns = sorted(_vocab()["nouns"], key=len, reverse=True)
    alternation = "|".join(re.escape(n) for n in nouns)
    pattern = re.compile(
        rf"\b(?:our|an?|the|this|new)\s+((?:[a-z][a-z-]+\s+){{0,2}}(?:{alternation}))\b", re.I
    )
    for text in [brief.product or "", *brief.notes, brief.audience or ""]:
        match = pattern.search(text)
        if match and not _META.search(match.group(1)):
            return match.group(1).lower()
    return None


def naming(brief: Brief) -> Naming:
    """The name the copy uses: the product as the thread spelled it, else the brand, else the
    category ("this invoicing app"), else the goal ("this appeal"); never a placeholder."""
    product = _clean(brief.product or "")
    brand = _clean(brief.brand.name or "")
    noun = _category_noun(brief)
    text = " ".join([product, noun or "", *brief.notes]).lower()
    app = brief.goal == "app_install" or brief.product_category == "phone"
    app = app or any(re.search(rf"\b{w}\b", f"{product} {noun or ''}".lower()) for w in _vocab()["app_nouns"])
    del text
    if product and product.lower() in ("generic", "the product", "product", "none", "null", "n/a", "tbd"):
        product = ""
    if product and not is_generic(product):
        last = product.split()[-1]
        # "the Winter Beds appeal", but "Ledgerly Travel Card", "Morning Rye" and "Pawsome dog
        # treats" as they are.
        singular = not last.endswith("s") or last.endswith("ss")
        if (
            singular
            and last.islower()
            and last in _vocab()["nouns"]
            and not re.match(r"(?i)(the|a|an|our|this)\b", product)
        ):
            product = f"the {product}"
        return Naming(product, brand, True, "product", app)
    if product and brand:  # a common noun: "The Gullhouse's winter spa break"
        mark = "\u2019" if brand.endswith("s") else "\u2019s"
        return Naming(f"{brand}{mark} {product}", brand, True, "product", app)
    if brand:
        return Naming(brand, brand, True, "brand", app)
    if product:  # a common noun only: "our pies"
        return Naming(f"our {product}", "", True, "product", app)
    if noun:
        return Naming(f"this {noun}", "", False, "", app)
    return Naming(_vocab()["fallback_names"][brief.goal], "", False, "", app)


def classify(text: str) -> str:
    if _LEGAL.search(text):
        return "legal"
    if _CODE.search(text):
        return "code"
    if _DEADLINE.search(text) and (_DATE.search(text) or re.search(r"\d", text)):
        return "deadline"
    if _PRICE.search(text):
        return "price"
    if _DATE.search(text):
        return "date"
    if _PLACE.search(text):
        return "place"
    return "claim"


def _split_items(text: str) -> list[str]:
    """ "87% hired within 6 months, and 'Payment plans available'" -> two items."""
    quoted = re.findall(r"[\"“‘']([^\"”’']{3,})[\"”’']", text)
    rest = text
    for q in quoted:
        rest = rest.replace(q, " ")
    rest = re.sub(r"[\"“”‘’']", " ", rest)
    items = [_clean(q) for q in quoted]
    leftover = _clean(
        re.sub(r"\b(?:and|also|plus)\b\s*$", "", re.sub(r"\s*,?\s*\b(?:and|also)\s*$", "", rest))
    )
    leftover = _clean(re.sub(r"(?:,\s*)?\b(?:and|also|plus)\s*(?:,\s*)?$", "", leftover))
    if leftover and len(leftover.split()) >= 1 and re.search(r"\w", leftover):
        items.insert(0, leftover)
    return [i for i in items if i]


def _note_facts(brief: Brief) -> tuple[list[Fact], list[str]]:
    """Facts and stated benefits the extractor left in the notes."""
    facts: list[Fact] = []
    benefits: list[str] = []
    for note in brief.notes:
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])", note):
            sentence = sentence.strip()
            if not sentence or re.search(r"\bignore\b|\binstructions?\b|\bprompt\b", sentence, re.I):
                continue
            cue = _BENEFIT_CUE.match(sentence)
            if cue:
                for part in re.split(r",\s*|;\s*", sentence[cue.end() :]):
                    part = _clean(part)
                    if part and len(part.split()) <= 8:
                        benefits.append(part)
                continue
            trailing = _TRAILING_DIRECTIVE.search(sentence)
            directive = _DIRECTIVE.match(sentence) or _DIRECTIVE_LOOSE.search(sentence)
            if directive or trailing:
                body = (
                    sentence[directive.end() :]
                    if directive
                    else sentence[: trailing.start()]
                    if trailing
                    else ""
                )
                body = re.sub(
                    r"^(?:the\s+)?(?:price|address|line|fact)s?\s+(?:in\s+|that\s+)?", "", body, flags=re.I
                )
                for item in [i for piece in _PIECES.split(body) for i in _split_items(_LEAD.sub("", piece))]:
                    item = re.sub(r"\s+(?:must|is|are)\s+(?:on screen|in it|shown)$", "", item, flags=re.I)
                    if item and len(item.split()) <= MAX_FACT_WORDS * 2:
                        facts.append(Fact(item, classify(item), "notes", True))
                continue
            if _META.search(sentence) or len(sentence.split()) > 18:
                continue
            kind = classify(sentence)
            # Unasked, only a figure is a fact worth a line: a price, a date, an address.
            if kind in ("price", "deadline", "date", "legal", "code", "place") and re.search(
                r"[\d£$€¥₹]", sentence
            ):
                label = re.match(r"^[A-Za-z' /]{2,24}:\s*", sentence)
                item = _clean(sentence[label.end() :] if label else sentence)
                item = _cap(_CHATTER.sub("", item))
                facts.append(Fact(item, kind, "notes", False))
    return facts, benefits


def facts_of(brief: Brief) -> list[Fact]:
    """Must-include facts first (in the thread's order), then facts found in the notes."""
    facts: list[Fact] = []
    seen: list[str] = []

    def add(fact: Fact) -> None:
        key = fact.text.lower()
        for i, old in enumerate(seen):
            at = key.find(old)
            # "off-peak rate 7" cut at a decimal point: the note's "7.5p/kWh" is the fact.
            if at >= 0 and old[-1:].isdigit() and re.match(r"[.,]?\d", key[at + len(old) :]):
                seen[i] = key
                facts[i] = Fact(fact.text, classify(fact.text), facts[i].field, facts[i].required)
                return
        if not key or any(key in s or s in key for s in seen):
            return
        if brief.call_to_action and key == brief.call_to_action.lower().strip(" ."):
            return
        seen.append(key)
        facts.append(fact)

    for item in brief.must_include:
        text = _clean(item)
        if text:
            add(Fact(text, classify(text), "must_include", True))
    for fact in _note_facts(brief)[0]:
        add(fact)
    return facts


def benefits_of(brief: Brief) -> list[str]:
    return list(dict.fromkeys(_note_facts(brief)[1]))


# ── writing ─────────────────────────────────────────────────────────────────────────────


@dataclass
class Line:
    text: str
    source: LineSource


@dataclass
class ShotCopy:
    beat: Beat
    duration_s: float
    screen: Line | None = None
    voice: Line | None = None
    facts: list[Fact] = field(default_factory=list)

    @property
    def max_voice_words(self) -> int:
        return max(4, int(self.duration_s * WORDS_PER_S))


@dataclass
class Copy:
    title: Line
    hook: Line
    shots: list[ShotCopy]
    cta: CallToAction
    cta_source: LineSource
    notices: list[str]


def _brief_src(field_name: str) -> LineSource:
    return LineSource(kind="brief", field=field_name)


SUGGESTED = LineSource(kind="suggested")


def _key(text: str) -> str:
    """Lines that differ only in case and punctuation are the same line."""
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())



def _cap(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


def _sentence(text: str) -> str:
    text = _cap(text.strip())
    return text if text[-1:] in ".!?”\"'" else f"{text}."


def _mentions(text: str, avoid: list[str]) -> bool:
    return any(re.search(rf"(?<!\w){re.escape(a)}(?!\w)", text, re.I) for a in avoid if a)


class Writer:
    """Fills a shot list's lines for one brief, deterministically for a seeded chooser."""

    def __init__(self, brief: Brief, choose: random.Random) -> None:
        self.brief = brief
        self.choose = choose
        self.naming = naming(brief)
        self.audience = _clean(brief.audience or "")
        self.avoid = [a.strip() for a in brief.avoid if a.strip()]
        self.used: set[str] = set()
        tones = {t.lower() for t in brief.tone}
        self.warm = bool(tones & set(_vocab()["warm_tones"])) or brief.goal == "donation"
        self.hype = bool(tones & set(_vocab()["hype_tones"])) and not self.warm
        self.host = re.sub(r"^(https?://)?(www\.)?", "", brief.url or "").split("/")[0]

    # -- templates -------------------------------------------------------------------

    def _fill(self, template: str, **extra: str) -> str | None:
        values = {
            "name": self.naming.name,
            "brand": self.naming.brand,
            "audience": self.audience,
            "Audience": _cap(self.audience),
            "host": self.host,
            **extra,
        }
        for key in re.findall(r"\{(\w+)\}", template):
            if not values.get(key):
                return None
        text = template.format(**values)
        if self.naming.name.startswith(("this ", "our ", "something ", "the ")):
            text = re.sub(r"^(this|our|something|the)\b", lambda m: _cap(m.group(1)), text)
        return text

    def _stock(self, keys: list[str], max_words: int, *, fresh_only: bool = False) -> list[str]:
        """Stock lines for the first key that has any that fit, filled and checked."""
        data = _lines()
        for key in keys:
            node: Any = data
            for part in key.split("."):
                node = node.get(part, []) if isinstance(node, dict) else []
            out = []
            for template in node if isinstance(node, list) else []:
                text = self._fill(template)
                if (
                    text
                    and word_count(text) <= max_words
                    and not _mentions(text, self.avoid)
                    and supported(text, self._evidence())
                ):
                    out.append(text)
            fresh = [t for t in out if _key(t) not in self.used]
            if fresh or (out and not fresh_only):
                return fresh or out
        return []

    def _evidence(self) -> list[str]:
        from cutroom.core.planning.claims import brief_text

        return brief_text(self.brief)

    def _pick(self, options: list[str]) -> str | None:
        if not options:
            return None
        fresh = [o for o in options if _key(o) not in self.used] or options
        choice = self.choose.choice(fresh)
        self.used.add(_key(choice))
        return choice

    def _category_keys(self, base: str) -> list[str]:
        goal = self.brief.goal
        keys = [f"{base}.{goal}"]
        if self.naming.app:
            keys.append(f"{base}.app")
        keys.append(f"{base}.any")
        return keys

    def _name_src(self) -> LineSource:
        return _brief_src(self.naming.field) if self.naming.known else SUGGESTED

    # -- the pieces ------------------------------------------------------------------

    def hook(self) -> Line:
        if self.audience:
            keys = [f"hooks_audience.{self.brief.goal}", "hooks_audience.any"]
            text = self._pick(self._stock(keys, MAX_TEXT_WORDS))
            if text:
                return Line(text, _brief_src("audience"))
        keys = ["hooks_warm"] if self.warm and self.brief.goal != "offer" else []
        keys.append(f"hooks.{self.brief.goal}")
        text = self._pick(self._stock(keys, MAX_TEXT_WORDS)) or self.naming.name
        if self.hype and not text.endswith("!"):
            text = text.rstrip(".") + "!"
        return Line(
            _cap(text), self._name_src() if "{" not in text and self.naming.name in text else SUGGESTED
        )

    def title(self) -> Line:
        options = [t for t in (self._fill(x) for x in _lines()["titles"][self.brief.goal]) if t]
        options = [o for o in options if not _mentions(o, self.avoid)] or [self.naming.name]
        text = self.choose.choice(options)
        return Line(text, self._name_src())

    def cta(self) -> tuple[CallToAction, LineSource, str, list[str]]:
        """The end card's text, its source, the full line to say, and notices."""
        stated = _clean(self.brief.call_to_action or "")
        notices: list[str] = []
        if not stated:
            text = _vocab()["default_cta"][self.brief.goal]
            return CallToAction(text=text, url=self.brief.url), SUGGESTED, text, notices
        on_card = stated
        if len(stated) > MAX_CTA_CHARS:
            first = re.split(r"(?<=[.!?])\s+|\s+[—–-]\s+|,\s+", stated)[0].strip(" .")
            on_card = first if len(first) <= MAX_CTA_CHARS else _fit_chars(stated, MAX_CTA_CHARS)
            notices.append(
                f"The call to action \u201c{stated}\u201d is too long for the end card; it reads "
                f"\u201c{on_card}\u201d on screen and is said in full in the voice-over."
            )
        return CallToAction(text=on_card, url=self.brief.url), _brief_src("call_to_action"), stated, notices

    def name_lines(self, slot: ShotCopy) -> None:
        donation = self.brief.goal == "donation"
        name = self.naming.name
        src = self._name_src()
        if slot.screen is None:
            keys = ["reveal_screen_donation"] if donation else ["reveal_screen"]
            options = self._stock(keys, max(MAX_TEXT_WORDS, word_count(name) + 1))
            text = self._pick(options) or name
            slot.screen = Line(text, src)
        if slot.voice is None:
            keys = ["reveal_voice_donation"] if donation else []
            if self.naming.brand and self.naming.brand.lower() not in name.lower():
                keys.append("reveal_voice_brand")
            keys.append("reveal_voice")
            text = self._pick(self._stock(keys, slot.max_voice_words)) or f"{name}."
            slot.voice = Line(_cap(text), src)

    def audience_lines(self, slot: ShotCopy) -> bool:
        if not self.audience:
            return False
        if slot.screen is None:
            text = self._pick(self._stock(["audience_screen"], MAX_TEXT_WORDS))
            if text:
                slot.screen = Line(text, _brief_src("audience"))
        if slot.voice is None:
            text = self._pick(self._stock(["audience_voice"], slot.max_voice_words))
            if text:
                slot.voice = Line(text, _brief_src("audience"))
        return slot.screen is not None

    def benefit_lines(self, slot: ShotCopy, benefits: list[str]) -> bool:
        """A benefit the thread stated, on screen and said; False when none is left."""
        for benefit in benefits:
            if _key(benefit) in self.used or _mentions(benefit, self.avoid):
                continue
            if word_count(benefit) > MAX_FACT_WORDS:
                continue
            self.used.add(_key(benefit))
            if slot.screen is None:
                slot.screen = Line(_cap(benefit), _brief_src("notes"))
            if slot.voice is None:
                said = _sentence(benefit)
                with_name = f"{self.naming.name}: {benefit}."
                if self.naming.known and word_count(with_name) <= slot.max_voice_words:
                    said = _cap(with_name)
                if word_count(said) <= slot.max_voice_words:
                    slot.voice = Line(said, _brief_src("notes"))
            return True
        return False

    def stock_lines(self, slot: ShotCopy) -> None:
        kind = slot.beat.line
        screen_keys = {
            "problem": ["problem_screen"],
            "people": ["people_screen"],
            "impact": ["impact_screen"],
            "testimony": ["testimony_screen"],
        }.get(kind, self._category_keys("benefit_screen"))
        voice_keys = {
            "problem": ["problem_voice"],
            "people": ["people_voice"],
            "impact": ["impact_voice"],
            "testimony": ["testimony_voice"],
        }.get(kind, self._category_keys("benefit_voice"))
        # A stock line is never said twice: a quiet shot reads better than a repeat.
        if slot.screen is None:
            text = self._pick(self._stock(screen_keys, MAX_TEXT_WORDS, fresh_only=True))
            if text:
                slot.screen = Line(text, SUGGESTED)
        if slot.voice is None:
            text = self._pick(self._stock(voice_keys, slot.max_voice_words, fresh_only=True))
            if text:
                slot.voice = Line(text, SUGGESTED)

    def fact_voice(self, fact: Fact, slot: ShotCopy) -> Line | None:
        if fact.kind in ("legal", "code"):
            said = _sentence(fact.text) if fact.kind == "code" else None
        else:
            key = f"{fact.kind}_voice" if f"{fact.kind}_voice" in _lines() else "fact_voice"
            filled = [self._fill(t, fact=fact.text) for t in _lines()[key]]
            fits = [o for o in filled if o and word_count(o) <= slot.max_voice_words]
            # The bare fact ("£4.99.") only when no fuller sentence fits.
            options = [o for o in fits if _key(o) != _key(fact.text)] or fits
            said = _cap(self.choose.choice(options)) if options else None
        if said is None or word_count(said) > slot.max_voice_words:
            return None
        return Line(said, _brief_src(fact.field))


def _fit_chars(text: str, limit: int) -> str:
    words = text.split()
    out = ""
    for word in words:
        if len(f"{out} {word}".strip()) > limit:
            break
        out = f"{out} {word}".strip()
    return out.rstrip(",;:") or text[:limit]


# Which beats a fact of each kind fits, best first.
_FITS: dict[str, tuple[str, ...]] = {
    "price": ("price", "fact", "impact", "benefit", "name", "deadline", "date", "place"),
    "deadline": ("deadline", "date", "price", "fact", "benefit", "place", "name"),
    "date": ("date", "deadline", "fact", "place", "benefit", "name", "audience"),
    "place": ("place", "date", "fact", "benefit", "name", "audience"),
    "legal": (
        "fact",
        "price",
        "benefit",
        "impact",
        "deadline",
        "place",
        "date",
        "name",
        "audience",
        "people",
    ),
    "code": ("price", "deadline", "fact", "benefit", "name"),
    "claim": ("benefit", "fact", "impact", "people", "testimony", "name", "audience", "problem"),
}


def write_copy(brief: Brief, beats: list[Beat], durations: list[float], choose: random.Random) -> Copy:
    """Every beat's on-screen and voice-over line, the title, the hook and the call to action."""
    writer = Writer(brief, choose)
    slots = [ShotCopy(beat, d) for beat, d in zip(beats, durations, strict=True)]
    notices: list[str] = []

    # 1. The call to action, verbatim when the end card holds it.
    cta, cta_src, said_cta, cta_notices = writer.cta()
    notices += cta_notices
    end = slots[-1]
    end.screen = Line(cta.text, cta_src)
    end.voice = _cta_voice(writer, end, said_cta, cta_src)

    # 2. The hook speaks to the audience the thread named.
    hook = writer.hook()
    slots[0].screen = hook
    slots[0].voice = hook

    # 3. The name, where the arc reveals it (first, so no fact takes its place).
    middle = slots[1:-1] or slots[:1]
    for slot in middle:
        if slot.beat.line == "name":
            writer.name_lines(slot)
            break

    # 4. Facts: each in the beat that asks for its kind, else any free slot; required first.
    facts = facts_of(brief)
    unplaced: list[Fact] = []
    for fact in sorted(facts, key=lambda f: not f.required):
        if not _place_fact(writer, fact, middle):
            unplaced.append(fact)
    for fact in unplaced:
        if not fact.required:
            continue
        # Last resort: a free voice-over line anywhere but the hook.
        for slot in [*middle, end]:
            if slot is end:
                joined = f"{end.voice.text if end.voice else ''} {_sentence(fact.text)}".strip()
                if word_count(joined) <= slot.max_voice_words + 2:
                    end.voice = Line(joined, end.voice.source if end.voice else _brief_src(fact.field))
                    end.facts.append(fact)
                    break
                continue
            if slot.voice is None and word_count(_sentence(fact.text)) <= slot.max_voice_words:
                slot.voice = Line(_sentence(fact.text), _brief_src(fact.field))
                slot.facts.append(fact)
                break
        else:
            longer = min(60, brief.duration_s + 15)
            notices.append(
                f"\u201c{fact.text}\u201d did not fit in {brief.duration_s} s with the other must-include facts; "
                f"a {longer} s cut would hold it."
            )

    # 5. Every beat's own line: name, audience, benefits; stock lines only where nothing is left.
    benefits = benefits_of(brief) + [f.text for f in facts if f.kind == "claim" and not _placed(f, slots)]
    named = any(slot.beat.line == "name" for slot in middle)
    for slot in middle:
        kind = slot.beat.line
        if kind == "name":
            pass
        elif kind == "audience":
            writer.audience_lines(slot)
        elif kind in ("benefit", "fact", "impact", "testimony"):
            writer.benefit_lines(slot, benefits)
        if slot.screen is None or slot.voice is None:
            if not named and kind != "problem":
                writer.name_lines(slot)
                named = True
            else:
                writer.benefit_lines(slot, benefits)
            writer.stock_lines(slot)
    title = writer.title()
    return Copy(title=title, hook=hook, shots=slots, cta=cta, cta_source=cta_src, notices=notices)


def _placed(fact: Fact, slots: list[ShotCopy]) -> bool:
    return any(fact in s.facts for s in slots)


def _place_fact(writer: Writer, fact: Fact, slots: list[ShotCopy]) -> bool:
    """The fact on screen in the best free slot (joined to a short fact there if need be)."""
    words = word_count(fact.text)
    # Small print may run longer than a caption: it is read, not glanced at.
    limit = MAX_LEGAL_WORDS if fact.kind == "legal" else MAX_FACT_WORDS
    if words > limit:
        for slot in slots:
            if slot.voice is None and words <= slot.max_voice_words:
                slot.voice = Line(_sentence(fact.text), _brief_src(fact.field))
                slot.facts.append(fact)
                return True
        return False
    order = _FITS.get(fact.kind, _FITS["claim"])
    ranked = sorted(
        slots,
        key=lambda s: (
            order.index(s.beat.line) if s.beat.line in order else len(order),
            s.beat.line == "name",
        ),
    )
    for slot in ranked:
        if slot.screen is None:
            slot.screen = Line(_cap(fact.text), _brief_src(fact.field))
            if slot.voice is None:
                slot.voice = writer.fact_voice(fact, slot)
            slot.facts.append(fact)
            return True
    for slot in ranked:  # two short facts share a caption: "£4.99 · 14 Mill Lane"
        if slot.screen is not None and slot.facts and word_count(slot.screen.text) + words + 1 <= limit:
            slot.screen = Line(f"{slot.screen.text} \u00b7 {fact.text}", slot.screen.source)
            slot.facts.append(fact)
            return True
    return False


def _cta_voice(writer: Writer, end: ShotCopy, said: str, source: LineSource) -> Line:
    options = []
    for template in _lines()["cta_voice"]:
        text = writer._fill(template, cta=said.rstrip(".!"))
        if text and word_count(text) <= end.max_voice_words + 2:
            options.append(text)
    text = writer.choose.choice(options) if options else _sentence(said)
    return Line(_cap(text), source)


def goal_default_cta(goal: Goal) -> str:
    return str(_vocab()["default_cta"][goal])


def has_claims(text: str) -> bool:
    return bool(claims_in(text))
