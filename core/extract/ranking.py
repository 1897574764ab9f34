"""Which of the thread's names is the product: candidates scored by a small learned model.

The readers in ``names``/``fields`` each know one way a product gets named; on threads nobody
tuned for they disagree, and a fixed order of rules picks wrongly about a third of the time.
Here every name-shaped span of the thread (capitalised runs and their parts, quoted phrases, what
the readers proposed) becomes a candidate described by generic evidence: where and how often it
is said, the words around it (an advertising verb before, a category noun after, "from" before,
"not" before, "now" after), its shape, whether the ad's web address spells it, whether the rules
chose it. A conditional-logit model over those features, fitted on the development half of the
labelled corpus only (``bench/train_extract.py``), picks one; its weights live in
``data/product_ranker.json``. Pure functions: no IO beyond reading that file once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from cutroom.core.extract import learned, vocabulary
from cutroom.core.extract.matching import key

_V = vocabulary.table("fields")
_STARTERS = frozenset(vocabulary.table("names")["sentence_starters"]["words"])
_NOT_NAMES = vocabulary.words("not_names") | frozenset(_V["name_stop"]) | frozenset(_V["places"])
_BUSINESS = frozenset(w.lower() for w in _V["business_nouns"]) | frozenset(
    w.lower().strip(".") for w in _V["company_suffixes"]
)
_LOOK_WORDS = frozenset(vocabulary.entries("looks"))

_TOKEN = r"(?:[A-ZÀ-Ý0-9](?:[\w'’&°+-]|\.(?=\w))*|&)"  # a full stop only inside ("No.7")
_CONNECTOR = r"(?:of|the|and|in|de|du|la|le|to|a|&|n'|'n'|no\.?)"
_RUN = re.compile(rf"(?<![\w'’])(?:{_TOKEN})(?:[ \t]+(?:{_CONNECTOR}[ \t]+)*(?:{_TOKEN}))*")
_QUOTED = re.compile(r"[\"“‘]([^\"”’\n]{2,60})[\"”’]|(?<![\w])'([^'\n]{2,60})'(?![\w])")
_URL = re.compile(r"(?:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)+)(?:/[^\s>|]*)?", re.I)
_MAX_WORDS = 6
_MAX_CHARS = 20_000  # the ranker reads the latest 20,000 characters, whatever is pasted in
_MAX_CANDIDATES = 80

_BEFORE = {
    "ad_for": r"\b(?:ad|advert|video|vid|spot|promo|reel|campaign|commercial|teaser|clip|piece|film|post)s?\s+(?:for|about|on|of)\s+(?:the\s+|our\s+|their\s+|a\s+|an\s+|new\s+)*$",
    "advertise_verb": r"\b(?:launch(?:ing|es)?|promot(?:e|ing|es)|push(?:ing)?|sell(?:ing|s)?|advertis(?:e|ing)|introduc(?:e|ing)|showcas(?:e|ing)|highlight(?:ing)?|announc(?:e|ing)|plug(?:ging)?|hero(?:ing)?)\s+(?:the\s+|our\s+|their\s+|a\s+|an\s+|new\s+|brand\s+new\s+)*$",
    "called": r"\b(?:called|named|name is|name's|branded|rebranded|renamed|rebrand(?:ed)?\s+(?:to|as)|now\s+(?:called|known\s+as))\s+(?:as\s+|to\s+)?$",
    "our": r"\b(?:our|their|the\s+new|new|my)\s+(?:[\w-]+\s+){0,2}$",
    "from_by": r"\b(?:from|by|at|with|via|of)\s+(?:the\s+)?$",
    "negated": r"\b(?:not|no\s+longer|instead\s+of|formerly|old\s+name|was\s+called|used\s+to\s+be|rather\s+than|replac(?:e|es|ing)|drop(?:ped)?|scrap(?:ped)?)\s+(?:the\s+|our\s+|plain\s+|just\s+)*$",
    "compared": r"\b(?:like|vs\.?|versus|than|competitor|rival|unlike|similar\s+to|cheaper\s+than)\s+(?:the\s+)?$",
    "place": r"\b(?:in|near|around|across|outside|visit|visiting)\s+$",
    "hello": r"(?:^|\b)(?:hi|hey|hello|thanks|thank\s+you|cheers|morning|ta|@)\s*,?\s*$",
    "is_now": r"\b(?:it'?s|is|are|we'?re)\s+(?:now\s+|actually\s+|officially\s+)$",
    "for_their": r"\b(?:for|of|on|about)\s+(?:their|our|its|his|her)\s+(?:new\s+|latest\s+|upcoming\s+)?$",
    "client": r"\b(?:client|customer|account|brand|company|business)\s*(?:is|=|:|-|—)?\s*$",
}
_AFTER = {
    "category": r"^\s+(?:app|kit|plan|bundle|course|class|classes|box|pack|range|card|account|subscription|membership|package|programme|program|service|platform|software|tool|device|edition|collection|menu|tour|break|night|festival|event|launch|scheme|offer|deal|set|series|range|line|model)\b",
    "from_brand": r"^\s+(?:from|by)\s+[A-Z]",
    "now": r"^\W{0,3}\s*(?:now|these\s+days|from\s+now\s+on|instead|going\s+forward)\b",
    "possessive": r"^['’]s\b",
    "is_role": r"^\s*(?:,\s*)?(?:is|as|who'?s)\s+(?:our|the|a|an)\s+(?:[\w-]+\s+){0,2}(?:owner|founder|manager|chef|coach|vet|dentist|presenter|host|mascot|dog|cat|star|face|boss|ceo|director|head)\b",
    "person_verb": r"^\s+(?:says|said|wants|thinks|will|can|is\s+(?:in|on|off|out|back|happy|fine)|here\b|mentioned|asked|suggested)",
    "looks": r"^\s*(?:[(,—–-]|\s(?:wears?|wearing|has|with))",
    "brand_word": r"^['’]?s?\s+(?:brand|company|team|group|ltd|inc)\b",
    "url_after": r"^[^.\n]{0,40}\b(?:[a-z0-9-]+\.(?:com|co|uk|io|app|net|org|shop|store|ie|de|fr|eu|au|nz|ca|us|example)\b)",
}


def _label_head(heads: str, *, rest: str) -> re.Pattern[str]:
    """A line's label ("Product:", "- Client =", "**CTA** ->") ending where a candidate begins;
    ``rest`` lets the label's value run on to it."""
    return re.compile(
        rf"(?:^|\n)\s*[*_>•-]*\s*(?:{heads})\s*[*_]*\s*(?::|=|->|[-—–]+){rest}$",
        re.I,
    )


_LABEL_PRODUCT = _label_head(
    r"product|products|the\s+product|thing[\w\s']{0,20}|what[\w\s']{0,20}|item|offer|service|app|event|"
    r"hero(?:\s+product)?|campaign|name|advertising|promoting|selling|launching",
    rest=r"\s*",
)
_LABEL_BRAND = _label_head(r"brand|client|company|business|account|customer|maker|who", rest=r"\s*")
_LABEL_OTHER = _label_head(
    r"cta|call\s+to\s+action|end\s+card|audience|target|who\s+for|avoid|don'?ts?|must[\w\s]{0,12}|tone|vibe|"
    r"length|platforms?|cast|characters?|mascot|music|url|link|voice|budget",
    rest=r"[^\n]*",
)
_BEFORE_RES = {name: re.compile(p, re.I) for name, p in _BEFORE.items()}
_AFTER_RES = {name: re.compile(p, re.I if name not in ("from_brand",) else 0) for name, p in _AFTER.items()}
_INJECTION = re.compile(
    r"ignore\s+(?:all\s+|any\s+|the\s+)?(?:previous|prior|above)|system\s+prompt|you\s+are\s+now", re.I
)


@dataclass(frozen=True)
class Thread:
    """What every candidate's features are read from: the text, its messages and the rules' answer."""

    text: str
    starts: tuple[int, ...]  # where each message begins in ``text``
    authors: frozenset[str]
    domains: tuple[str, ...]
    rules_product: str | None
    rules_brand: str | None
    characters: frozenset[str]
    proposed: frozenset[str]  # keys of what the whole-thread readers proposed
    runs: tuple[tuple[int, int], ...] = ()  # (start, end) of every capitalised run in ``text``


def thread_of(
    messages: Sequence[tuple[str, str]],
    *,
    rules_product: str | None,
    rules_brand: str | None,
    characters: Sequence[str] = (),
    proposed: Sequence[str] = (),
) -> Thread:
    starts: list[int] = []
    parts: list[str] = []
    at = 0
    kept: list[tuple[str, str]] = []
    size = 0
    for author, text in reversed(messages):  # the latest messages, as many as the bound holds
        text = text[:_MAX_CHARS]
        if size + len(text) > _MAX_CHARS and kept:
            break
        kept.append((author, text))
        size += len(text) + 1
    messages = kept[::-1]
    for _, text in messages:
        starts.append(at)
        parts.append(text)
        at += len(text) + 1
    text = "\n".join(parts)
    authors = frozenset(w for a, _ in messages for w in re.split(r"[\W_]+", a.lower()) if len(w) >= 3)
    domains = tuple(
        dict.fromkeys(
            m.group(1).lower()
            for word in re.findall(r"[^\s<>|()\"']{4,200}", text)  # bounded words: no backtracking blow-up
            if (m := _URL.match(word.strip(".,;:!?")))
        )
    )
    return Thread(
        text=text,
        starts=tuple(starts),
        authors=authors,
        domains=domains,
        rules_product=rules_product,
        rules_brand=rules_brand,
        characters=frozenset(key(c) for c in characters if c),
        proposed=frozenset(key(p) for p in proposed if p),
        runs=tuple((m.start(), m.end()) for m in _RUN.finditer(text)),
    )


_NEVER_IN_A_NAME = re.compile(
    r"(?<![\w])(?:\d+\s*(?:s|secs?|seconds?|mins?|minutes?)|tik\s?tok|reels?|instagram|insta|youtube|shorts|"
    r"facebook|linkedin|snapchat|pinterest|stories|cta|url|http\S*)(?![\w])",
    re.I,
)


def candidates(thread: Thread) -> list[str]:
    """Every name-shaped span: capitalised runs and their contiguous parts, quoted phrases, and
    what the rules chose; at most six words each, none holding a length or a platform."""
    found: dict[str, None] = {}
    for start, end in thread.runs:
        words = thread.text[start:end].split()
        for i in range(len(words)):
            for j in range(i + 1, min(len(words), i + _MAX_WORDS) + 1):
                span = " ".join(words[i:j]).strip(".,;:!?'’&- ")
                if span and re.match(r"[A-ZÀ-Ý0-9]", span) and re.search(r"[^\W\d_]{2,}", span):
                    found.setdefault(span)
                    owner = re.sub(r"['’]s$", "", span)
                    if owner != span:
                        found.setdefault(owner)  # "Lumina's new serum": Lumina
    for m in _QUOTED.finditer(thread.text):
        quoted = (m.group(1) or m.group(2) or "").strip(" .,!?")
        if quoted and len(quoted.split()) <= _MAX_WORDS and re.search(r"[^\W\d_]{2,}", quoted):
            found.setdefault(quoted)
    found = {c: None for c in list(found)[: _MAX_CANDIDATES * 3] if not _NEVER_IN_A_NAME.search(c)}
    found = dict.fromkeys(list(found)[:_MAX_CANDIDATES])
    if thread.rules_product:
        found.setdefault(thread.rules_product)
    return list(found)


def _compact(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower().replace("&", "and"))


def features(candidate: str, thread: Thread) -> dict[str, float]:
    """Generic evidence about one candidate; every value in [0, 1] or a small count."""
    return dict(_features(candidate, thread))  # a copy: callers add their own


@lru_cache(maxsize=256)  # the product and the brand ranker read the same candidates of one thread
def _features(candidate: str, thread: Thread) -> dict[str, float]:
    text = thread.text
    pattern = re.compile(r"(?<![\w])" + re.escape(candidate) + r"(?![\w])", re.I)
    hits = []
    for hit in pattern.finditer(text):  # the first 24 mentions say what the thread calls it
        hits.append(hit)
        if len(hits) == 24:
            break
    words = candidate.split()
    first_word = words[0].lower().strip("'’")
    last_word = words[-1].lower().strip(".")
    f: dict[str, float] = {}
    f["mentions"] = math.log1p(min(len(hits), 12))
    f["words_1"] = float(len(words) == 1)
    f["words_2"] = float(len(words) == 2)
    f["words_3"] = float(len(words) == 3)
    f["words_4plus"] = float(len(words) >= 4)
    k = key(candidate)
    rules = key(thread.rules_product or "")
    f["rules_pick"] = float(bool(rules) and k == rules)
    f["rules_pick_lower"] = float(f["rules_pick"] and not re.match(r"[A-ZÀ-Ý0-9]", candidate))
    f["rules_pick_business"] = float(f["rules_pick"] and last_word in _BUSINESS)
    f["inside_rules_pick"] = float(bool(rules) and k != rules and f" {k} " in f" {rules} ")
    f["holds_rules_pick"] = float(bool(rules) and k != rules and f" {rules} " in f" {k} ")
    f["rules_brand"] = float(bool(thread.rules_brand) and k == key(thread.rules_brand or ""))
    f["proposed"] = float(k in thread.proposed)
    f["character"] = float(k in thread.characters)
    compact = _compact(candidate)
    f["url_spells"] = float(len(compact) >= 4 and any(compact in d.replace("-", "") for d in thread.domains))
    f["url_starts"] = float(
        len(compact) >= 4 and any(d.replace("-", "").startswith(compact) for d in thread.domains)
    )
    f["author"] = float(first_word in thread.authors or last_word in thread.authors)
    f["starter"] = float(first_word in _STARTERS)
    f["not_name"] = float(candidate.lower() in _NOT_NAMES or first_word in _NOT_NAMES)
    f["business_tail"] = float(last_word in _BUSINESS)
    f["look_word"] = float(any(w.lower() in _LOOK_WORDS for w in words))
    f["camel"] = float(any(re.search(r"[a-z][A-Z]", w) for w in words))
    f["all_caps"] = float(any(len(w) >= 3 and w.isupper() for w in words))
    f["digit"] = float(bool(re.search(r"\d", candidate)))
    f["the"] = float(first_word == "the")
    f["connector"] = float(
        any(w.lower() in ("of", "and", "&", "in", "the", "to", "for") for w in words[1:-1])
    )
    f["lower"] = float(not re.match(r"[A-ZÀ-Ý0-9]", candidate))
    if not hits:
        f["absent"] = 1.0
        return f
    spans = [(a, b) for a, b in thread.runs if a <= hits[0].start() and hits[0].end() <= b]
    run = text[spans[0][0] : spans[0][1]].strip(".,;:!?'’&- ") if spans else candidate
    f["whole_run"] = float(key(run) == k)
    f["run_start"] = float(bool(spans) and key(run).startswith(k))
    f["run_end"] = float(bool(spans) and key(run).endswith(k))
    f["extra_run_words"] = min(3.0, float(len(run.split()) - len(words)))
    f["first_char_at"] = hits[0].start() / max(1, len(text))
    f["first_name_said"] = float(bool(thread.runs) and thread.runs[0][0] == hits[0].start())
    f["in_first_sentence"] = float(not re.search(r"[.!?\n]", text[: hits[0].start()]))
    messages = len(thread.starts)
    first_message = _message_at(thread, hits[0].start())
    last_message = _message_at(thread, hits[-1].start())
    f["first_message"] = float(first_message == 0)
    f["first_at"] = first_message / max(1, messages - 1)
    f["last_at"] = last_message / max(1, messages - 1)
    f["messages_said"] = math.log1p(len({_message_at(thread, h.start()) for h in hits}))
    sentence_start = quoted = capital_hits = injected = labelled = brand_label = other_label = 0
    counts = dict.fromkeys([*_BEFORE, *_AFTER], 0)
    for h in hits:
        line_start = text.rfind("\n", 0, h.start()) + 1
        before = text[max(line_start, h.start() - 60) : h.start()]
        after = text[h.end() : h.end() + 60]
        line_end = text.find("\n", h.end())
        line = text[line_start : line_end if line_end >= 0 else len(text)]
        if (
            re.search(r"(?:^|[.!?]\s+|\n)\W*$", text[max(0, h.start() - 3) : h.start()])
            or h.start() == line_start
        ):
            sentence_start += 1
        if re.search(r"[\"“‘']\s*$", before) and re.match(r"\s*[\"”’']", after):
            quoted += 1
        if re.match(r"[A-ZÀ-Ý0-9]", h.group(0)):
            capital_hits += 1
        if _INJECTION.search(line):
            injected += 1
        if _LABEL_PRODUCT.search(text[line_start : h.start()]):
            labelled += 1
        if _LABEL_BRAND.search(text[line_start : h.start()]):
            brand_label += 1
        if _LABEL_OTHER.search(text[line_start : h.start()]):
            other_label += 1
        for name, regex in _BEFORE_RES.items():
            counts[name] += bool(regex.search(before))
        for name, regex in _AFTER_RES.items():
            counts[name] += bool(regex.search(after))
    n = len(hits)
    f["sentence_start_only"] = float(sentence_start == n)
    f["quoted"] = quoted / n
    f["capitalised"] = capital_hits / n
    f["injection"] = injected / n
    f["label_product"] = float(labelled > 0)
    f["label_brand"] = float(brand_label > 0)
    f["label_other"] = other_label / n
    for name, count in counts.items():
        f[f"{name}_any"] = float(count > 0)
    return f


def _says_nothing(values: dict[str, float]) -> bool:
    """One plain capitalised word seen only where a sentence starts ("Remark number 4 ..."): its
    capital is the sentence's, so it is no evidence of a name, unless the rules chose it."""
    return (
        values.get("words_1", 0.0) == 1.0
        and values.get("sentence_start_only", 0.0) == 1.0
        and not any(
            values.get(n, 0.0)
            for n in ("rules_pick", "rules_brand", "camel", "all_caps", "digit", "quoted", "url_spells")
        )
    )


def _message_at(thread: Thread, offset: int) -> int:
    index = 0
    for i, start in enumerate(thread.starts):
        if start <= offset:
            index = i
    return index


def _weights() -> dict[str, float]:
    found = learned.model("product_ranker")
    return found.weights if found else {}


def score(feature_values: dict[str, float], weights: dict[str, float] | None = None) -> float:
    table = _weights() if weights is None else weights
    return sum(table.get(name, 0.0) * value for name, value in feature_values.items())


def best_product(thread: Thread, weights: dict[str, float] | None = None) -> tuple[str, float, float] | None:
    """The highest-scoring candidate, its probability among all candidates and its lead in score
    over the rules' own pick (0 when it is that pick); None without a model or candidates."""
    table = _weights() if weights is None else weights
    if not table:
        return None
    scored = []
    for candidate in candidates(thread):
        values = features(candidate, thread)
        if _says_nothing(values):
            continue
        scored.append((score(values, table), candidate))
    if not scored:
        return None
    top, best = max(scored, key=lambda x: x[0])
    total = sum(math.exp(s - top) for s, _ in scored)
    rules = key(thread.rules_product or "")
    ruled = max((s for s, c in scored if key(c) == rules), default=top)
    return best, 1.0 / total, top - ruled


def same_title(a: str, b: str, text: str) -> bool:
    """Whether ``a`` and ``b`` are parts of one quoted title ("Data Without Drama: Fixing
    Pipelines Before They Break"): then the readers' part, the title's head, stands."""
    ka, kb = key(a), key(b).split()
    for m in _QUOTED.finditer(text):
        quoted = key(m.group(1) or m.group(2) or "")
        if ka and f" {ka} " in f" {quoted} " and kb and f" {kb[0]} " in f" {quoted} ":
            return True
    return False


NONE = "\u2205"  # the brand candidate that stands for "no separate maker"


def brand_features(candidate: str, thread: Thread, product: str) -> dict[str, float]:
    """A product candidate's evidence, and how it sits beside the product ("Fellstride" opens
    "Fellstride Tor GTX"; "Summitco" is said after "from"). The no-brand candidate has its own."""
    if candidate == NONE:
        return {
            "none": 1.0,
            "none_rules": float(not thread.rules_brand),
            "none_no_product": float(not product),
        }
    f = features(candidate, thread)
    k, p = key(candidate), key(product)
    f["is_product"] = float(bool(p) and k == p)
    f["opens_product"] = float(bool(p) and k != p and p.startswith(k + " "))
    f["inside_product"] = float(bool(p) and k != p and f" {k} " in f" {p} " and not p.startswith(k + " "))
    f["holds_product"] = float(bool(p) and k != p and f" {p} " in f" {k} ")
    return f


def best_brand(
    thread: Thread, product: str, weights: dict[str, float] | None = None
) -> tuple[str | None, float] | None:
    """The maker's name, or None for no separate maker, with its probability; None without a model."""
    found = learned.model("brand_ranker")
    table = (found.weights if found else {}) if weights is None else weights
    if not table:
        return None
    scored = []
    for candidate in [NONE, *candidates(thread)]:
        if candidate != NONE and not re.match(r"[A-ZÀ-Ý0-9]", candidate):
            continue  # "winter clean-water fundraiser": a maker is a name
        values = brand_features(candidate, thread, product)
        if candidate != NONE and _says_nothing(values):
            continue
        scored.append((score(values, table), candidate))
    top, best = max(scored, key=lambda x: x[0])
    total = sum(math.exp(s - top) for s, _ in scored)
    return (None if best == NONE else best), 1.0 / total
