"""Product and brand, settled once over every name the two passes offered.

The sentence rules and the whole-thread pass each propose names from the phrasings they know;
this step applies the evidence that carries to threads nobody tuned for:

- the ad's own web address spells the business ("moorcroftdaughters.co.uk" is Moorcroft &
  Daughters, "saltandswell.surf" is Salt & Swell, "nestaway-pest.co.uk" is Nestaway): a company
  owns the domain of its name, so that name is the brand, or the product when nothing else is;
- a rename retires the old name ("it's Riverkeep Pro now, not plain Riverkeep");
- greetings, languages, days, places ("we're in Clifton"), the thread's authors and its
  characters are never the product or the brand, however they are capitalised.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cutroom.core.extract import vocabulary
from cutroom.core.extract.matching import key
from cutroom.core.extract.matching import within as _within

_NOT_NAMES = vocabulary.words("not_names")
_URL = re.compile(r"(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+(?:/\S*)?", re.I)
_EMAIL = re.compile(r"\S+@\S+")
_TOKEN = re.compile(r"[^\W_][\w'’.-]*[^\W_]|[^\W_]|&")
# Words a domain adds around a name: "getsudsgo.com", "sudsgoapp.com", "sudsgo-hq.io".
_DOMAIN_LEADS = ("get", "try", "use", "join", "go", "my", "the", "hello", "meet", "visit", "shop")
_DOMAIN_TAILS = (
    "app",
    "hq",
    "co",
    "uk",
    "shop",
    "store",
    "online",
    "official",
    "studio",
    "group",
    "team",
    "inc",
    "ltd",
)
# A name, as a chat writes one: capitalised words with small joining words, or in quotes.
_NAME = (
    r"(?:[\"“'‘](?P<{g}q>[^\"”'’\n]{{2,40}})[\"”'’]|"
    r"(?P<{g}n>(?-i:[A-Z0-9][\w'’&-]*(?:\.\s?\d+)?(?:\s+(?:(?:for|of|the|and|&|a|de|la|du|von|van)\s+)?[A-Z0-9][\w'’&-]*(?:\.\s?\d+)?){{0,4}})))"
)
_RENAMES = [
    # "it's Riverkeep Pro now, not plain Riverkeep", "It's Nestaway Pest Control now, not ClearNest"
    re.compile(
        r"\b(?:it'?s|its|it is|they'?re|we'?re|it'?ll be|call it|calling it)\s+(?:now\s+|called\s+)*"
        + _NAME.format(g="new")
        + r"\s+now\b,?\s*(?:and\s+)?not\s+(?:plain\s+|just\s+|the\s+|old\s+)?"
        + _NAME.format(g="old"),
        re.I,
    ),
    # "not Bento Duo any more, it's Bento for Two"
    re.compile(
        r"\bnot\s+(?:plain\s+|just\s+|the\s+)?"
        + _NAME.format(g="old")
        + r"\s+any\s?more\b[,;:—–-]*\s*(?:it'?s|its|it is|now)\s+(?:called\s+)?"
        + _NAME.format(g="new"),
        re.I,
    ),
    # "renamed it — it's "Bento for Two" now", "rebranded as Crystal Lads", "new name: Loft 7"
    re.compile(
        r"\b(?:renamed|rebranded|rebadged|new name(?:\s+is)?)\b[^.!?\n]{0,40}?(?:\s(?:to|as|is)\s|[:—–-]\s*|it'?s\s+)"
        r"(?:it'?s\s+)?(?:now\s+)?(?:called\s+)?" + _NAME.format(g="new"),
        re.I,
    ),
]
_PLACED = r"\b(?:in|around|near|across|outside|throughout|covering|based in|located in)\s+(?:the\s+|central\s+|north\s+|south\s+|east\s+|west\s+)?"


@dataclass(frozen=True)
class Settled:
    """What ``settle`` decided, and how sure it is of the product (None: left as it was)."""

    product: str | None
    brand: str | None
    product_confidence: float | None = None


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _domain_keys(url: str) -> list[str]:
    """The names a web address can spell, most specific first: the whole label, then it without
    a lead or tail word, then its first hyphenated part ("nestaway-pest" → "nestawaypest",
    "nestaway")."""
    host = re.sub(r"^(?:[a-z]+://)?(?:www\.)?", "", url.lower()).split("/")[0]
    label = host.split(".")[0]
    whole = _compact(label)
    keys = [whole]
    for lead in _DOMAIN_LEADS:
        if whole.startswith(lead) and len(whole) - len(lead) >= 4:
            keys.append(whole[len(lead) :])
    for tail in _DOMAIN_TAILS:
        if whole.endswith(tail) and len(whole) - len(tail) >= 4:
            keys.append(whole[: -len(tail)])
    parts = [p for p in re.split(r"[-_]", label) if p]
    if len(parts) > 1 and len(parts[0]) >= 4:
        keys.append(_compact(parts[0]))
    return [k for k in dict.fromkeys(keys) if len(k) >= 3]


def _prefix_of(key: str, label: str) -> bool:
    """ "greenlight" in greenlightdriving.wales, "greenpatch" in greenpatchlawns.com: most of the
    label, from its start."""
    return len(key) >= 5 and label.startswith(key) and len(key) * 2 >= len(label)


def url_name(text: str, url: str | None) -> str | None:
    """The words of the thread that the ad's web address spells, with the capitalised words that
    follow them ("Greenhaven" for greenhaven-nursery.co.uk grows to "Greenhaven Plant Nursery")."""
    if not url:
        return None
    keys = _domain_keys(url)
    if not keys:
        return None
    plain = _EMAIL.sub(" ", _URL.sub(lambda m: " " * len(m.group(0)), text[:20_000]))
    tokens = [
        (m.start(), m.end(), re.sub(r"['’]s$", "", m.group(0)).rstrip(".")) for m in _TOKEN.finditer(plain)
    ]
    best: tuple[int, int, int] | None = None  # (how the key matched, longest first, earliest first)
    for i, (_, _, first) in enumerate(tokens):
        if not first or not first[0].isalnum():
            continue
        head = _compact(first)
        if not head or not any(k.startswith(head) for k in keys):
            continue  # a name the address spells starts with the address's first letters
        for j in range(i, min(i + 5, len(tokens))):
            words = [w for _, _, w in tokens[i : j + 1]]
            variants = {
                _compact("".join(words)),
                _compact("".join(w if w != "&" else "and" for w in words)),
                _compact("".join(w for w in words if w.lower() != "and")),
            }
            rank = next((r for r, key in enumerate(keys) if key in variants), None)
            if rank is None and first[:1].isupper() and any(_prefix_of(v, keys[0]) for v in variants):
                rank = len(keys)
            if rank is not None and (best is None or (rank, i - j, i) < best):
                best = (rank, i - j, i)
    if best is None:
        return None
    i, j = best[2], best[2] - best[1]
    end = j
    while (
        end + 1 < len(tokens)
        and end - j < 3
        and tokens[end][1] == tokens[end + 1][0] - 1  # one space between, nothing else
        and re.fullmatch(r"[A-Z][a-z]+|[A-Z]{2,}", tokens[end + 1][2])
        and tokens[i][2][:1].isupper()
        and tokens[end + 1][2].lower() not in _NOT_NAMES
    ):
        end += 1
    name = plain[tokens[i][0] : tokens[end][1]]
    name = re.sub(r"['’]s$", "", name).strip(" .,'’")
    if name.islower():
        name = name[:1].upper() + name[1:]
    return name or None


def renames(text: str) -> list[tuple[str, str | None, str]]:
    """Every rename the thread states, in order: (new name, old name or None, "brand" when the
    business was rebranded, else "product")."""
    out: list[tuple[str, str | None, str]] = []
    for pattern in _RENAMES:
        for m in pattern.finditer(text):
            new = (m.group("newq") or m.group("newn") or "").strip(" .,'’")
            old = None
            if "oldq" in pattern.groupindex:
                old = (m.group("oldq") or m.group("oldn") or "").strip(" .,'’") or None
            new = re.sub(r"\s+(?:now|then|instead|from\s+now)$", "", new, flags=re.I)
            new, old = re.sub(r"['’]s$", "", new), re.sub(r"['’]s$", "", old) if old else None
            if new and new.lower() not in _NOT_NAMES and re.search(r"[A-Za-z]{2,}", new):
                kind = "brand" if re.search(r"rebrand", m.group(0), re.I) else "product"
                out.append((new, old, kind))
    return out


def author_names(authors: Iterable[str]) -> set[str]:
    """First names from chat handles: "marek_k" → Marek, "sian" → Sian."""
    names: set[str] = set()
    for author in authors:
        first = re.split(r"[\s_.\-0-9]+", author.strip())[0]
        if len(first) >= 3 and first.isalpha():
            names.add(first.lower())
    return names


def never_a_name(value: str, text: str, people: set[str]) -> bool:
    """A greeting, a language, a day or time, an author, or a place the thread says something is
    *in* ("we're in Clifton (Bristol)") is no product or brand."""
    clean = re.sub(r"[^\w\s&'’.-]", " ", value).strip()
    low = " ".join(clean.lower().split())
    if not low or low in _NOT_NAMES or low in people:
        return True
    words = low.split()
    if len(words) == 1 and words[0] in people:
        return True  # "Marek", who wrote half the thread
    if len(words) == 2 and words[0] in _NOT_NAMES and words[1] in _ADDRESSEES:
        return True  # "Hallo together", "Morning all"
    if len(words) == 1 and re.search(
        r"(?-i:[A-Z][\w'’&.-]*)\s*\(\s*" + re.escape(value.strip()) + r"\s*\)", text
    ):
        return True  # "Kaito Sushi (Shoreditch)": a bracket after a name says where it is
    if clean != value.strip() and not re.search(r"[A-Za-z]{3,}", clean):
        return True
    first = re.escape(clean.split()[0]) if clean.split() else ""
    if len(clean.split()) <= 2 and first:
        placed = re.findall(_PLACED + re.escape(clean) + r"\b", text)
        said = re.findall(r"(?<![\w.])" + re.escape(clean) + r"\b", text)
        if placed and 2 * len(placed) >= len(said):
            return True  # mostly said as a place something is in ("we're in Headingley")
    # "Chapel Rd", "Kaito Sushi (Shoreditch)", "(Glasgow, Sauchiehall St)"
    return bool(
        _STREET.search(clean)
        or (len(clean.split()) == 1 and re.search(r"\((?:[^()]*,\s*)?" + re.escape(clean) + r"\s*\)", text))
    )


_CAPWORD = r"(?-i:[A-Z0-9][\w'’&-]*(?:\.\s?\d+)?)"
_NAMEWORDS = rf"{_CAPWORD}(?:\s+(?:(?:for|of|the|and|&|a|de|la)\s+)?{_CAPWORD}){{0,4}}"
_QUOTED = r"[\"“'‘](?P<q>[^\"”'’\n]{2,40})[\"”'’]"
_CUES = [
    # "an invisible mineral sunscreen called ClearShield 50", "its called 'low tide'",
    # "Loft & Light is the name we give our loft conversion service"
    re.compile(
        rf"\b(?:called|named|name is|name's|branded as)\s+(?:the\s+)?(?:{_QUOTED}|(?P<n>{_NAMEWORDS}))", re.I
    ),
    re.compile(rf"(?:{_QUOTED}|(?P<n>{_NAMEWORDS}))\s+is\s+the\s+name\s+(?:we|they)\s+(?:give|use)", re.I),
    # "the new ProvaMix 40 (spiral mixer)", "Roamwild's new van — the Kestrel pop-top"
    re.compile(
        rf"\bnew\s+(?:[a-z][a-z-]+\s*){{0,2}}(?:[,—–:-]+\s*)?(?:the\s+|a\s+|called\s+)?(?:{_QUOTED}|(?P<n>{_NAMEWORDS}))"
    ),
    # "for their Breakfast No. 4 blend", "need their Sponsor a Puppy appeal video"
    re.compile(
        rf"\b(?:for|need|needs|want|wants|launching|promoting|introducing|advertising)\s+(?:their|our|the)\s+(?:new\s+)?(?:{_QUOTED}|(?P<n>{_NAMEWORDS}))"
    ),
]
_NAME_WORDS = vocabulary.table("names")
_ADDRESSEES = frozenset(_NAME_WORDS["addressees"]["words"])
_LEFT_STOP = frozenset(_NAME_WORDS["left_stop"]["words"])
_EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0F]")


def tidy(value: str) -> str:
    """A name without what a chat line puts after it: emoji and the words after them."""
    value = _EMOJI.split(value, maxsplit=1)[0]
    value = re.split(r"\s+\(|\s+[—–]\s+", value, maxsplit=1)[0]
    return value.strip(" .,;:—–-'’\"“”")


def complete(name: str, text: str) -> str:
    """``name`` with the words the thread writes around it that belong to it: "Sponsor" →
    "Sponsor a Puppy", "Ember No" → "Ember No.5", "Teams" → "Vaultline for Teams"."""
    if not name:
        return name
    pattern = re.compile(
        rf"(?P<left>(?:(?-i:[A-Z][\w’&-]*|[A-Z][\w-]*['’]s)\s+(?:(?:for|of|&|and)\s+)?){{0,3}})(?<![\w-])(?<!\w['’]){re.escape(name)}(?![\w-]|['’]\w)"
        rf"(?P<right>(?:\.?\s?\d+\b)?(?:\s+(?:a|of|for|the|&|and|de|on)\s+(?!(?:January|February|March|April|May|June|July|August|September|October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b)(?-i:[A-Z][\w'’&-]*))*)"
    )
    m = pattern.search(text)
    if not m:
        return name
    left = m.group("left") or ""
    words = left.split()
    while words and (words[0].lower() in _NOT_NAMES or words[0].lower() in _LEFT_STOP):
        words = words[1:]
    left = " ".join(words) + " " if words else ""
    if left and (
        len(name.split()) > 1
        and not re.match(r"(?:for|of|&|and|on)\b", name)
        and not re.search(r"['’]s\s*$", left)
    ):
        left = ""  # a name of several words is whole already, unless a possessive runs into it
    right = m.group("right") or ""
    if right and not re.match(r"\.?\s?\d", right) and not re.search(r"[a-z]$", name):
        right = ""  # "BIAB" is not "BIAB of the Year"
    if (
        right
        and re.match(r"\.?\s?\d", right)
        and not re.search(r"\b(?:No|Nº|Mk|Vol|Series|Gen|v)$", name, re.I)
    ):
        right = ""  # only "No. 4", "Mk 2" take a number after them
    return f"{left}{name}{right}".strip()


_CUE_STRENGTH = (0.85, 0.85, 0.8, 0.7)  # "called X", "X is the name we give", "the new X", "for their X"


def cue_names(text: str) -> list[tuple[str, float]]:
    """Names the thread introduces with a naming cue, in order, each with how sure the cue is."""
    out: list[tuple[int, str, float]] = []
    for pattern, strength in zip(_CUES, _CUE_STRENGTH, strict=True):
        for m in pattern.finditer(text):
            name = (m.group("q") or m.group("n") or "").strip(" .,'’")
            if name and re.search(r"[A-Za-z]{2,}", name):
                out.append((m.start(), name, strength))
    return [(n, s) for _, n, s in sorted(out)]


def settle(
    product: str | None,
    brand: str | None,
    *,
    product_confidence: float,
    text: str,
    url: str | None,
    people: set[str],
    candidates: list[tuple[str, float, int]],
    characters: set[str],
    editing: bool,
    refused: Callable[[str], bool] = lambda _: False,
) -> Settled:
    """The product and brand after renames, naming cues, the web address and never-names.

    ``candidates`` are every (name, confidence, message order) the whole-thread pass offered as
    a product; the strongest that survives replaces a product that does not. ``refused`` is the
    whole-thread pass's own test (dates, lengths, titles)."""
    changes = renames(text)
    character_keys = {key(c) for c in characters}

    def bad(value: str | None) -> bool:
        return bool(value) and (
            never_a_name(str(value), text, people)
            or key(str(value)) in character_keys
            or any(old and key(old) == key(str(value)) for _, old, _ in changes)
            or refused(str(value))
        )

    def renamed(value: str | None) -> str | None:
        for new, old, _ in changes:
            if value and old and _within(old, value, extra=3):
                value = new
        return value

    product = renamed(tidy(product)) or None if product else None
    brand = renamed(tidy(brand)) or None if brand else None
    if editing:
        return Settled(product, brand)
    sure: float | None = None
    if product and (bad(product) or _poor(product, text, url)):
        product, sure = None, 0.0
    if brand and (bad(brand) or _poor(brand, text, url)):
        brand = None
    if product is None:
        for name, confidence, _ in sorted(candidates, key=lambda c: (-c[1], -c[2])):
            name = tidy(name)
            if (
                name
                and not bad(name)
                and not _poor(name, text, url)
                and (not brand or key(name) != key(brand))
            ):
                product, sure = complete(name, text), min(confidence, 0.75)
                break
    else:
        product = complete(product, text)
    for new, old, kind in changes:
        if old is not None:
            continue
        if kind == "brand" or (product and brand and key(product) == key(brand)):
            if product and brand and key(product) == key(brand):
                product = new
            brand = new if brand else None
        elif product is None or product_confidence < 0.9:
            product, sure = new, 0.75  # "it's been renamed: Field Kit 24"
    cues = [(renamed(complete(tidy(c), text)) or "", strength) for c, strength in cue_names(text)]
    cue, strength = next(((c, st) for c, st in cues if c and not bad(c) and _name_like(c)), ("", 0.0))
    weak = (
        product is None
        or sure == 0.0
        or (brand is not None and key(product) == key(brand))
        or _describes(product, cue, text)
    )
    if cue and (weak or product_confidence < 0.9) and not (product and _within(cue, product, extra=3)):
        was = product
        product, sure = cue, 0.8
        if was and not brand and re.match(r"[A-Z]", was) and not _within(was, cue, extra=8):
            brand = was  # "Marlow Skin … a sunscreen called ClearShield 50": the first name is the maker
    if product and brand and _describes(product, brand, text) and not bad(brand):
        product, sure = brand, 0.7  # "SudsGo — laundry pickup app": the category was read, not the name
    business = url_name(text, url)
    if business and not bad(business):
        if product is None:
            product, sure = business, 0.65
        elif _within(product, business, extra=4) and len(key(product)) < len(key(business)):
            product = business  # "Salt" is "Salt & Swell"
        elif _within(business, product, extra=4):
            pass  # "Vaultline for Teams" names Vaultline
        elif _describes(product, business, text):
            product, sure = business, 0.7
        elif not brand or key(brand) == key(product):
            brand = business  # the business whose address the ad sends people to makes it
    if product is None and brand:
        product, sure = (
            brand,
            0.6,
        )  # only the business is named: it is what is advertised, until told otherwise
    brand = brand and _company(brand, text)
    for m in _PARENT.finditer(text):
        parent = m.group("a") or m.group("b")
        if parent and not bad(parent) and not (product and _within(parent, product, extra=8)):
            brand = parent  # "Motus Mobility (they're the parent co)"
    return Settled(product, brand, sure)


_PARENT = re.compile(
    rf"(?P<a>{_NAMEWORDS})\s*[,(]?\s*(?:asked[^()]{{0,40}}\()?\s*(?:they'?re|it'?s|is|are|who are)\s+(?:the\s+|our\s+)?parent\s+(?:co|company|brand)\b|"
    rf"\bparent\s+(?:co|company|brand)\s*(?:is|=|:)?\s*(?P<b>{_NAMEWORDS})",
)
_COMPANY_TAIL = re.compile(
    r"\s+(?:&\s+)?(?-i:Co|Ltd|Inc|LLC|GmbH|Group|University|College|School|Studio|Studios|Club|Bakery|Brewing|Labs?)\b\.?"
)


def _company(brand: str, text: str) -> str:
    """The brand with the company word the thread writes after it: "Marlow" → "Marlow University"."""
    m = re.search(re.escape(brand) + _COMPANY_TAIL.pattern, text)
    return m.group(0).strip() if m and len(m.group(0).split()) <= len(brand.split()) + 2 else brand


def _describes(product: str, name: str, text: str) -> bool:
    """``product`` is a lower-case description written beside ``name`` ("SudsGo — laundry pickup
    app", "Kerbside, the parking app", "Lumo is a budgeting app"): the name is what is sold."""
    if not product.islower() or re.search(r"\d", product):
        return False
    return bool(
        re.search(
            re.escape(name)
            + r"\s*(?:[—–:,(-]+|\s(?:is|=)\s)\s*(?:(?:a|an|the|our|their)\s+)?(?:\w+\s+){0,2}"
            + re.escape(product),
            text,
            re.I,
        )
    )


_HEDGE = re.compile(
    r"\b(?:i think|i guess|maybe|last|next|week|weeks|yesterday|today|tomorrow|ago|lol|haha|tbh)\b", re.I
)
_STREET = re.compile(r"\b(?:rd|st|street|road|lane|ave|avenue|way|square|sq|hwy|highway)\.?$", re.I)


def _poor(product: str, text: str = "", url: str | None = None) -> bool:
    """Not a product's name: one common lower-case word ("shop", "passes": never capitalised in
    the thread nor spelled by its web address), a hedge ("last week I think"), a street ("Chapel
    Rd"), places joined by "+", or a short acronym alone ("CQC", "ECO4")."""
    words = product.split()
    plain_word = (
        len(words) == 1
        and product.islower()
        and not re.search(rf"\b{re.escape(product.capitalize())}\b", text)
        and not (url and _compact(product) in _compact(url))
        and not re.search(rf"[\"“'‘]{re.escape(product)}[\"”'’]", text, re.I)
        and not re.search(rf"\b(?:our|my|new|their|all)\s+(?:\w+\s+)?{re.escape(product)}\b", text, re.I)
    )
    return bool(
        plain_word
        or _HEDGE.search(product)
        or _STREET.search(product)
        or "+" in product
        or (len(words) == 1 and re.fullmatch(r"[A-Z]{2,4}\d?s?", product))
    )


def _name_like(name: str) -> bool:
    """Quoted text or a name's shape; a lone short acronym ("IPA", "BIAB") is a kind of thing."""
    words = name.split()
    return not (len(words) == 1 and re.fullmatch(r"[A-Z]{2,4}s?", name))
