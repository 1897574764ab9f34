"""The whole-thread pass: the fields a careful reader gets from the shape of what was said.

The sentence rules (``rules.py``) read phrasings one at a time. This pass reads the thread as a
person would, with a few general methods instead of phrase lists:

- **labels in any form**: a line or sentence that starts with a known label and a separator
  (``CTA -``, ``End card:``, ``Who for —``, ``goal ->``, ``product =``, ``audience is``) gives
  that field its value; labels live in ``data/fields.json``;
- **names**: quoted strings, capitalised runs (CamelCase, ALL CAPS, several words), possessives
  ("Oakhaven's new sofa, the Drift"), "X = our ... app", "X (by Y)", "X from Y", "called X",
  subjects of "wants an ad", "we're X" and "from X";
- **imperatives**: a call to action is the quoted (or labelled) text after an ending cue
  ("end with", "close on", "final text", "CTA"), with the URL kept apart;
- **characters**: a sentence that asks for someone recurring ("in every shot", "mascot",
  "throughout") gives a name (a capitalised word, "called X", a titled "Dr. X") or a role noun,
  and the comma-separated descriptions that follow are its looks;
- **later wins**: for each field the latest statement is kept, and a changed value is said.

Every finding carries a confidence: 0.9 for a labelled value, 0.75 for a name found by shape,
0.5 for a guess from position. ``core.extract.rules`` merges these over its own reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from cutroom.core.extract import learned, vocabulary
from cutroom.core.extract.matching import key as _key

_V = vocabulary.table("fields")
_LABELS: dict[str, list[str]] = _V["labels"]
_BUSINESS = frozenset(_V["business_nouns"])
_COMPANY_SUFFIX = frozenset(_V["company_suffixes"])
_BENEFIT = BENEFIT_NOUNS = frozenset(_V["benefit_nouns"])
_AVOID_FOLLOW = AVOID_FOLLOWERS = frozenset(_V["avoid_followers"])
_CHAR_CUES = tuple(_V["character_cues"])
_ANIMALS = frozenset(_V["animal_words"])
_MASCOTS = frozenset(_V["mascot_words"])
_PERSON_NOUNS = tuple(sorted(_V["person_nouns"], key=len, reverse=True))
_TITLES = frozenset(_V["title_words"])
_BEINGS = frozenset(_PERSON_NOUNS) | _ANIMALS  # nouns for someone, not something
_LOOK_STOP = tuple(_V["look_stop"])
_NAME_STOP = NAME_STOP = frozenset(_V["name_stop"])
_INJECTION = tuple(_V["injection_markers"])
_LEGAL_URL = tuple(_V["legal_url_cues"])
_NO_URL = tuple(_V["no_url_cues"])

LABELLED, SHAPED, GUESSED = 0.9, 0.75, 0.5
MAX_SENTENCE_CHARS = 600  # a brief's sentence is short; a longer one is read only this far
MAX_SENTENCES = 400  # per message

_SEP = r"\s*(?::|=|->|→|—|–|-(?=\s)|\bis\b|\bare\b|\bwill be\b)\s*"


def _label_re(names: list[str]) -> re.Pattern[str]:
    alts = vocabulary.pattern(names)
    return re.compile(
        rf"^\s*(?:[-*•>]\s*)?(?:(?:the|our)\s+)?(?:{alts})(?:\s*\([^)]{{0,40}}\))?{_SEP}(?P<v>.+)$", re.I
    )


_LABEL_RES = {name: _label_re(words) for name, words in _LABELS.items()}
# "Brand — product" at the head of a thread needs a dash between spaces, so "e-bike" is not cut.
_QUOTE = re.compile(r"[\"“”](?P<a>[^\"“”\n]{2,90})[\"“”]|(?<![\w])['‘’](?P<b>[^'‘’\n]{2,90}?)['‘’](?![\w])")
_URL = re.compile(
    r"(?<![@\w.])(?:https?://)?(?:www\.)?(?=[a-z0-9-]*[a-z])[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,62})*"
    r"\.(?-i:[a-z]{2,24})(?:/[^\s<>\"'()\[\]{},]*[^\s<>\"'()\[\]{},.!?;:])?(?![\w@])",
    re.I,
)
_NOT_TLD = frozenset(["e", "g", "i", "e", "eg", "ie", "vs", "etc", "am", "pm", "na", "n.a"]) | frozenset(
    _V["file_endings"]
)
_ABBREV = re.compile(
    r"\b(?:Dr|Mr|Mrs|Ms|Prof|St|Rd|No|vs|approx|incl|N\.A|e\.g|i\.e|Co|min|max|approx|est|Ltd|Inc)\.$", re.I
)
_CAP = r"(?:[A-Z](?:[\w'’&°-]|\.(?=\d)){0,40})"  # "N°7", "No.5"
_CTA_CUE = re.compile(
    r"\b(?:cta|call[- ]to[- ]action|end[- ]?card|end\s?line|end\s?frame|"
    r"(?:final|last|closing) (?:text|line|card|frame|sentence|words|message|slide|screen|title)|"
    r"button|sign[- ]off|(?:end|ends|ending|finish|finishes|close|closes|wrap(?: it)? up)\s+(?:w/|with|on)|"
    r"at (?:the )?end|tagline at the end)\b",
    re.I,
)
_MUST_CUE = re.compile(
    r"\b(?:must (?:include|show|say|mention|be (?:on|shown|in|written|visible|there))|must\b|mandatory|"
    r"has to be (?:in|on)|have to (?:say|show|include)|gotta (?:say|have|show|include)|needs? to (?:say|show|be on)|"
    r"on[- ]screen|say it|include|mention|stat|disclaimer|small print|worth a mention|essential|"
    r"put the .{1,20} (?:in|on)|please say|be on\b|is a must|insist|(?<!don't )(?<!not )\bsay\s*:|show\s*:)",
    re.I,
)
_AVOID_CUE = re.compile(
    r"\b(?:avoid|steer clear of|stay away from|keep away from|keep clear of|leave out|keep out|skip|nothing with|"
    r"(?:don'?t|do not|dont|never|let'?s not|please don'?t|shouldn'?t|should not|must not|mustn'?t|can'?t|cannot|"
    r"won'?t|we'?d rather not) (?:show|want|use|feature|include|put in|see|go with)(?: any)?|"
    r"no(?:t)? (?:want )?to show|not want|never show|not a fan of|no room for|(?:rather|prefer) not to (?:show|use|see))\b",
    re.I,
)
_DURATION_MINUTES = re.compile(
    r"\b(?:(?P<n>\d+(?:\.\d+)?)|(?P<w>one|two|three|four|five|a|half a))[\s-]*(?:minutes?|mins?)\b(?:\s+(?:long|film|video|ad|spot|cut))?",
    re.I,
)
_MINUTE_LENGTH_CUE = re.compile(
    r"\b(?:about|around|like|film|video|ad|spot|be|length|duration|runtime|long)\b", re.I
)


# ── sentences ────────────────────────────────────────────────────────────────────────────


@dataclass
class Sentence:
    text: str
    order: int  # the message's index
    labelled: bool = False


_INJECTION_SHAPE = re.compile(
    r"\b(?:ignore|disregard|forget|override|bypass)\s+(?:\w+\s+){0,2}"
    r"(?:all|every|any|your|previous|prior|earlier|above|preceding|system|original)\s+(?:\w+\s+)?"
    r"(?:instructions?|prompts?|rules|guidelines|directions)\b",
    re.I,
)


def is_injection(line: str) -> bool:
    """A line that talks to the model instead of about the ad ("disregard every earlier instruction")."""
    lowered = line.lower()
    return any(marker in lowered for marker in _INJECTION) or bool(_INJECTION_SHAPE.search(line))


def sentences(text: str) -> list[str]:
    """Lines, then sentences, never cut inside a quote, after "Dr." or inside "£4.99"."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.strip().lstrip(">").strip()
        if not line:
            continue
        quoted = [(m.start(), m.end()) for m in _QUOTE.finditer(line)]
        start = 0
        for m in re.finditer(r"(?<=[.!?])\s+(?=\S)", line):
            if any(a < m.start() < b for a, b in quoted):
                continue
            piece = line[start : m.start()]
            if piece.endswith(".") and _ABBREV.search(piece):
                continue
            out.append(piece.strip())
            start = m.end()
        out.append(line[start:].strip())
    return [s[:MAX_SENTENCE_CHARS] for s in out if s][:MAX_SENTENCES]


def _quotes(text: str) -> list[tuple[int, str]]:
    return [(m.start(), (m.group("a") or m.group("b")).strip()) for m in _QUOTE.finditer(text)]


def urls(text: str) -> list[str]:
    found = []
    for m in _URL.finditer(text):
        url = m.group(0)
        host = url.split("/")[0].lower()
        if "." not in host or host.rsplit(".", 1)[1] in _NOT_TLD or re.fullmatch(r"[\d.]+", host):
            continue
        if re.search(r"@", text[max(0, m.start() - 1) : m.start()]):
            continue
        found.append(url)
    return found


# ── findings ─────────────────────────────────────────────────────────────────────────────


@dataclass
class Finding:
    value: object
    confidence: float
    order: int


@dataclass
class Findings:
    product: Finding | None = None
    brand: Finding | None = None
    cta: Finding | None = None
    url: Finding | None = None
    no_url: bool = False
    characters: list[tuple[str, str, str]] = field(default_factory=list)  # name, kind, look
    character_sentences: list[str] = field(default_factory=list)
    must_include: list[str] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)
    duration_minutes: float | None = None
    products_named: list[str] = field(default_factory=list)  # "ads for X and for Y": two products
    bad_url: str | None = None  # a labelled link that is no web address
    lengths: list[int] = field(default_factory=list)  # every ad length said, in order
    changed: list[str] = field(default_factory=list)
    injections: int = 0
    candidates: dict[str, list[Finding]] = field(default_factory=dict)  # every product/brand offered
    people: set[str] = field(default_factory=set)  # first names of people in the thread
    authors: list[str] = field(default_factory=list)  # who wrote each message, by order

    def bad_name(self, value: str | None) -> bool:
        """``value`` is a city, a person, a date, a length or a lone title: no product or brand."""
        return bool(value) and _bad_name(str(value), self.people)

    def offer(self, name: str, value: object, confidence: float, order: int) -> None:
        """Keep the stronger finding; among equals, the later one (a correction) wins."""
        if value in (None, ""):
            return
        if name in ("product", "brand"):
            self.candidates.setdefault(name, []).append(Finding(value, confidence, order))
        current: Finding | None = getattr(self, name)
        if current is not None and confidence < current.confidence:
            return
        if current is not None and confidence == current.confidence and order < current.order:
            return
        if (
            current is not None
            and order > current.order
            and confidence >= LABELLED
            and _key(str(current.value)) != _key(str(value))
        ):
            self.changed.append(name)
        setattr(self, name, Finding(value, confidence, order))


def read_thread(messages: list[tuple[str, str]], *, lists: bool = True) -> Findings:
    """Every finding over the whole thread, in message order (later statements win). With
    ``lists`` False the must-include and avoid lists are left to their own readers
    (``facts.py``, ``avoid.py``) and not read here."""
    found = Findings()
    found.authors = [author for author, _ in messages]
    all_sentences: list[Sentence] = []
    for order, (_, text) in enumerate(messages):
        for s in sentences(text):
            if is_injection(s):
                found.injections += 1
                continue
            all_sentences.append(Sentence(s, order))
    for sentence in all_sentences:
        _labels(sentence, found)
        _names(sentence, found)
        _cta(sentence, found)
        _url(sentence, found)
        if lists:
            _must(sentence, found)
            _avoid(sentence, found)
        _minutes(sentence, found)
        for m in re.finditer(
            r"(?<![\w.])(\d{1,3})\s*-?\s*(?:s|sec|secs|second|seconds)\b(?!\s*(?:later|in|of|into|ago|each|per))",
            sentence.text,
            re.I,
        ):
            before = sentence.text[max(0, m.start() - 12) : m.start()].lower()
            if not re.search(r"\b(?:first|last|every|each|the|in|within|under)\s*$", before):
                found.lengths.append(int(m.group(1)))
    _heads(all_sentences, found)
    _more_names(all_sentences, found)
    found.characters = _characters(all_sentences, found)
    _rank_names(all_sentences, found)
    found.must_include = _dedupe(found.must_include)[:10]
    found.avoid = _dedupe(found.avoid)[:10]
    return found


def _dedupe(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        k = _key(item)
        if not k or any(k in _key(o) for o in out):
            continue
        out = [o for o in out if _key(o) not in k]
        out.append(item)
    return out


# ── labels ───────────────────────────────────────────────────────────────────────────────


_CORRECTION_LEAD = re.compile(
    r"^\W*(?:scratch that|actually|correction|sorry|no wait|wait|update|change of plan|oops|my bad|edit|ok|okay|so)"
    r"\s*[,:;—–-]*\s*(?:the\s+)?(?=\w)",
    re.I,
)


def _labels(sentence: Sentence, found: Findings) -> None:
    text = _CORRECTION_LEAD.sub("", sentence.text)  # "scratch that — product is the Lumen Pro"
    head, colon, rest = text.partition(": ")
    if colon and len(head.split()) <= 8 and not any(p.match(text) for p in _LABEL_RES.values()):
        text = rest  # "OK here's everything for the spot: the product is ..."
    for name, pattern in _LABEL_RES.items():
        m = pattern.match(text)
        if not m:
            continue
        value = m.group("v").strip()
        # "is" is a separator only after a label that starts the sentence and is short.
        head = text[: m.start("v")].lower()
        if re.search(r"\b(?:is|are|will be)\s*$", head) and len(head.split()) > 4:
            continue
        sentence.labelled = True
        if name == "product":
            _product_value(value, sentence.order, found, LABELLED)
        elif name == "brand":
            brand = _strip(value.split(",")[0])
            if brand and len(brand.split()) <= 5:
                found.offer("brand", brand, LABELLED, sentence.order)
        elif name == "cta":
            cta = _cta_value(value)
            if cta:
                found.offer("cta", cta, LABELLED, sentence.order)
        elif name == "url":
            for url in urls(value)[:1]:
                found.offer("url", url, LABELLED, sentence.order)
                found.bad_url = None
            if not urls(value) and not any(
                cue in value.lower() for cue in ("none", "no ", "n/a", "tbc", "tbd", "later")
            ):
                found.bad_url = value.strip()[:60]
        elif name == "must":
            if head.strip().lower().startswith(("offer", "price", "promo")) and not re.search(r"\d", value):
                continue
            quoted = [q for _, q in _quotes(value)]
            if quoted and len(quoted) >= len(_items(value)) - 1:
                # the quoted lines, and an unquoted item that states a number ("our FCA number 123456")
                numbered = [i for i in _items(_QUOTE.sub(" ", value)) if re.search(r"\d", i)]
                found.must_include.extend(
                    [*quoted, *(re.sub(r"^(?:plus|and|also)\s+", "", r) for r in numbered)]
                )
            else:
                found.must_include.extend(_items(value))
        elif name == "avoid":
            if head.strip().lower() in ("no", "not", "never") and not head.strip().endswith(":"):
                pass
            found.avoid.extend(
                _avoid_items(re.sub(r"^(?:show|use|feature|include)\s+", "", value, flags=re.I))
            )


def _strip(text: str) -> str:
    text = text.strip().strip("\"'“”‘’").strip()
    text = (
        re.sub(r"^(?:the|our|their|a|an|its|my)\s+", "", text, flags=re.I) if len(text.split()) > 1 else text
    )
    text = re.sub(r"\s*[,.;:!?]+$", "", text)
    return text.strip().strip("\"'“”‘’").strip()


def _product_value(value: str, order: int, found: Findings, confidence: float) -> None:
    """``the Skiddaw 2 tent from Tarnbeck Outdoor, a two-person tent`` → product and brand."""
    quotes = _quotes(value)
    value = re.split(r",\s+(?:a|an|which|that|it|who)\b|\.\s|;\s|\s+[—–]\s+", value)[0]
    brand = None
    m = re.search(r"\s*\((?:by\s+|from\s+)?(?P<b>[^)]{2,40})\)", value)
    if m:
        if re.match(r"[A-Z]", m.group("b")):
            brand = m.group("b")
        value = value[: m.start()] + value[m.end() :]
    m = re.search(rf"\s+(?:from|by|at)\s+(?P<b>{_CAP}(?:\s+{_CAP}){{0,6}})\s*$", value)
    if m:
        brand = m.group("b")
        value = value[: m.start()]
    product = quotes[0][1] if quotes else _strip(value)
    product = re.sub(r"\s+(?:[$£€]\s?\d[\d,.]*\S*|\d[\d,.]*\s?(?:[$£€]|pp|p\b)).*$", "", product)
    if product and len(product.split()) <= 8 and len(product) <= 60:
        found.offer("product", product, confidence, order)
    if brand:
        found.offer("brand", _strip(brand), confidence - 0.05, order)


def _cta_value(value: str) -> str | None:
    quotes = _quotes(value)
    if quotes and quotes[0][0] < 12:
        return quotes[0][1].rstrip(".!").strip()
    text = _URL.sub(" ", value)
    text = re.split(
        r"\s+(?:[—–→/|]|->|and|\+|then)\s+|[.;!(→]|\s-\s|,\s|"
        r"\s+(?:at|to|on|via)\s+(?=(?:the\s+|our\s+|their\s+)?(?:site|website|link|page|url|app|store|bio|shop)\b)",
        text.strip(),
    )[0]  # "Bring the heat to your weekend" keeps its "to"; "Book online at our site" ends at "online"
    text = re.split(r"\s{2,}|\s[#@]", text.strip())[0]
    text = re.sub(r"\s+(?:at|to|on|via|→|->|:|and|\+|[—–-])\s*$", "", text.strip())
    text = text.strip(" \"'“”‘’:,-—–")
    text = text[:1].upper() + text[1:]
    if not text or len(text.split()) > 9 or not re.search(r"[^\W\d_]", text):
        return None
    return text


# ── names: product and brand ─────────────────────────────────────────────────────────────


_POSSESSIVE = re.compile(
    r"(?<![\w&.-])(?P<owner>(?:[\w&.-]{1,30}\s+){0,2}[\w&.-]{1,30})['’]s\s+"
    r"(?!(?:in|on|at|got|been|not|always|usually|never|just|also|still|the\s+(?:one|guy|girl|man|woman|type|face|star))\b)"  # "Dev's in it": is
    r"(?:new\s+|latest\s+)?(?P<rest>[^.;!?]{2,80})"
)
_OUR_APP = re.compile(
    rf"(?P<n>{_CAP}(?:\s+{_CAP}){{0,6}})\s*(?:=|—|–|-|\(|,)\s*(?:it is\s+|it's\s+)?(?:our|their|the)\s+"
    r"(?:new\s+)?(?P<what>[a-z][\w -]{2,40}?)(?=[).,;]|\s+(?:for|to|that|which)\b|$)"
)
_CALLED = re.compile(
    r"\b(?:called|named|name is|it'?s called|known as)\s+(?:the\s+)?(?:(?P<q>[\"“'‘][^\"”'’]{2,60}[\"”'’])|(?P<n>[\w&'’°-]+(?:\s+(?:&\s+)?(?-i:[A-Z0-9])[\w&'’°-]*){0,6}))",
    re.I,
)
_AD_FOR = re.compile(
    r"\b(?:ad|advert|advertising|advertisement|video|vid|spot|film|promo|campaign|push|piece|cut|launch ad|"
    r"promote|promoting|launching|launch|advertise|advertising|introducing|brief for|everything for|running|selling|pushing|"
    r"test drives for|for)\s+(?:for\s+|about\s+|of\s+)?(?:the|our|their|its|a|an|this)?\s*"
    r"(?:(?:new|latest|part-time|full-time|upcoming|brand-new)\s+)?(?:(?P<noun>[a-z][a-z-]+(?:\s+[a-z][a-z-]+)?)\s+)?"
    rf"(?P<n>{_CAP}(?:\s+(?:{_CAP}|\d[\w-]{{0,20}})){{0,6}})(?P<tail>(?:\s+[a-z][a-z-]+){{0,3}})"
)
_SUBJECT = re.compile(
    rf"^(?:[^\w]*\s*)?(?P<n>{_CAP}(?:\s+(?:&\s+)?{_CAP}){{0,3}})\s+(?:wants|needs|is running|is opening|is launching|"
    r"would like|is|are|has|have|launches|presents|here)\b"
)
_WE_ARE = re.compile(
    r"\b(?:we(?:'re| are| r)|we from|i am from|i'm from|i'm with|from|this is|our company|company|"
    r"(?:i|we)\s+(?:write|work|am writing|are writing)\s+(?:for|at)|on behalf of|marketing (?:for|at))\s+"
    r"(?P<n>[\w&'’.-]+(?:\s+(?:&\s+)?[\w&'’.-]+){0,3})",
    re.I,
)
_HOSTED_BY = re.compile(rf"\b(?:hosted by|by|powered by|made by)\s+(?P<n>{_CAP}(?:\s+{_CAP}){{0,3}})")
_X_FROM_Y = re.compile(
    rf"(?P<p>{_CAP}(?:\s+(?:{_CAP}|\d[\w-]{{0,20}})){{0,6}}(?:\s+[a-z][a-z-]+){{0,2}})\s+(?:\((?:by\s+)?|from\s+)(?P<b>{_CAP}(?:\s+{_CAP}){{0,3}})"
)
_PRODUCT_NOUNS = re.compile(
    r"\b(?:app|application|platform|tool|software|service|plan|card|account|tariff|package|bouquet|set|loaf|"
    r"menu|sofa|serum|soda|tent|frame|pendant|jumper|bootcamp|course|appeal|offer|deal|break|sack|kit|bundle|"
    r"range|collection|product|subscription|membership|pass|box|drink|beer|ipa|coffee|tablets|game|device|"
    r"phone|watch|shoe|shoes|bag|backpack|bike|car|hatchback|lofts|webinar|event|open day|day|night|festival|"
    r"show|tour|policy|insurance|loan|mortgage|fund|spray|cream|bar|blend|tea|wine|gin|juice|snack|meal|"
    r"cleanser|moisturi[sz]er|lotion|shampoo|conditioner|candles?|lamp|chair|mattress|pillow|speaker|headphones|"
    r"earbuds|laptop|camera|drone|scooter|toothbrush|bulbs?|case|jacket|boots|trainers|sneakers|dress|sauce|"
    r"granola|cereal|chocolate|biscuits|crisps|vodka|rum|whisky|whiskey|cider|lager|kombucha|supplements?|"
    r"vitamins|toy|console|printer|kettle|blender|vacuum|oven|stove|battery|charger|perfume|fragrance|lipstick|"
    r"mascara|sunscreen|balm|oil|soap|razor|glasses|lenses|ring|necklace|bracelet|earrings|tyres|stroller|pram)\b",
    re.I,
)


_NAME_LAUNCHES = re.compile(
    rf"(?:^|[,;:—–]\s*|\b(?i:the|our)\s+)(?P<n>{_CAP}(?:\s+(?:{_CAP}|\d[\w-]{{0,20}})){{0,4}}(?:\s+[a-z]+){{0,2}}?)\s+"
    r"(?:(?:launch(?:es)?|drops?|lands?|arrives?|go(?:es)? live|go(?:es)? on sale|(?:is|are) out|comes? out|"
    r"hits? shelves|opens?)\s+(?i:on|this|next|in|today|"
    r"tomorrow|from|at)\b|is what (?:we'?re|we are|i'?m) (?:advertising|promoting|selling|pushing|launching))"
)
_COMPANY_HEAD = re.compile(
    r"^\W*(?:(?i:ok|okay|so|hi|hey|hello|right|morning|hiya)\W+){0,3}"
    rf"(?P<n>{_CAP}(?:\s+(?:&\s+)?{_CAP}){{1,3}}|{_CAP})\s*(?P<how>here\b|[—–]\s+(?=(?i:we|our|i)\b))"
)
_PRODUCT_AFTER = re.compile(  # ", our 2-in-1 cleanser": what follows a name says it is a product
    r",?\s+(?:a|an|our|the)\s+(?:[\w-]+\s+){0,3}?" + _PRODUCT_NOUNS.pattern.removeprefix(r"\b"), re.I
)
_NAME_IS_A = re.compile(
    rf"^\W*(?P<n>{_CAP}(?:\s+(?:&\s+)?{_CAP}){{0,3}})\s+(?:is|=)\s+(?:a|an|our|the|basically a)\s+"
    r"(?:[\w-]+\s+){0,3}?" + _PRODUCT_NOUNS.pattern.removeprefix(r"\b"),
    re.I,
)
_OUR_X_NAME = re.compile(
    rf"\b(?i:my|our)\s+(?:(?i:new|little|latest)\s+)?(?P<what>[a-z][a-z-]+(?:\s+[a-z][a-z-]+)?),\s+"
    rf"(?:(?i:called|named)\s+)?(?P<n>(?:The\s+)?{_CAP}(?:\s+(?:&\s+)?{_CAP}){{0,3}})(?=[,.;:!?]|\s+(?:on|in|at|is|—|-)\b|$)"
)
_HERO = re.compile(
    r"\b(?:(?i:hero(?: product)?|star|focus|main product) (?:is|=)|(?i:ad|video|spot|film) is about|(?i:featuring|showcasing|spotlighting))"
    rf"\s+(?:(?i:the|our)\s+)?(?P<n>{_CAP}(?:\s+(?:{_CAP}|\d[\w-]{{0,20}})){{0,4}})"
)


def _is_name(text: str) -> bool:
    words = text.split()
    return (
        bool(words) and words[0].lower().strip("'’") not in _NAME_STOP and not re.fullmatch(r"[\d\W]+", text)
    )


def _names(sentence: Sentence, found: Findings) -> None:
    text, order = sentence.text, sentence.order
    m = re.search(
        rf"\b(?:the\s+)?(?i:client|brand|company|advertiser)\s*(?:is|=|,)\s+(?P<n>{_CAP}(?:\s+(?:&\s+)?{_CAP}){{0,4}})",
        text,
    )
    if m and _is_name(m.group("n")):
        found.offer("brand", m.group("n"), LABELLED - 0.05, order)
    m = re.search(
        rf"(?P<n>{_CAP}(?:\s+{_CAP}){{0,3}})\s+(?:brand\s+)?(?:colou?rs|palette|font|typeface)\b", text
    )
    if m and _is_name(m.group("n")) and m.group("n").lower() not in ("brand", "our"):
        found.offer("brand", m.group("n"), SHAPED, order)
    m = re.search(rf"\b(?:the|our)\s+(?P<n>{_CAP}(?:\s+{_CAP}){{0,2}})\s+logo\b", text)
    if m and _is_name(m.group("n")):
        found.offer("brand", m.group("n"), SHAPED - 0.1, order)
    for m in re.finditer(rf"\bat\s+(?P<n>{_CAP}(?:\s+(?:&\s+)?{_CAP}){{0,3}})", text):
        if _is_name(m.group("n")) and not _has_character_cue(text):
            found.offer("brand", m.group("n"), GUESSED - 0.1, order)
    if _CTA_CUE.search(text[:40]) or sentence.labelled:
        return
    # "X = our email security platform", "LingoPop (it is our application ...)"
    for m in _OUR_APP.finditer(text):
        if _is_name(m.group("n")):
            found.offer("product", m.group("n"), SHAPED + 0.05, order)
    # "a service called EasyWill", "its called 'low tide'" — not in a sentence about a character.
    if not _has_character_cue(text):
        for m in _CALLED.finditer(text):
            before = text[max(0, m.start() - 25) : m.start()].lower()
            last = re.findall(r"[\w'-]+", before)[-2:]  # the noun right before "called": "a girl", "a puppy"
            if any(w in _BEINGS or w.removesuffix("s") in _BEINGS for w in last):
                continue  # "a girl named Amina" is a character, not a product
            name = (m.group("q") or m.group("n") or "").strip("\"“”'‘’ ")
            if name and _is_name(name) and len(name.split()) <= 6:
                found.offer("product", name, SHAPED + 0.05, order)
    # "Oakhaven's new modular sofa, the Drift"; "Blocktopia's Moonbase Builder set"
    for m in _POSSESSIVE.finditer(text):
        owner = _owner(m.group("owner"))
        rest = m.group("rest")
        biz = re.match(r"([A-Z][\w-]*)\b", rest)
        if owner[:1].isupper() and biz and biz.group(1).lower() in _BUSINESS:
            found.offer("brand", f"{owner}'s {biz.group(1)}", SHAPED, order)  # "Luigi's Pizzeria"
            continue
        if (
            not owner
            or owner.lower() in _NAME_STOP
            or owner.lower() in ("it", "that", "there", "what", "who", "let")
        ):
            continue
        appositive = re.match(
            r"[^,]{2,40},\s+the\s+(?P<q>[\"“'‘][^\"”'’]{2,60}[\"”'’]|[\w&'’°-]+(?:\s+[A-Z0-9][\w&'’°-]*){0,6})",
            rest,
        )
        named = re.match(
            rf"(?P<n>{_CAP}(?:\s+(?:{_CAP}|\d[\w-]{{0,20}})){{0,6}})(?P<t>(?:\s+[a-z][a-z-]+){{0,2}})", rest
        )
        if owner[0].isupper() or appositive or named:
            if appositive:
                found.offer("product", appositive.group("q").strip("\"“”'‘’"), SHAPED, order)
                found.offer("brand", owner, SHAPED, order)
            elif named and _is_name(named.group("n")):
                found.offer(
                    "product", (named.group("n") + _noun_tail(named.group("t"))).strip(), SHAPED, order
                )
                found.offer("brand", owner, SHAPED, order)
            elif owner[0].isupper() and _is_name(owner):
                found.offer("brand", owner, GUESSED + 0.1, order)
                phrase = re.match(r"(?:[a-z][\w-]*\s+){0,3}[a-z][\w-]*", rest)
                if phrase and _PRODUCT_NOUNS.search(phrase.group(0)):
                    words = phrase.group(0).split()
                    while words and not _PRODUCT_NOUNS.fullmatch(words[-1]):
                        words.pop()
                    if words:
                        found.offer("product", " ".join(words), GUESSED + 0.12, order)
    # "Dewdrop Barrier Serum from Lumière Lab", "PawSafe pet insurance (by Northgate Mutual)"
    for m in _X_FROM_Y.finditer(text):
        product, brand = re.sub(r"^(?:The|Our|Their)\s+(?=[A-Z0-9])", "", m.group("p")), m.group("b")
        if _is_name(product) and _is_name(brand) and not _has_character_cue(text):
            found.offer("product", _strip(product), SHAPED, order)
            found.offer("brand", brand, SHAPED, order)
    # quoted names beside a product noun: "their 'Forever Red' bouquet", "new plan 'Velo Unlimited 5G'"
    if not _MUST_CUE.search(text) or re.search(r"\b(?:called|new|our|their)\b", text, re.I):
        for start, quote in _quotes(text):
            after = text[start + len(quote) + 2 : start + len(quote) + 30].lower()
            before = text[max(0, start - 40) : start].lower()
            if re.match(r"\s*(?:is the|as the)\s+(?:line|tagline|slogan|hook)", after):
                continue
            if _looks_like_cta(quote) or len(quote.split()) > 7 or quote.endswith((".", "!", "?")):
                continue
            if re.search(
                r"\b(?:say|says|read|reads|mention|include|text|line|tagline|slogan|hook)\W*$", before
            ):
                continue
            if _PRODUCT_NOUNS.search(before[-25:] + " " + after[:20]) or re.search(
                r"\b(?:called|named|new|our|their|its|the|promo:?|for)\s*$", before
            ):
                found.offer("product", quote, SHAPED + 0.02, order)
    # "Northside Coffee here", "ok so Fable Candles — we're pushing ...": a company opening a message
    m = _COMPANY_HEAD.match(text)
    if m and _is_name(m.group("n")) and not _has_character_cue(text):
        name = m.group("n")
        words = name.split()
        if m.group("how") != "here" or words[-1].lower() in _BUSINESS or words[-1].lower() in _COMPANY_SUFFIX:
            found.offer("brand", name, SHAPED if m.group("how") == "here" else GUESSED + 0.1, order)
    # "Cadence launches on the 4th", "the SolarEdge Pro panel kit is what we're advertising"
    m = _NAME_LAUNCHES.search(text)
    if m and _is_name(m.group("n")) and not _has_character_cue(text):
        found.offer("product", _strip(m.group("n")), SHAPED - 0.05, order)
    # "Sprout is a savings app for kids": a name, then what kind of product it is
    m = _NAME_IS_A.match(text)
    if m and _is_name(m.group("n")) and not _has_character_cue(text):
        found.offer("product", m.group("n"), SHAPED, order)
    # "my bakery, The Daily Crumb", "our new serum, Dewdrop": the business or the product named after it
    for m in _OUR_X_NAME.finditer(text):
        what, name = m.group("what").lower(), m.group("n")
        if not _is_name(re.sub(r"^The\s+", "", name)) or _has_character_cue(text):
            continue
        if what.split()[-1] in _BUSINESS:
            found.offer("brand", _brand_name(name) or name, SHAPED, order)
        elif _PRODUCT_NOUNS.search(what):
            found.offer("product", name, SHAPED, order)
    # "the hero is Duo", "the ad is about the Harvest Box", "featuring the Nimbus 3"
    for m in _HERO.finditer(text):
        kind = _PRODUCT_AFTER.match(text[m.end() :])
        if _is_name(m.group("n")) and (kind or not _has_character_cue(text)):
            found.offer("product", _strip(m.group("n")), LABELLED if kind else SHAPED + 0.05, order)
    # "Petal Post wants an ad for ...", "Volta Motors is opening test drives"
    m = _SUBJECT.match(text)
    if m and _is_name(m.group("n")) and not _has_character_cue(text):
        name = m.group("n")
        verb_rest = text[m.end() :]
        if re.match(
            r"\s*(?:an?\s+)?(?:app install|install|launch|ad\b|video|spot|promo)", verb_rest, re.I
        ) or re.match(r"\s+installs", text[m.end("n") :]):
            found.offer("product", name, GUESSED + 0.1, order)
        if re.search(
            r"\b(?:ad|ads|advert|video|vid|spot|film|promo|campaign|launch\w*|running|opening|installs?|brief|"
            r"introduc\w*|releas\w*|unveil\w*)\b",
            text[m.end("n") : m.end("n") + 60],
            re.I,
        ):
            found.offer("brand", name, GUESSED + 0.15, order)
    two = re.search(
        rf"\b(?:ads?|videos?|spots?|promos?)\s+(?:for|about)\s+(?:the\s+|our\s+)?(?P<a>{_CAP}(?:\s+{_CAP}){{0,3}})"
        rf"(?:\s*[,&+]|\s+(?:and|plus))\s+(?:also\s+)?(?:(?:for|about)\s+)?(?:the\s+|our\s+)?(?P<b>{_CAP}(?:\s+{_CAP}){{0,3}})",
        text,
    )
    if two and _is_name(two.group("a")) and _is_name(two.group("b")) and two.group("a") != two.group("b"):
        found.products_named.extend([two.group("a"), two.group("b")])
        found.offer("product", two.group("a"), GUESSED, order)
    # "ad for the part-time Data Analytics Bootcamp", "for the app Stridely", "its Winter Beds appeal"
    for m in _AD_FOR.finditer(text):
        name = m.group("n")
        if not _is_name(name) or _has_character_cue(text) or len(name) < 2 or re.search(r"['’]s$", name):
            continue
        if re.match(r"(?:[A-Z][a-z]+)$", name) and name.lower() in _NAME_STOP:
            continue
        if m.group("noun") and any(
            w in _NAME_STOP or w in ("ppl", "people") for w in m.group("noun").split()
        ):
            continue
        tail = _noun_tail(m.group("tail") or "")
        product = (name + tail).strip()
        conf = GUESSED + 0.12 if m.group(0).lower().startswith("for") else SHAPED - 0.05
        if m.group("noun") and _PRODUCT_NOUNS.search(m.group("noun")):
            conf = SHAPED  # "for our invoicing app Acme Invoice": a product noun, then its name
        found.offer("product", product, conf, order)
    # "we're Crumb & Co. bakery", "its tash from grindhouse coffee", "hosted by Stackly"
    for m in _WE_ARE.finditer(text):
        name = _brand_name(m.group("n"))
        from_x = m.group(0).lower().startswith("from")
        if (
            name
            and (not from_x or name[0].isupper() or name.split()[-1].lower().rstrip(".") in _BUSINESS)
            and _is_name(name)
            and not re.match(r"(?:the|a)\b", name, re.I)
        ):
            found.offer("brand", name, GUESSED if from_x else SHAPED, order)
    for m in _HOSTED_BY.finditer(text):
        if _is_name(m.group("n")) and "by" in m.group(0).lower():
            found.offer("brand", m.group("n"), GUESSED + 0.05, order)


_DOMAIN_TAILS = ("", "app", "hq", "co", "uk", "shop", "store", "online", "official", "studio", "group")


def name_of_domain(text: str, url: str | None) -> str | None:
    """The capitalised name in the thread that the ad's web address spells ("Petal Post" for
    petalpost.shop): a company usually owns the domain of its own name."""
    if not url:
        return None
    host = re.sub(r"^(?:[a-z]+://)?(?:www\.)?", "", url.lower()).split("/")[0]
    label = re.sub(r"[^a-z0-9]", "", host.split(".")[0])
    if len(label) < 3:
        return None
    for m in re.finditer(r"(?<![\w@./])[A-Z][\w'’&.-]*(?:\s+(?:&\s+)?[A-Z0-9][\w'’&.-]*){0,3}", text[:20000]):
        words = m.group(0).split()
        for end in range(len(words), 0, -1):
            name = " ".join(words[:end]).rstrip(".'’")
            key = re.sub(r"[^a-z0-9]", "", name.lower().replace("&", "and"))
            plain = re.sub(r"[^a-z0-9]", "", name.lower())
            if any(k and label in (k + tail for tail in _DOMAIN_TAILS) for k in (key, plain)) and (
                len(plain) >= 3
            ):
                return name
    return None


def _owner(owner: str) -> str:
    words = owner.split()
    if not words:
        return ""
    if words[-1].lower().rstrip(".") in _BUSINESS and len(words) >= 2 and words[0].lower() not in _NAME_STOP:
        return " ".join(words)  # "hopfield brewing co's": a business named in lower case
    keep = [words[-1]]
    for word in reversed(words[:-1]):
        if (
            keep[0].lower().rstrip(".") in _COMPANY_SUFFIX
            or (word[:1].isupper() and keep[0][:1].isupper())
            or (word in ("&", "and") and keep[0][:1].isupper())
            or (keep[0] in ("&", "and") and word[:1].isupper())
        ):
            keep.insert(0, word)
        else:
            break
    while keep and not re.match(r"[\w]", keep[0]):
        keep.pop(0)
    return " ".join(keep)


def _brand_name(text: str) -> str:
    """``Crumb & Co. bakery on the high st`` → ``Crumb & Co.``; ``grindhouse coffee`` stays."""
    text = re.split(
        r"\s+(?:on|in|at|and|for|with|marketing|team|here|wants?|make|making|want|,)\b|[,!?;]", text
    )[0]
    words = text.split()
    if words and words[0][:1].isupper():
        caps = []
        for w in words:
            if w[:1].isupper() or w == "&":
                caps.append(w)
            else:
                break
        return " ".join(caps).rstrip(",")
    if words and words[-1].lower() in _BUSINESS and len(words) <= 3:
        return " ".join(words)
    return ""


def _noun_tail(tail: str) -> str:
    words = []
    for w in tail.split():
        if w.lower() in _NAME_STOP or w.lower() in ("is", "was", "in", "this", "that", "launches", "drops"):
            break
        if not _PRODUCT_NOUNS.search(w) and w.lower() not in ("wedding", "open", "walk-in", "kids", "hazy"):
            break
        words.append(w)
    return (" " + " ".join(words)) if words else ""


def _heads(all_sentences: list[Sentence], found: Findings) -> None:
    """The thread's first lines often name the thing: "Harbor Bank — 'Piggy Saver' kids account."."""
    firsts = [s for s in all_sentences if s.order == all_sentences[0].order] if all_sentences else []
    if not firsts:
        return
    first = firsts[0].text
    order = firsts[0].order
    m = re.match(r"^(?P<a>[^—–:.]{2,60}?)\s*(?:[—–]|:(?=\s)|\s-\s)\s*(?P<b>.+)$", first)
    if m and not firsts[0].labelled:
        a, b = _strip(m.group("a")), m.group("b")
        if _AD_HEAD.fullmatch(a):
            # "Video needed: Ridgeway Flex hiking poles, ...", "Brief: Sleepwell mattress, 30 secs"
            piece = re.split(r",|\s+(?:for|please|pls|asap)\b|\s+\d", b)[0]
            if _is_name(_strip(piece)) and len(piece.split()) <= 6:
                _product_value(piece, order, found, SHAPED - 0.05)
            return
        if _is_name(a) and len(a.split()) <= 6:
            rest_name = re.match(r"[^,.;]{2,60}", b)
            if a[:1].isupper() and all(w[:1].isupper() or w in "&" for w in a.split()):
                found.offer("brand", a, GUESSED + 0.05, order)
                if rest_name and (found.product is None) and not re.search(r"\d", rest_name.group(0)[:3]):
                    piece = _strip(re.split(r"\s+(?:push|piece|season|ad|campaign)\b", rest_name.group(0))[0])
                    if (
                        piece
                        and len(piece.split()) <= 6
                        and not _DURATION_LIKE.search(piece)
                        and (_PRODUCT_NOUNS.search(piece) or re.search(r"[A-Z]", piece))
                    ):
                        found.offer("product", piece, GUESSED - 0.1, order)
                if found.product is None:
                    found.offer("product", a, GUESSED - 0.15, order)
            else:
                found.offer("product", a, GUESSED, order)
            return
    # terse heads: "FIZZWICK yuzu soda." / "Spokes & Sprockets. winter bike service £35."
    pieces = [s.text for s in firsts[:2]]
    head = _strip(pieces[0])
    if (
        not head
        or len(head.split()) > 6
        or not _is_name(head)
        or re.search(r"\b(?:hi|hello|hey|ok)\b", head, re.I)
    ):
        return
    bare = all(w[:1].isupper() or w == "&" for w in head.split())
    if bare and len(pieces) > 1:
        found.offer("brand", head, GUESSED, order)
        nxt = re.sub(r"\s*(?:[$£€]\s?\d[\d,.]*|\d[\d,.]*\s?[$£€]).*$", "", pieces[1]).strip(" .")
        if nxt and len(nxt.split()) <= 5 and not re.search(r"\d|['\"‘“]", nxt):
            found.offer("product", nxt, GUESSED - 0.05, order)
        else:
            found.offer("product", head, GUESSED - 0.15, order)
    elif (
        not bare
        and len(head.split()) <= 5
        and not re.search(r"\d", head)
        and not any(w.lower().strip(":") in _NAME_STOP or w.lower() in _AD_WORDS for w in head.split())
    ):
        found.offer("product", head, GUESSED - 0.05, order)


_AD_HEAD = re.compile(
    r"(?i:(?:new\s+|quick\s+|urgent\s+)?(?:brief|ad|advert|video|vid|spot|reel|promo|campaign|job|project|request)"
    r"(?:\s+(?:brief|needed|request|idea|for))?)"
)
_AD_WORDS = frozenset(
    ["ad", "ads", "video", "vid", "spot", "film", "clip", "please", "pls", "need", "want", "make"]
)
_DURATION_LIKE = re.compile(r"\b\d+\s*(?:s|sec|secs|seconds?)\b", re.I)


# ── call to action and URL ───────────────────────────────────────────────────────────────


def _looks_like_cta(text: str) -> bool:
    first = text.split()[0].lower() if text.split() else ""
    return first in _CTA_VERBS


_CTA_VERBS = vocabulary.words("cta_verbs")


def _cta(sentence: Sentence, found: Findings) -> None:
    text, order = sentence.text, sentence.order
    if sentence.labelled and found.cta is not None and found.cta.order == order:
        return
    if text.rstrip().endswith("?"):
        return  # a question ("what should viewers do at the end (e.g. “Shop now”)?") states nothing
    cue = _CTA_CUE.search(text)
    if cue:
        after = text[cue.end() :]
        quotes = _quotes(after)
        if quotes and quotes[0][0] < 60:
            found.offer("cta", quotes[0][1].rstrip(".!").strip(), LABELLED, order)
            return
        value = re.sub(r"^\s*(?:is|should be|stays|to be|says|should say|will be|:|-|—|–|=)+\s*", "", after)
        if cue.group(0).lower().startswith(("cta", "call", "end", "final", "button")):
            cta = _cta_value(value)
            if cta and _looks_like_cta(cta):
                found.offer("cta", cta, SHAPED, order)
        return
    # A quoted imperative in a message with a link: "Book a 15-minute demo." Then logo. sentrix.ai/demo
    for start, quote in _quotes(text):
        before = text[max(0, start - 30) : start].lower()
        if re.search(r"\b(?:e\.g\.?|for example|such as|like)\s*\(?$", before.strip()):
            continue
        if _looks_like_cta(quote) and len(quote.split()) <= 8 and not _MUST_CUE.search(before):
            found.offer("cta", quote.rstrip(".!").strip(), GUESSED, order)


def _url(sentence: Sentence, found: Findings) -> None:
    text = sentence.text
    lowered = text.lower()
    if any(cue in lowered for cue in _NO_URL):
        found.no_url = True
        found.url = None
        return
    for url in urls(text):
        start = lowered.find(url.lower())
        context = lowered[max(0, start - 80) : start + len(url) + 60]
        if any(cue in context for cue in _LEGAL_URL) and not re.search(
            r"\b(?:url|link|cta)\s*[-:—]", lowered[:12]
        ):
            continue
        conf = (
            LABELLED
            if re.search(r"\b(?:changed|typo|actually|correct(?:ed|ion)?|now|new link|instead)\b", lowered)
            else SHAPED
        )
        found.offer("url", url, conf, sentence.order)
        found.no_url = False


# ── must include and avoid ───────────────────────────────────────────────────────────────

_FACT = re.compile(
    r"(?:(?:from|only|just)\s+)?[$£€]\s?\d[\d,]*(?:\.\d+)?[kKmM]?(?:\s?(?:pp|per \w+|a \w+|/\w+|each|including VAT|incl\.? VAT))?|"
    r"\d[\d,.]*\s?%\s?(?:off|APR(?: representative)?|AER(?: variable)?|abv|ABV|of \w+)?|"
    r"\b(?i:code|promo code)\s+[A-Z0-9]{3,}\b|"
    r"\b(?i:ages?)\s+\d{1,2}\+?|\b\d+(?:\.\d+)?\s?(?i:g|gram|grams|kg|km|mg|ml|kcal|mah|gb|tb)\b|"
    r"\b\d{1,3}\s+[A-Z][a-z]+\s+(?:Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Way|Place|Square|Sq)\b\.?|"
    r"\b[A-Z]{1,2}\d{1,2}[A-Z]?\s\d[A-Z]{2}\b",
)
_FACT_MORE = re.compile(
    r"\b\d{1,2}(?::\d{2})?\s?(?i:am|pm)?\s?(?:[-–—]|to)\s?\d{1,2}(?::\d{2})?\s?(?i:am|pm)\b|"  # 8am–6pm, 7-11pm
    r"\b\d{1,2}(?::\d{2})\s?[-–—]\s?\d{1,2}:\d{2}\b|"  # 09:00-17:30
    r"\b\d+(?:\.\d+)?\s?p/\w+\b|\b\d+(?:\.\d+)?\s?(?i:mph|kwh|miles|mile|hours?|nights?|days?|weeks?|months?|years?)\b(?=\s+(?i:free|trial|warranty|guarantee|battery|range|delivery|return))|"
    r"\b\d+[-\s](?i:hour|night|day|week|month|year)s?[-\s][a-z][\w-]*\b|"  # 48-hour turnaround, 100-night trial
    r"\b(?i:over)[- ]\d{2}s\b|\b\d{2}\+|"  # over 18s, 18+
    r"\b(?i:buy)\s+\w+\s*,?\s*(?i:get)\s+(?:\w+\s+){0,3}(?i:free|half price)\b|"  # buy 9 get the 10th free
    r"\b(?i:registered charity|charity|company|reg\.?)\s*(?i:no\.?|number)?\s*:?\s*\d{6,8}\b|"
    r"\b\d{1,2}(?:st|nd|rd|th)?\s?[-–—]\s?\d{1,2}(?:st|nd|rd|th)?\s+(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*(?:\s+\d{4})?\b"
)
_FACT_CUES = [c for group in ("offer", "legal") for c in _V["fact_cues"][group]]
_FACT_CLAUSE = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.escape(c) for c in sorted(_FACT_CUES, key=len, reverse=True))
    + r")(?![\w-])",
    re.I,
)
_NOT_A_FACT = re.compile(
    r"\b(?:feel free|free to|for free\?|free time|free rein|free hand|if you'?re free|are you free|free up)\b|\?\s*$",
    re.I,
)
_OTHER_LABEL = re.compile(  # a line about tone, look or audience states no fact to show
    r"^\W*(?:tone|style|vibe|mood|feel|look|music|audio|voice|goal|objective|audience|target|who for|"
    r"platforms?|format|aspect|length|duration|palette|colou?rs?|characters?|cast|avoid|don'?ts?|cta|url|link)\b[^:]{0,20}:",
    re.I,
)
_DATE = re.compile(
    r"\b(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?\s+)?\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?\b",
    re.I,
)


def _items(value: str) -> list[str]:
    quotes = _quotes(value)
    rest = _QUOTE.sub(" ", value)
    parts = [q for _, q in quotes]
    for piece in re.split(r"\s*(?:[·•;|]|,\s+(?=[^\d])|\s+and\s+(?=[\"'‘“\d£$€]|[a-z]+ ))\s*", rest):
        piece = piece.strip(" .:-—")
        if (
            piece
            and re.search(r"[^\W_]", piece)
            and len(piece.split()) <= 14
            and piece.lower() not in ("and", "both")
        ):
            parts.append(piece)
    return parts


def _must(sentence: Sentence, found: Findings) -> None:
    text = sentence.text
    if _CTA_CUE.search(text[:30]) and not _MUST_CUE.search(text):
        return
    cue = _MUST_CUE.search(text)
    if cue and _has_character_cue(text) and not _quotes(text):
        cue = None  # "must be in all the scenes" is about a character
    if cue and not sentence.labelled:
        quotes = _quotes(text)
        if quotes:
            found.must_include.extend(
                q for _, q in quotes if not _looks_like_cta(q) or _MUST_CUE.search(text[: cue.end()])
            )
        else:
            after = text[cue.end() :].strip(" :—-")
            postfix = re.match(
                r"(?:say it|on[- ]screen|be on|is a must|insist|worth a mention|essential)",
                cue.group(0),
                re.I,
            )
            target = after if len(after.split()) >= 2 else (text[: cue.start()] if postfix else "")
            target = re.sub(r"^(?:that|the|:)\s+", "", target.strip(" ,:—-"))
            target = re.sub(
                r"\s*(?:—|-|–)?\s*(?:say it|on screen|must be on|please)\.?\s*$", "", target, flags=re.I
            )
            if target and len(target.split()) <= 14 and not re.search(r"\b(?:cta|url|link)\b", target, re.I):
                found.must_include.extend(_items(target))
    # Prices, rates, codes, dates and addresses are facts wherever they are said.
    if _WORK_TALK.search(text) and not cue:
        return  # "our budget is £500", "the shoot is on 12 March": about making the ad, not in it
    if not _AVOID_CUE.search(text) and (not _CTA_CUE.search(text) or cue):
        for m in _FACT.finditer(text):
            found.must_include.append(m.group(0).strip())
        for m in _DATE.finditer(text):
            found.must_include.append(m.group(0).strip())
        for m in _FACT_MORE.finditer(text):
            found.must_include.append(m.group(0).strip())
        if not sentence.labelled or cue:
            found.must_include.extend(fact_clauses(text))
        found.must_include.extend(_places_and_people(text))


_WHERE_WE_ARE = re.compile(
    r"\b(?i:we(?:'re|’re| are| r)|find us|located|based|visit us|come see us|pop in|join us)\s+(?i:at|in|on)\s+"
    r"(?P<p>(?:Unit\s+\d+\w?,?\s+)?[A-Z0-9][\w'’&.-]*(?:,?\s+(?:[A-Z0-9][\w'’&.-]*|on|the|of)){0,6})"
)
_SPEAKER = re.compile(
    r"\b(?:speaker|speaking|talk by|hosted by|host(?:ed)?|keynote|guest|featuring|with|presented by|led by)\b[^.;]{0,30}?"
    r"(?P<n>(?:Dr|Prof|Professor|Chef|Sir|Dame)\.?\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)|"
    r"(?P<m>(?:Dr|Prof|Professor|Chef|Sir|Dame)\.?\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)\s+(?:will be |is )?"
    r"(?:speaking|talking|hosting|presenting|leading|joins|joining)"
)


def _places_and_people(text: str) -> list[str]:
    """Where the business is ("we're at Unit 4, Riverside Park") and who speaks ("Dr. Patel will be speaking")."""
    out = [
        m.group("p").strip(" ,.") for m in _WHERE_WE_ARE.finditer(text) if m.group("p").lower() not in _PLACES
    ]
    out += [(m.group("n") or m.group("m")).strip() for m in _SPEAKER.finditer(text)]
    return [o for o in out if o and len(o.split()) <= 8]


_WORK_TALK = re.compile(
    r"\b(?:budget|spent|spend on|cost us|costs us|invoice|shoot|shooting|filming|deliver(?:y date)?|deadline|draft|"
    r"review (?:the|it|this)|for review|to review|feedback|sign[- ]off|last (?:year|campaign|time|month|quarter)|signups? (?:went|were)|conversions?|ctr|cpm|"
    r"roas|(?:can|could) you|meeting|call on|invoice|fee for the (?:shoot|edit))\b",
    re.I,
)


def fact_clauses(text: str) -> list[str]:
    """Offers and legal lines said as facts: the clause around "free", "terms apply", "regulated by".

    A clause is the stretch between commas, dashes, brackets or "and"/"but" joints, cut to ten words
    around the cue, so "we're authorised and regulated by the SRA, by the way" gives the legal line.
    """
    if _NOT_A_FACT.search(text) or text.rstrip().endswith("?") or _OTHER_LABEL.match(text):
        return []
    out: list[str] = []
    joints = (
        r"\s*(?:[,;()!\"“”]|(?<!\w)['‘’]|['‘’](?!\w)|\.\s|\s[—–-]\s|:\s|\bbut\b|\bso\b|\balso\b|"
        r"\band\s+(?=(?:there|it|we|you|they|i|the|our|its|it's)\b))\s*"
    )
    for clause in re.split(joints, text):
        m = _FACT_CLAUSE.search(clause)
        if not m:
            continue
        words = clause.split()
        if not words:
            continue
        if _looks_like_cta(clause) and not re.match(r"(?i)(?:buy|get)\b", clause):
            continue  # "Start your free trial" is the call to action, not a fact
        # ten words at most, centred on the cue
        cue_at = len(clause[: m.start()].split())
        lo = max(0, cue_at - 6)
        piece = " ".join(words[lo : lo + 10])
        piece = re.sub(
            r"^(?:and|or|also|plus|oh|btw|ps|we(?:'re| are)|it(?:'s| is)|its|there(?:'s| is)|"
            r"make sure|remember|don'?t forget|please|pls|mention(?: that)?|say(?: that)?|the)\s+",
            "",
            piece,
            flags=re.I,
        )
        piece = re.sub(
            r"^(?:(?:it|we|you|the ad|this|they)\s+)?(?:must|has to|needs? to|have to|should)\s+(?:include|mention|show|say|have)\s+(?:the\s+)?",
            "",
            piece,
            flags=re.I,
        )
        piece = re.sub(
            r"\s+(?:must|has to|needs? to|should)\s+(?:be\s+)?(?:on|in|shown|visible|said|there)\b.*$|\s+(?:on[- ]screen|please|pls)\s*$",
            "",
            piece,
            flags=re.I,
        )
        piece = piece.strip(" .:\"'“”‘’")
        if piece and re.search(r"[^\W\d_]{2,}", piece):
            out.append(piece)
    return out


def _avoid(sentence: Sentence, found: Findings) -> None:
    text = sentence.text
    if sentence.labelled:
        return
    cue = _AVOID_CUE.search(text)
    if cue:
        found.avoid.extend(
            _avoid_items(
                re.sub(
                    r"^(?:show(?:ing)?|use|feature|include|anything that shames people:?)\s+",
                    "",
                    text[cue.end() :].strip(" :—-"),
                    flags=re.I,
                )
            )
        )
    # "no X" at the start of a clause, unless X is a benefit ("no monthly fee") or a fact to show.
    if _MUST_CUE.search(text) and re.search(r"\b(?:say it|on screen|must|selling point)\b", text, re.I):
        return
    for m in re.finditer(
        r"(?:^|[.,;!—–(]\s*|\b(?i:and|pls|please|plz|but|just|absolutely|definitely|really|also|so|"
        r"there'?s|there is|there are|with|show|want|have|use)\s+)(?:no|NO|No)\s+(?P<x>[^,.;!?()—–]{2,60})",
        text,
    ):
        item = m.group("x").strip()
        words = re.findall(r"[\w'-]+", item.lower())
        visual = any(w in _AVOID_FOLLOW for w in words)
        if (
            not words
            or (any(w in _BENEFIT for w in words[:3]) and not visual)
            or words[0]
            in (
                "one",
                "more",
                "longer",
                "need",
                "way",
                "idea",
                "problem",
                "problems",
                "worries",
                "rush",
                "pressure",
                "hurry",
                "doubt",
                "matter",
                "thanks",
                "kidding",
                "joke",
                "clue",
                "wonder",
            )
        ):
            continue
        if re.search(r"\b(?:budget|necessary|needed|required)\b", item, re.I):
            continue
        if re.match(r"[A-Z][a-z]", item):
            continue  # "No Drama: Fixing Pipelines" is a title, not something to avoid
        item = re.sub(
            r"\s+(?:pls|please|plz|thanks|though|tho|obviously|its|it's|thats|that's|the client|legal|we|they)\b.*$",
            "",
            item,
            flags=re.I,
        )
        found.avoid.extend(_avoid_items(item.strip()))


_WHERE = re.compile(
    r"\s+(?:in|on|anywhere in|at all in|inside)\s+(?:the|this|any|our|a|every)?\s*"
    r"(?:ad|advert|video|vid|spot|film|scenes?|shots?|frames?|edit|cut|screen|it)\b.*$|\s+(?:anywhere|at all|ever|this time|either)\b.*$",
    re.I,
)


def _avoid_items(value: str) -> list[str]:
    value = re.sub(r"\([^)]*\)", " ", value)
    value = _WHERE.sub("", value.strip(" .!"))
    value = re.sub(r"^(?:any|anything|anyone|anybody)\s+(?=\w+)", "", value.strip(), flags=re.I)
    out: list[str] = []
    for piece in re.split(r"\s*(?:,|;|\band\s+no\b|\bor\s+no\b|·)\s*", value):
        piece = re.sub(r"^(?:and|no|any|the|also)\s+", "", piece.strip(" .!:—-"), flags=re.I)
        piece = re.sub(
            r"\s+(?:pls|please|plz|thanks|though|tho|obviously|sorry|lol)\b.*$|\s*,?\s*(?:it'?s|its|they|we|that'?s|the client|legal)\b.*$",
            "",
            piece,
            flags=re.I,
        ).strip(" .!")
        if (
            not piece
            or len(piece.split()) > 12
            or re.match(
                r"^(?:it|they|we|you|that|this|he|she|is|are|keep|please|pls|our|customers|the client)\b",
                piece,
                re.I,
            )
        ):
            continue
        # "litter and anything that looks like a glamping advert": two things when the second has words of its own
        parts = re.split(r"\s+and\s+(?=(?:anything|any|no)\b|\S+\s+\S+)", piece)
        out.extend(p.strip() for p in parts if p.strip())
    return out


def _minutes(sentence: Sentence, found: Findings) -> None:
    """A length said in minutes ("a minute long", "about two minutes"), not "a quote in 3 minutes"."""
    for m in _DURATION_MINUTES.finditer(sentence.text):
        before = sentence.text[max(0, m.start() - 25) : m.start()].lower()
        after = sentence.text[m.end() : m.end() + 15].lower()
        if re.search(
            r"\b(?:in|within|under|takes?|every|per|for|after|first|last)\s*$", before
        ) and not re.search(r"\b(?:be|is|film|video|ad)\s+(?:about|around)?\s*$", before):
            continue
        if not (_MINUTE_LENGTH_CUE.search(before) or re.match(r"\s*long\b", after)):
            continue
        if re.search(
            r"\b(?:webinar|talk|class|session|course|show|call|meeting|episode|podcast)\s+(?:is|lasts|runs)\s*$",
            before,
        ):
            continue
        if re.search(r"\b\d+\s*(?:s|sec|secs|seconds)\b", sentence.text):
            continue
        n = m.group("n")
        word = (m.group("w") or "").lower()
        value = (
            float(n)
            if n
            else {"one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "half a": 0.5}[word]
        )
        found.duration_minutes = value


# ── characters ───────────────────────────────────────────────────────────────────────────


def has_character_cue(text: str) -> bool:
    """``text`` asks for someone recurring ("in every scene", "mascot", "throughout")."""
    return _has_character_cue(text)


def _has_character_cue(text: str) -> bool:
    lowered = text.lower()
    return any(cue in lowered for cue in _CHAR_CUES) or bool(_SOMEONE_NAMED.search(text))


# "a courier called Dev", "our baker Tom", "Ana (30s, curly hair)": someone named is someone cast
_SOMEONE_NAMED = re.compile(
    r"\b(?i:"
    + "|".join(re.escape(n) for n in _PERSON_NOUNS)
    + r")s?,?\s+(?:(?i:called|named)\s+)?[A-Z][a-z-]+\b"
    r"(?!['’]|\s+(?:[A-Z]|&))|\b[A-Z][a-z'’-]+\s*\((?=[^)]{0,60}(?:\d0s|,))"
)


_NAMED = re.compile(
    r"\b(?:called|named|name is|is)\s+(?P<n>[A-Z][\w'’-]+)|"
    r"(?P<t>(?:Dr|Mr|Mrs|Ms|Prof|Coach|Chef|Captain|Grandma|Grandpa|Granny|Grandad|Nana|Auntie|Aunt|Uncle)\.?\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)|"
    r"(?:^|[—–:,]\s*|\b(?:mascot|mascotte|character|barista|volunteer|presenter)\s+)(?P<c>[A-Z][\w'’-]+)(?=\s*(?:,|—|–|\(|:\s|\s+the\s|\s+is\b|\s+-\s|\s+(?:should|will|must|appears|has|wears|needs|stars)\b))|"
    r"\b(?:mascot|mascotte|character|barista|volunteer|presenter|founder|host|star|dad|mum|mom|son|daughter|brother|"
    r"sister|wife|husband|friend|boss|partner|spokesperson|hero|is)\s+(?!(?:Dr|Mr|Mrs|Ms|Prof)\b)(?P<m>[A-Z][\w'’-]+)|"
    r"\b(?:barista|mascot|mascotte)\s+(?!(?:is|was|will|should|must|has|called|named|could|would|can)\b)(?P<l>[a-z][\w'-]+)\b|"
    r"\b(?P<p>[A-Z][\w'’-]+)\s*\((?=[^)]{0,60}(?:\d0s|,))|"
    r"\b(?i:"
    + "|".join(re.escape(n) for n in _PERSON_NOUNS)
    + r"),?\s+(?P<r>[A-Z][a-z-]+)\b(?!['’]|\s+(?:[A-Z]|&))",
)


_IMPERATIVES = frozenset(
    [
        "use",
        "keep",
        "make",
        "show",
        "have",
        "put",
        "get",
        "let",
        "feature",
        "cast",
        "add",
        "bring",
        "give",
        "star",
        "same",
    ]
)
_VERBS = frozenset(
    [
        "is",
        "was",
        "are",
        "will",
        "should",
        "must",
        "has",
        "have",
        "had",
        "called",
        "named",
        "be",
        "gets",
        "goes",
        "can",
        "could",
        "would",
    ]
)


def _characters(all_sentences: list[Sentence], found: Findings) -> list[tuple[str, str, str]]:
    people: list[tuple[str, str, str]] = []
    names_taken = {str(f.value).lower() for f in (found.product, found.brand) if f is not None}
    cast_block = -1  # the message whose "Characters:" / "Cast:" line heads a list of people
    for position, sentence in enumerate(all_sentences):
        text = sentence.text
        if re.match(r"^\W*(?:characters?|cast|people|talent)\s*:\s*$", text, re.I):
            cast_block = sentence.order
            continue
        if cast_block == sentence.order and re.match(
            r"^\s*(?:[-*•]\s*)?[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?\s*[:—–-]\s", text
        ):
            text = re.sub(r"^\s*[-*•]\s*", "", text)
        elif not _has_character_cue(text) and not re.match(
            r"^\s*(?:character|characters|mascot|spokesperson|presenter|speaker|star|vet on camera|[\w ]{0,20}on camera)\s*[:—–-]",
            text,
            re.I,
        ):
            continue
        if (
            re.match(r"^\s*(?:she|he|they|it|him|her|both|all|each|keep)\b", text, re.I)
            and position > 0
            and all_sentences[position - 1].order == sentence.order
        ):
            text = (
                all_sentences[position - 1].text + " " + text
            )  # "Star: Nadia, 30s, bob. She's in every shot."
        lowered = text.lower()
        if re.match(r"^\s*speaker\b", lowered):
            continue
        spans: list[tuple[int, str]] = []
        for m in _NAMED.finditer(text):
            group = next(g for g in ("n", "t", "c", "m", "l", "p", "r") if m.group(g))
            name, start = m.group(group), m.start(group)
            if (
                not name
                or name.lower() in _NAME_STOP
                or name.lower() in names_taken
                or name.lower() in _VERBS
            ):
                continue
            if (
                name.lower().rstrip(".") in _TITLES
                or name.lower() in _CTA_VERBS
                or name.lower() in _IMPERATIVES
            ):
                continue
            if any(abs(start - s) < 3 for s, _ in spans):
                continue
            spans.append((start, name))
        # "Ife, tall, yellow beanie, and Rob, short, red waterproof": capitalised words after ", and".
        for m in re.finditer(r"(?:,\s*and|\band)\s+(?P<n>[A-Z][a-z]+)\s*,", text):
            if m.group("n").lower() not in _NAME_STOP and all(m.start("n") != s for s, _ in spans):
                spans.append((m.start("n"), m.group("n")))
        spans.sort()
        if not spans:
            words_at = [(m.start(), m.group(0)) for m in re.finditer(r"[a-z][a-z'-]*", lowered)]
            nouns = [(at, w) for at, w in words_at if w in _BEINGS or (w.endswith("s") and w[:-1] in _BEINGS)]
            capital = [
                (m.start(), m.group(0))
                for m in re.finditer(r"(?<=[a-z,] )[A-Z][a-z'’-]+", text)
                if m.group(0).lower() not in _NAME_STOP
                and m.group(0).lower() not in names_taken
                and not any(
                    m.group(0).lower() in str(c.value).lower().split()
                    for c in (*found.candidates.get("product", []), *found.candidates.get("brand", []))
                )
                and m.group(0).lower() not in _PLACES
                and m.group(0).lower() not in _CTA_VERBS
            ]
            me = re.search(
                r"\b(?:me|myself|i'?ll be|i will be|i'?m)\b(?:\s+\w+){0,3}\s+(?:in it|in every|on camera|in the ad|throughout)",
                lowered,
            )
            author = found.authors[sentence.order] if sentence.order < len(found.authors) else ""
            if me and author and author.lower() not in ("user", "unknown", ""):
                spans = [
                    (max(0, me.end() - len(author)), author)
                ]  # "me in it obvs, bald, ginger beard": the writer is cast
            elif capital and not nouns:
                spans = [capital[0]]  # "We'll follow Priya through the whole ad"
            elif nouns:
                at, name = nouns[0]  # the first noun for someone: "the same dog … a brown terrier"
                spans = [(at, name)]
            else:
                continue
        for i, (start, name) in enumerate(spans):
            end = spans[i + 1][0] if i + 1 < len(spans) else len(text)
            segment = text[start + len(name) : end]
            if i + 1 == len(spans):
                # Looks often follow in the next line or two: "...in every shot pls!! chubby cheeks, red hair".
                for following in all_sentences[position + 1 : position + 3]:
                    pieces = [p for p in following.text.split(",") if p.strip()]
                    if re.match(r"^\s*[-*•]\s*[A-Z][\w'’-]+\s*:", following.text):
                        break  # the next entry of a cast list
                    described = re.match(
                        rf"^\s*(?:looks?|look(?:s)? like|outfit|wardrobe|description|wearing|{re.escape(name)})\s*(?::|is an?\b|has\b|wears\b|-|—)\s*(?P<d>.+)$",
                        following.text,
                        re.I,
                    )
                    if following.order in (sentence.order, sentence.order + 1) and described:
                        segment += " , " + described.group("d")
                        break
                    if following.order == sentence.order + 1 and re.match(
                        r"^\s*(?:she|he|they)(?:'s| is| has| wears| always wears|'s got| has got)\b",
                        following.text,
                        re.I,
                    ):
                        segment += " , " + re.sub(
                            r"^\s*\w+(?:'s| is| has| wears| always wears|'s got| has got)\s+",
                            "",
                            following.text,
                        )
                        break
                    if (
                        following.order == sentence.order
                        and len(pieces) >= 2
                        and all(len(p.split()) <= 7 for p in pieces)
                    ):
                        segment += " , " + following.text
                        break
            if i == 0:
                # Looks said before the name: "a golden retriever puppy called Biscuit", only the
                # part after the last cue ("should be", "mascot", a dash or a comma).
                prefix = re.split(
                    r"[,;:—–]|\s-\s|\b(?:should be|must be|is|be|then|mascot|mascotte|character|featuring)\b",
                    text[:start],
                    flags=re.I,
                )[-1]
                if len(prefix.split()) <= 8:
                    segment = prefix + " , " + segment
            look = _look(segment, name)
            kind = _kind(text, name)
            if text not in found.character_sentences:
                found.character_sentences.append(text)
            people.append((name, kind, look))
    merged: dict[str, tuple[str, str, str]] = {}
    for name, kind, look in people:
        key = name.lower()
        if key in merged and not look:
            continue
        merged[key] = (name, kind, look or merged.get(key, ("", "", ""))[2])
    return list(merged.values())[:6]


def _kind(text: str, name: str) -> str:
    lowered = text.lower()
    if re.search(r"\bmascot", lowered):
        return "mascot"
    if any(re.search(rf"\b{a}\b", lowered) for a in _ANIMALS):
        return "animal"
    return "person"


def _look(segment: str, name: str) -> str:
    segment = re.sub(r"[\U0001F000-\U0001FFFF\u2600-\u27BF]", " ", segment)
    pieces = re.split(r"\s*(?:,|;|—|–|\s-\s|:|\.\s|\(|\)|!+)\s*", segment)
    pieces = [q for p in pieces for q in (re.split(r"\s+with\s+", p) if len(p.split()) > 14 else [p])]
    keep: list[str] = []
    for piece in pieces:
        piece = re.sub(
            r"\s+(?:pls|please|plz|thanks|thx|lol|obvs|haha)\s*$", "", piece.strip(" .!?"), flags=re.I
        )
        piece = re.sub(r"^(?:(?:obvs|lol|haha|tbh|so|ok|okay)\s+)+", "", piece, flags=re.I)
        piece = re.sub(
            r"^(?:(?:can|could) we(?: keep| have| use| get)?|let'?s(?: have| use)?|we(?:'d)? (?:want|need|like)|i want)\b\s*",
            "",
            piece,
            flags=re.I,
        )
        piece = re.sub(r"\s+(?:called|named)$", "", piece, flags=re.I).lstrip("-–— ")
        if piece.lower() in ("and", "or", "with", "plus", "&"):
            continue
        low = piece.lower()
        if not piece or len(piece.split()) > 14 or _has_character_cue(piece):
            continue
        if any(re.search(rf"\b{re.escape(stop)}\b", low) for stop in _LOOK_STOP):
            # keep the part before a cue: "mustard apron" in "mustard apron everyone loves him"
            continue
        gerund = re.match(r"^(?:and\s+)?(?:then\s+)?[a-z]+ing\b(?P<rest>.*)$", low)
        if (
            gerund
            and not low.startswith(("wearing", "holding", "carrying"))
            and (
                not gerund.group("rest").strip()
                or re.match(
                    r"\s*(?:the|a|an|to|into|through|around|with|at|in|on|his|her|their|up|down|out|off|about|and)\b",
                    gerund.group("rest"),
                )
            )
        ):
            continue  # "walking to the bus" is action; "reading glasses" is a look
        if re.match(r"^(?:a|an|the)\s+(?:retired|little|tiny|young|old)?\s*$", low):
            continue
        piece = re.sub(r"\s+and$", "", piece)
        piece = re.sub(
            r"^(?:and|with|she have|he have|she has|he has|she's got|he's got|he's|she's|who has|has)\s+",
            "",
            piece,
            flags=re.I,
        )
        keep.append(piece)
    return ", ".join(dict.fromkeys(keep))[:300]


# ── goal ─────────────────────────────────────────────────────────────────────────────────

_GOALS = _V["goals"]
_GOAL_LABEL = re.compile(
    r"(?:^|[.;!]\s+)\s*(?:goal|objective|aim|kpi|purpose|why|the goal is|goal is|our goal is)\s*(?:is\b|[:=—–-]|->|→)\s*"
    r"(?:to\s+|simply\s+)?(?P<v>[^.;\n]{2,60})|"
    r"(?P<v2>\b[\w-]+(?:\s+[\w-]+)?)\s+is the (?:goal|objective|aim)|"
    r"\b(?:an?|the)\s+(?P<v3>[\w-]+(?:\s[\w-]+)?)\s+(?:ad|piece|campaign|spot|push|vid|video)\b",
    re.I,
)
_ADDRESS = re.compile(
    r"\b\d{1,4}\s+[A-Z][a-z]+\s+(?:Street|St|Road|Rd|Lane|Ln|Avenue|Ave|Way|Place|Square|Sq)\b"
)
_PRICE = re.compile(r"[$£€]\s?\d")


def _map_goal(value: str, table: list[tuple[str, list[str]]]) -> str | None:
    lowered = value.lower()
    for goal, words in table:
        if any(w in lowered for w in words):
            return goal
    return None


def goal_of(messages: list[tuple[str, str]], cta: str | None) -> tuple[str | None, float]:
    """The goal a thread states ("Goal: demo signups", "an event ad"), else the one its words imply."""
    stated: str | None = None
    text = "\n".join(t for _, t in messages if not is_injection(t))
    for line in text.split("\n"):
        if is_injection(line):
            continue
        for m in _GOAL_LABEL.finditer(line):
            value = m.group("v") or m.group("v2") or m.group("v3") or ""
            mapped = _map_goal(value, _GOALS["stated"])
            if m.group("v3") and mapped in ("offer", "launch", "local_business", "signup"):
                mapped = None  # "a launch ad" says less than "Goal: launch"; leave it to the thread's words
            if (
                mapped
                and (m.group("v") or m.group("v2") or mapped not in ("offer", "launch", "local_business"))
                or mapped
                and stated is None
            ):
                stated = mapped
        if stated is None and re.search(r"\b(?:want|goal|objective|aim)", line, re.I):
            for m in re.finditer(r"\((?P<v>[\w -]{3,30})\)", line):
                stated = _map_goal(m.group("v"), _GOALS["stated"]) or stated
    if stated:
        return stated, LABELLED
    # Evidence is read from each message's first few thousand characters: enough for any brief,
    # and a pasted wall of junk costs nothing more.
    text = "\n".join(t[:_GOAL_READ] for _, t in messages if not is_injection(t))
    ruled, confidence = infer_goal(text, cta)
    model = learned.model("goal_model")
    if model is None or ruled is None:
        return ruled, confidence  # no cue at all: the goal stays the default until someone says it
    scores = model.class_scores(goal_features(text, cta, ruled), _GOAL_ORDER)
    chosen = max(_GOAL_ORDER, key=lambda g: (scores[g], g == ruled))
    return chosen, max(confidence, GUESSED) if chosen == ruled else GUESSED


def goal_features(text: str, cta: str | None, ruled: str | None) -> dict[str, float]:
    """The evidence the learned goal model weighs (``data/goal_model.json``): which cue of
    ``data/goals.json`` is said in the thread and which in the call to action, a price, and the
    goal the hand weights chose."""
    in_text, in_cta = _cues_said(text, cta)
    f: dict[str, float] = {f"rules_{ruled or 'none'}": 1.0}
    f.update({f"cta_{i}": 1.0 for i in in_cta})
    f.update({f"cue_{i}": 1.0 for i in in_text})
    f["price"] = float(bool(_PRICE.search(text)))
    return f


_GOAL_READ = 4000
_GOAL_CUES = vocabulary.table("goals")
_GOAL_ORDER: list[str] = _GOAL_CUES["order"]
_GOAL_PATTERNS: list[tuple[str, float, re.Pattern[str]]] = [
    (goal, float(weight), re.compile(pattern, re.I))
    for goal, cues in _GOAL_CUES["cues"].items()
    for weight, pattern in cues
]
_NEGATED_BEFORE = re.compile(r"\b(?:no|not|without|never|n't|isn'?t|aren'?t|don'?t)\s+(?:\w+\s+){0,2}$", re.I)


@lru_cache(maxsize=8)  # goal_scores and goal_features read the same thread
def _cues_said(text: str, cta: str | None) -> tuple[frozenset[int], frozenset[int]]:
    """Which cues of ``data/goals.json`` the thread says (not negated) and which its CTA says."""
    said = "\n".join(line for line in text.split("\n") if not is_injection(line))
    in_text: set[int] = set()
    in_cta: set[int] = set()
    for i, (_, _, pattern) in enumerate(_GOAL_PATTERNS):
        if cta and pattern.search(cta):
            in_cta.add(i)
        for m in pattern.finditer(said):
            line_start = said.rfind("\n", 0, m.start()) + 1
            if not _NEGATED_BEFORE.search(said[max(line_start, m.start() - 30) : m.start()]):
                in_text.add(i)
                break
    return frozenset(in_text), frozenset(in_cta)


def goal_scores(text: str, cta: str | None) -> dict[str, float]:
    """Weighted evidence for each goal: each cue counts once, and more when it is in the CTA."""
    scores: dict[str, float] = dict.fromkeys(_GOAL_ORDER, 0.0)
    in_text, in_cta = _cues_said(text, cta)
    factor = float(_GOAL_CUES["cta_factor"])
    for i, (goal, weight, _) in enumerate(_GOAL_PATTERNS):
        scores[goal] += weight * factor if i in in_cta else (weight if i in in_text else 0.0)
    return scores


def infer_goal(text: str, cta: str | None) -> tuple[str | None, float]:
    """The goal the thread's words and its call to action point to most strongly, if any clearly does."""
    scores = goal_scores(text, cta)
    ranked = sorted(_GOAL_ORDER, key=lambda g: (-scores[g], _GOAL_ORDER.index(g)))
    top = ranked[0]
    if scores[top] < float(_GOAL_CUES["threshold"]):
        if _PRICE.search(text):
            return "offer", GUESSED - 0.1  # a price and nothing else: most likely selling something
        return None, 0.0
    margin = scores[top] - scores[ranked[1]]
    return top, GUESSED + min(0.2, 0.05 * margin)


# ── audience ─────────────────────────────────────────────────────────────────────────────

_PEOPLE = frozenset(_V["people_nouns"])
_AUDIENCE_CUE = re.compile(
    r"\b(?:aimed(?:\s+\w+ly)? at|targett?ing|targeted at|we(?:'re| are) targett?ing|target(?:ing)? is|we target are|"
    r"the people we want are|we want (?:to )?reach(?: the)?|going after|we(?:'re| are) after|looking to reach|get (?:it )?in front of|appeal(?:s|ing)? to|"
    r"speak(?:s|ing)? to|resonate with|(?:it'?s|its|is|mostly|mainly|made|speaking|talking|perfect|ideal|designed|built) "
    r"(?:for|to)|we(?:'re| are) talking to|(?:our|the|my) (?:customers?|clients?|buyers?|users?|members?|guests?|"
    r"shoppers?|audience|market|crowd|demo(?:graphic)?|readers|viewers|fans|patients|regulars) (?:are|is)"
    r"(?:\s+(?:mostly|mainly|largely|usually|all|typically|generally))?|for)\s+(?P<v>[^.;!?\n]{3,120})",
    re.I,
)
_AGES = re.compile(
    r"(?<![\w£$€.:/-])(?:(?:aged?|ages)\s+)?(?:\d{2}\s?(?:-|–|to)\s?\d{2}s?(?:\s?(?:year|yr)s?[- ]olds?)?|\d{2}\+|"
    r"(?:over|under)-\d{2}s|(?:over|under) \d{2}(?!s)|in their (?:early |mid |late |mid-)?\d0s|\d0-somethings|\d{2}s?\s?(?:year|yr)s?[- ]olds?|"
    r"gen(?:eration)? ?(?:z|x|y|alpha)|millennials|boomers|zoomers)"
    r"(?![\w:/]|\s?(?:s\b|sec|secs|seconds|mins?|minutes|hours|days|%|k\b|mm|cm|kg|ml|am|pm|x\b))",
    re.I,
)
_AUDIENCE_LEAD = re.compile(
    r"^(?:\W*(?:(?:scratch|change|forget|ignore) that|actually|correction|sorry|wait|update|oops|my bad|ok|okay|so|no)"
    r"\b[\s,;:—–-]*)+",
    re.I,
)
_CORRECTING = re.compile(
    r"\b(?:actually|instead|scratch|change|changed|not .{1,30} anymore|no longer)\b", re.I
)
_LENGTHY = re.compile(
    r",?\s*(?:(?<![\w-])(?<!their )(?<!aged )(?<!early )(?<!late )(?<!mid )(?<!mid-)(?<!and )(?<!or )(?<!& )(?<!over )(?<!under )\d+\s*(?:s|sec|secs|seconds?|second)\b|(?:youtube|tiktok|instagram|reels|facebook|linkedin|shorts|stories)\b).*$",
    re.I,
)


_TONE_WORDS = (
    "playful",
    "premium",
    "fun",
    "bold",
    "calm",
    "warm",
    "bright",
    "cheeky",
    "serious",
    "friendly",
    "edgy",
    "minimal",
    "luxurious",
    "energetic",
    "upbeat",
    "clean",
    "modern",
)


def _has_people(text: str, within: int = 6, singular: bool = False) -> bool:
    words = re.findall(r"[\w'+-]+", text.lower())[:within]
    joined = " ".join(words)
    if any(
        w in _PEOPLE
        or (singular and w + "s" in _PEOPLE and w not in ("person", "couple"))
        or re.fullmatch(r"[a-z]+(?:ers|ees|ists|goers|ians)", w)
        for w in words
    ):
        return True
    if _AGES.match(text.strip()):
        return True
    return any(" " in p and p in joined for p in _PEOPLE)


_BRIEF_TALK = re.compile(
    r"\s*(?:show|showing|featuring|feature|open|opening|end|ending|start|with|starring|cta|use|make|keep|shot|shoot|"
    r"film|please|pls|link|url|tone|vibe|music|voice|logo|colours?|colors?|\d|tiktok|instagram|insta|reels|youtube|"
    r"facebook|fb|linkedin|stories|shorts|square|vertical|landscape|avoid|no\b|don'?t|must|include|say|"
    r"they\b|we\b|we'?re|it\b|it'?s|its\b|i\b|i'?m|(?:[\w-]+\s+){0,2}(?:vibes?|tone|feel|mood|style|look)\b)",
    re.I,
)


def _audience_pieces(value: str) -> str:
    """ "dog owners, show a golden retriever" is the audience up to the comma; "parents, carers" is two groups."""
    value = _CTA_CUE.split(value, maxsplit=1)[0]
    pieces = value.split(",")
    keep = [pieces[0]]
    for piece in pieces[1:]:
        if _BRIEF_TALK.match(piece) and not _AGES.match(piece.strip()):
            break
        keep.append(piece)
    return ",".join(keep)


def _audience_value(value: str) -> str:
    value = _LENGTHY.sub("", value)
    value = re.sub(r"[\U0001F000-\U0001FFFF\u2600-\u27BF]", " ", value)
    value = re.sub(r"^(?:the|our|target(?:ing)?|targets)\s+", "", value.strip(" :—–-,"), flags=re.I)
    value = re.split(r",\s*(?=[\"“'‘])|,\s*(?=(?:" + "|".join(_TONE_WORDS) + r")\b)", value)[0]
    words = value.split()
    value = " ".join(words[:16]).strip(" ,.")[:100]
    return re.sub(r"\s+(?:on|in|at|via|for|with|and|or|who|\+|&)$", "", value, flags=re.I)


_WHO_FOR = re.compile(
    r"\b(?:who(?:'s|’s| is| are|'re|’re)?\s+(?:it|this|the ad|the video|we|they)?\s*(?:for|aimed at|talking to|targeting|targetting|after|pitching to|"
    r"going after|speaking to|trying to reach)|(?:target\s+)?audience|target(?:ing)?|demo(?:graphic)?)\b[^?]{0,30}\?\s*$",
    re.I,
)


def audience_of(messages: list[tuple[str, str]]) -> tuple[str | None, float]:
    """Who the ad is for: the strongest candidate (a label, "aimed at ...", a terse "cat owners."), with
    ages and other groups said elsewhere in the thread added to it."""
    best: tuple[str | None, float] = (None, 0.0)
    others: list[tuple[str, float]] = []  # other candidates, for the groups they add
    ages: list[str] = []
    asked = False
    for order, (_, text) in enumerate(messages):
        answering, asked = asked, False
        for s in sentences(text):
            if is_injection(s):
                continue
            if _WHO_FOR.search(s):
                asked = True  # "who are we talking to?": the answer comes next
                continue
            if answering:
                answering = False
                answer = _audience_value(
                    re.sub(
                        r"^\W*(?:(?:yes|yeah|yep|ok|so|well|honestly|basically|mostly|mainly)\b[\s,]*)+",
                        "",
                        s,
                        flags=re.I,
                    )
                )
                if answer and len(answer.split()) <= 20 and not _LABEL_RES["audience"].match(s):
                    if best[0]:
                        others.append((best[0], best[1]))
                    best = (answer, LABELLED - 0.05)
                    ages.extend(a.group(0) for a in _AGES.finditer(s))
                    continue
            correcting = bool(_CORRECTING.search(s))
            m = (
                _LABEL_RES["audience"].match(s)
                or _LABEL_RES["audience"].match(_AUDIENCE_LEAD.sub("", s))
                or next(
                    (
                        after_stop
                        for part in re.split(r"(?<=[a-z][.!?])\s+(?=[a-z])", s)[1:]
                        if (after_stop := _LABEL_RES["audience"].match(part))
                    ),
                    None,
                )  # "ha no. audience: over 60s", the label after a lower-case full stop
            )
            if m:
                value = _audience_value(m.group("v"))
                if value:
                    if best[0] and best[1] >= LABELLED and not correcting:
                        others.append((best[0], best[1]))
                    best = (value, LABELLED)  # a later label corrects an earlier one
                    if correcting:
                        others.clear()
                continue
            if _CTA_CUE.search(s[:30]) or _LABEL_RES["avoid"].match(s):
                continue
            found = False
            for m in _overlapping(_AUDIENCE_CUE, s):
                value = m.group("v")
                inner = re.search(r"\bfor\s+", value) if m.group(0)[:3].lower() == "for" else None
                if (
                    inner
                    and _has_people(value[inner.end() :], 5)
                    and not _has_people(value[: inner.start()], 5)
                ):
                    continue  # "an ad for Glow serum for busy parents": the second "for" names who it is for
                if _has_people(value, 5, singular=m.group(0)[:3].lower() != "for"):
                    conf = SHAPED - order * 0.001
                    candidate = _audience_value(_audience_pieces(value))
                    if conf > best[1]:
                        if best[0]:
                            others.append((best[0], best[1]))
                        best = (candidate, conf)
                    elif candidate:
                        others.append((candidate, conf))
                    found = True
                    break
            if not found:
                first = re.split(r"[.;]\s|,\s(?=\d+\s*(?:s|sec|secs|seconds?)\b)", s)[0]
                if _has_people(first, 3) and len(first.split()) <= 16 and not first.rstrip().endswith("?"):
                    conf = GUESSED - order * 0.001
                    candidate = _audience_value(first)
                    if conf > best[1]:
                        if best[0]:
                            others.append((best[0], best[1]))
                        best = (candidate, conf)
                    elif candidate:
                        others.append((candidate, conf))
            if not correcting:
                ages.extend(a.group(0) for a in _AGES.finditer(s) if _audience_context(s, a.start()))
    if not best[0]:
        return best
    return _with_more_groups(best[0], others, ages), best[1]


def _overlapping(pattern: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """Every match, each starting after the previous one's start ("for Bramble, an app for nurses")."""
    found: list[re.Match[str]] = []
    pos = 0
    while len(found) < 8:
        m = pattern.search(text, pos)
        if not m:
            break
        found.append(m)
        pos = m.start() + 1
    return found


_AUDIENCE_WORDS = re.compile(
    r"\b(?:audience|target|aimed|aged?|ages|demo(?:graphic)?|people|customers?|users?|skews?|mostly|mainly)\b",
    re.I,
)


def _audience_context(sentence: str, start: int) -> bool:
    """An age or generation speaks of the audience when the sentence is about who it is for."""
    after = _AGES.sub(" ", sentence[start:], count=1)
    return bool(_AUDIENCE_WORDS.search(sentence) or _has_people(after, 4))


def _with_more_groups(best: str, others: list[tuple[str, float]], ages: list[str]) -> str:
    """The best audience, plus an age said elsewhere and a strong second group it does not name."""
    value = best
    lowered = best.lower()
    for age in ages:
        if age.lower() not in lowered and not _AGES.search(lowered):
            value = f"{value}, {age}"
            lowered = value.lower()
            break
    for other, conf in others:
        if conf < SHAPED or len(value) + len(other) > 160:
            continue
        people = [w for w in re.findall(r"[\w'+-]+", other.lower())[:6] if w in _PEOPLE or w + "s" in _PEOPLE]
        if people and not any(w in lowered for w in people):
            value = f"{value}; {other}"
            lowered = value.lower()
            break
    return value


# ── ranking product and brand candidates ───────────────────────────────────────────────────

_PLACES = frozenset(_V["places"])
_PERSON_INTRO = re.compile(
    r"\b(?:i'?m|i am|this is|name'?s|my name is)\s+(?P<a>[A-Z][a-z]+)\b|"
    r"(?:^|[.!,]\s*|\b(?:hi|hey|hello|morning)\W+)(?P<b>[A-Z][a-z]+)\s+(?:here|from|at|with)\b|"
    r"\b(?:ask|thanks|cc|ping|@)\s*(?P<c>[A-Z][a-z]+)\b|"
    r"\b(?P<d>[A-Z][a-z]+),?\s+(?:who|whose)\s+(?:is|was|has|had|bought|runs|lives|works|loves|uses|used|started)\b|"
    r"\b(?:customer|client|presenter|guy|woman|man|girl|boy|lady|dad|mum|mom|mother|father|friend|host|narrator|founder|"
    r"ceo|manager|colleague|nurse|doctor|teacher|chef|barista|owner|student|grandma|grandad|wife|husband|son|daughter)"
    r",?\s+(?:called\s+|named\s+)?(?P<e>[A-Z][a-z]+)\b(?!\s+[A-Z])"
)
_HOLIDAYS = frozenset(
    [
        "christmas",
        "xmas",
        "easter",
        "halloween",
        "black friday",
        "cyber monday",
        "new year",
        "valentine's day",
        "valentines",
        "mother's day",
        "father's day",
        "diwali",
        "eid",
        "ramadan",
        "hanukkah",
        "thanksgiving",
        "summer",
        "winter",
        "spring",
        "autumn",
        "fall",
        "weekend",
        "today",
        "tomorrow",
        "tonight",
    ]
)
_CAP_RUN = re.compile(r"[A-Z][\w'’&-]*(?:\s+(?:&\s+)?(?:[A-Z][\w'’&-]*|\d[\w-]*))*")
_APPOSITIVE_PRODUCT = re.compile(
    r"(?:\b(?i:our|their|its|the|a|an|new|this)|[\w.]+['’]s)\s+(?:new\s+)?(?P<noun>[a-z][a-z-]+(?:\s+[a-z][a-z-]+){0,2}),\s+(?:the\s+|called\s+)?"
    rf"(?P<n>{_CAP}(?:\s+(?:{_CAP}|\d[\w-]{{0,20}})){{0,4}})(?P<tail>(?:\s+[a-z][a-z-]+){{0,2}})"
)
_OUR_NOUN_NAME = re.compile(
    r"\b(?i:our|their|its|the|new|hero|main|key)\s+(?:new\s+)?(?:product|app|brand|label|company|service|range|line|offering|startup|shop|business|thing|baby|latest)"
    rf",?\s+(?:is\s+|called\s+|named\s+|=\s+|:\s+)?(?:the\s+)?(?P<n>{_CAP}(?:\s+(?:&\s+)?(?:{_CAP}|\d[\w-]{{0,20}})){{0,4}})"
    r"(?P<tail>(?:\s+[a-z][a-z-]+){0,2})"
)
_THE_NAMED_THING = re.compile(
    rf"\b(?:launching|launch|advertise|advertising|promote|promoting|introducing|selling|pushing|for)\s+(?:the|our|their)\s+(?:new\s+)?"
    rf"(?P<n>{_CAP}(?:\s+(?:{_CAP}|\d[\w-]{{0,20}}))*\s+\d[\w-]*|{_CAP}(?:\s+{_CAP})*\s+(?=[a-z]))(?P<tail>(?:\s*[a-z][a-z-]+){{0,2}})"
)
_BRAND_NOUN = re.compile(
    r"\b(?:brand|company|label|studio|maker|makers|manufacturer|shop|store|bakery|startup)\s+(?:is\s+|called\s+|named\s+)?"
    rf"(?P<n>{_CAP}(?:\s+(?:&\s+)?{_CAP}){{0,3}})"
)
_TEAM_BRAND = re.compile(
    rf"\b(?i:from|at|with)\s+(?i:the\s+)?(?P<a>{_CAP}(?:\s+(?:&\s+)?{_CAP}){{0,3}})\s+(?i:team|crew|folks)\b|"
    rf"(?:^|[.!]\s+)(?P<b>{_CAP}(?:\s+(?:&\s+)?{_CAP}){{0,3}})\s+(?i:marketing|social|comms|team|crew)(?:\s+team)?\s+(?i:here)\b|"
    rf"(?:^|\n)\s*[—–-]+\s*[A-Z][a-z]+,?\s+[^@\n]{{0,30}}@\s*(?P<c>{_CAP}(?:\s+(?:&\s+)?{_CAP}){{0,3}})"
)
_PAREN_BRAND = re.compile(rf"\((?:by\s+|from\s+)?(?P<n>{_CAP}(?:\s+(?:&\s+)?{_CAP}){{0,3}})\)")


_IS_OUR = re.compile(  # "'nightjar' is our new decaf blend", "Pacer is our running app"
    r"(?:^|[\s(])(?:[\"“'‘](?P<q>[^\"”'’\n]{2,40})[\"”'’]|(?P<n>[A-Z][\w&'’°-]*(?:\s+(?:[A-Z][\w&'’°-]*|\d[\w-]*)){0,3}))"
    r"\s+(?:is|=|will be)\s+(?:our|their|the|a|an)\s+(?:new\s+|latest\s+)?(?P<what>[a-z][a-z -]{2,40})"
)
_WE_MAKE = re.compile(  # "we make Bramble, a period-tracking app"
    rf"\b(?i:we|i)\s+(?i:make|sell|run|build|built|created|launched|do|offer)\s+(?P<n>{_CAP}(?:\s+(?:&\s+)?(?:{_CAP}|\d[\w-]{{0,20}})){{0,3}}),\s+(?:an?|the|our)\s+"
)
_ITS_NAME = re.compile(  # a short later line: "it's Fernleaf Invoice btw"
    rf"^\W*(?i:it'?s|its|it is|the name'?s|name is)\s+(?P<n>{_CAP}(?:\s+(?:&\s+)?(?:{_CAP}|\d[\w-]{{0,20}})){{0,3}})\s*(?i:btw|by the way|fyi|lol|!|\.)?\s*$"
)
_CALL_IT = re.compile(
    r"\b(?:call it|calling it|it'?s called|renamed(?: it)?(?: to)?|now called|name it)\s+(?:the\s+)?"
    r"(?:[\"“'‘](?P<q>[^\"”'’\n]{2,40})[\"”'’]|(?P<n>[A-Z][\w&'’°-]*(?:\s+(?:[A-Z][\w&'’°-]*|\d[\w-]*)){0,4}))",
    re.I,
)
_X_THE_NOUN_BY = re.compile(  # "BentoBuddy, the kids' lunchbox by Packwell"
    rf"(?P<p>{_CAP}(?:\s+(?:{_CAP}|\d[\w-]{{0,20}})){{0,3}}),\s+(?:the|a|an|our)\s+[\w' -]{{2,40}}?\s+(?:by|from)\s+"
    rf"(?P<b>{_CAP}(?:\s+(?:&\s+)?{_CAP}){{0,3}})"
)
_VAGUE = frozenset(["thing", "stuff", "one", "thingy", "product", "ad", "video", "campaign"])


def _more_names(all_sentences: list[Sentence], found: Findings) -> None:
    """Name shapes the first pass misses: "our home battery, the SunVault 10"; "Our product, Ledgerline";
    "launching the Arc 2 kettle"; "our meal kit brand Forkly"; "the greenhouse kits (Sprout & Co)"."""
    for sentence in all_sentences:
        text, order = sentence.text, sentence.order
        for m in _WE_MAKE.finditer(text):
            if _is_name(m.group("n")):
                found.offer("product", m.group("n"), SHAPED + 0.05, order)
        m_its = _ITS_NAME.match(text)
        if m_its and _is_name(m_its.group("n")):
            found.offer("product", m_its.group("n"), SHAPED + 0.05, order)
        for m in _CALL_IT.finditer(text):
            name = (m.group("q") or m.group("n") or "").strip()
            if name and _is_name(name):
                found.offer("product", name, LABELLED, order)
        if _has_character_cue(text) or sentence.labelled:
            continue
        for m in _IS_OUR.finditer(text):
            name = (m.group("q") or m.group("n") or "").strip()
            what = m.group("what").split()
            if (
                name
                and _is_name(name)
                and not any(w in _BEINGS or w.removesuffix("s") in _BEINGS for w in what[:4])
                and (
                    re.search(r"\b(?:is|=|will be)\s+(?:our|their)\b", m.group(0))
                    or _PRODUCT_NOUNS.search(m.group("what"))
                )
                and not re.match(
                    r"(?:line|tagline|slogan|hook|headline|copy|message|cta|end|idea|plan|vibe|goal)\b",
                    what[0],
                )
            ):
                found.offer("product", name, SHAPED + 0.05, order)
        for m in _X_THE_NOUN_BY.finditer(text):
            if _is_name(m.group("p")) and _is_name(m.group("b")):
                found.offer("product", m.group("p"), SHAPED + 0.05, order)
                found.offer("brand", m.group("b"), SHAPED + 0.05, order)
        for m in _APPOSITIVE_PRODUCT.finditer(text):
            noun_words = m.group("noun").split()
            if (
                _is_name(m.group("n"))
                and not any(w in _NAME_STOP for w in noun_words)
                and not any(w.rstrip("s") in _PERSON_NOUNS or w in _ANIMALS for w in noun_words)
                and m.group("n").lower() not in _PLACES
                and _reads_as_a_name(m, text)
            ):
                found.offer(
                    "product", (m.group("n") + _noun_tail(m.group("tail") or "")).strip(), SHAPED, order
                )
        for m in _OUR_NOUN_NAME.finditer(text):
            kind = re.search(r"\b(brand|label|company|startup|shop|business)\b", m.group(0), re.I)
            if _is_name(m.group("n")):
                tail = "" if kind else _noun_tail(m.group("tail") or "")
                found.offer("brand" if kind else "product", m.group("n") + tail, SHAPED, order)
        for m in _THE_NAMED_THING.finditer(text):
            name = m.group("n").strip()
            if _is_name(name):
                found.offer("product", (name + _noun_tail(m.group("tail") or "")).strip(), SHAPED, order)
        for m in _BRAND_NOUN.finditer(text):
            if _is_name(m.group("n")) and m.group("n").lower() not in _PLACES:
                found.offer("brand", m.group("n"), SHAPED, order)
        for m in _TEAM_BRAND.finditer(text):
            team = m.group("a") or m.group("b") or m.group("c")
            if team and _is_name(team) and team.lower() not in _PLACES:
                found.offer("brand", team, SHAPED, order)
        for m in _PAREN_BRAND.finditer(text):
            before = text[: m.start()].rstrip()
            if (
                re.search(r"[a-z]$", before)
                and _is_name(m.group("n"))
                and m.group("n").lower() not in _PLACES  # a bracketed name is never someone spoken to
            ):
                found.offer("brand", m.group("n"), GUESSED + 0.1, order)


def _reads_as_a_name(m: re.Match[str], text: str) -> bool:
    """A product name rather than someone spoken to ("…the headliner, Dave." at the end):
    several words, a digit or odd casing, more after it, or a product noun beside it."""
    return bool(
        len(m.group("n").split()) > 1
        or re.search(r"\d|[a-z][A-Z]|^[A-Z]{2,}$", m.group("n"))
        or not re.match(r"\s*(?:[.!?]|$)", text[m.end("n") :])
        or _PRODUCT_NOUNS.search(m.group("noun"))
    )


def _repeated_names(all_sentences: list[Sentence], found: Findings) -> None:
    """A capitalised, CamelCase or ALL-CAPS name said in two messages or more is a weak candidate."""
    seen: dict[str, set[int]] = {}
    for sentence in all_sentences:
        if _has_character_cue(sentence.text):
            continue
        for m in _CAP_RUN.finditer(sentence.text):
            name = m.group(0).strip(" &'’")
            words = name.split()
            if (
                sentence.text[: m.start()].strip() == ""
                and len(words) == 1
                and not re.search(r"[a-z][A-Z]|^[A-Z]{3,}$", name)
            ):
                continue  # a capital at the start of a sentence says nothing
            if not words or words[0].lower() in _NAME_STOP or len(name) < 3 or _URL.fullmatch(name):
                continue
            seen.setdefault(name, set()).add(sentence.order)
    repeated = sorted(
        ((n, o) for n, o in seen.items() if len(o) >= 2 and not _bad_name(n, found.people)),
        key=lambda item: (-len(item[1]), min(item[1])),
    )
    if not repeated:
        return
    name, orders = repeated[0]
    if found.brand is None and not (found.product and _key(str(found.product.value)) == _key(name)):
        found.offer("brand", name, GUESSED - 0.05, min(orders))
    if found.product is None:
        found.offer("product", name, GUESSED - 0.1, min(orders))


def _bad_name(value: str, people: set[str]) -> bool:
    """A city, a person, a date, a length, a lone title or adjective is no product or brand."""
    words = value.split()
    if not words:
        return True
    first = words[0].lower().rstrip(".")
    low = value.lower().strip(" .")
    return (
        low in _PLACES
        or low in _HOLIDAYS
        or (len(words) <= 3 and words[-1].lower() in _VAGUE and len(words) > 1 and words[0].islower())
        or low in _MONTHS_DAYS
        or first in _PEOPLE_TITLES
        or (len(words) == 1 and len(value.strip(". ")) <= 2)
        or words[0] in people
        or (len(words) <= 2 and words[-1].lower() in ("here", "there"))
        or bool(re.match(r"(?:launching|launch|introducing|promoting|presenting|meet|new)\b", low))
        or bool(_DATE.fullmatch(value.strip()))
        or bool(_DURATION_LIKE.fullmatch(value.strip()))
        or bool(re.fullmatch(r"b2b|b2c|d2c|dtc|saas|ai|smb|sme", low))
    )


_PEOPLE_TITLES = frozenset(["dr", "mr", "mrs", "ms", "miss", "prof", "sir", "dame"])
_MONTHS_DAYS = frozenset(
    [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
)


def _rank_names(all_sentences: list[Sentence], found: Findings) -> None:
    """One score over every product and brand candidate: how it was found, how often the thread
    repeats it (in other messages), and whether it is shaped like a city, a person or a date."""
    people: set[str] = set()
    for sentence in all_sentences:
        for m in _PERSON_INTRO.finditer(sentence.text):
            name = m.group("a") or m.group("b") or m.group("c") or m.group("d") or m.group("e")
            if name and name.lower() not in _NAME_STOP:
                people.add(name)
    people |= {str(c[0]).split()[0] for c in found.characters if str(c[0])[:1].isupper()}
    found.people = people
    _repeated_names(all_sentences, found)
    texts: dict[int, str] = {}
    for sentence in all_sentences:
        texts[sentence.order] = texts.get(sentence.order, "") + " " + sentence.text.lower()
    for name in ("brand", "product"):
        options = found.candidates.get(name, [])
        if not options:
            continue
        best: Finding | None = None
        best_score = -1.0
        for option in options:
            value = str(option.value)
            if _bad_name(value, people):
                continue
            key = value.lower()
            repeats = sum(1 for order, t in texts.items() if order != option.order and key in t)
            score = option.confidence + 0.04 * min(repeats, 3)
            if name == "product" and found.brand is not None and _key(value) == _key(str(found.brand.value)):
                score -= 0.15  # the company's own name is the product only when nothing else is named
            if score > best_score or (
                score == best_score and best is not None and option.order >= best.order
            ):
                best, best_score = option, score
        current = getattr(found, name)
        if best is None:
            if current is not None and _bad_name(str(current.value), people):
                setattr(found, name, None)
            continue
        same_as_brand = (
            name == "product"
            and current is not None
            and found.brand is not None
            and _key(str(current.value)) == _key(str(found.brand.value))
        )
        if (
            current is None
            or _bad_name(str(current.value), people)
            or best_score > current.confidence + 0.06
            or (same_as_brand and best is not current and _key(str(best.value)) != _key(str(current.value)))
        ):
            setattr(
                found, name, Finding(best.value, max(best.confidence, min(best_score, SHAPED)), best.order)
            )
