"""The recurring characters a thread asks for, with their looks.

A character is someone (or some animal or mascot) the thread wants kept the same across
scenes: "same guy every scene", "Gwen should be in it", "Biscuit is the star", a "Cast:" or
"Mascot:" line. Around each such sentence (the one before and the two after, in the same
message) the reader finds who it is, a name ("Priya", "Pip the parrot", "Grandpa Joe", "me": the
writer), or else a role ("the barber"), and the phrases that describe them: every piece of the
text that holds a look word (hair, clothes, accessories, fur, colours: ``data/looks.txt``).
Each piece goes to the nearest character named before it. Someone mentioned with no look at
all ("parents", "a child") is an audience, not a character.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from cutroom.core.extract import vocabulary
from cutroom.core.extract.fields import is_injection, sentences

MAX_CHARACTERS = 6
_V = vocabulary.table("fields")
_LOOK_WORDS = vocabulary.entries("looks")
_LOOK = re.compile(
    r"(?<![\w-])(?:" + vocabulary.pattern(_LOOK_WORDS) + r")(?![\w-])",
    re.I,
)
_CUE_WORDS = [
    *_V["character_cues"],
    "face of",
    "fronting",
    "front it",
    "front the",
    "start to finish",
    "the whole way",
    "all the way thru",
    "whole way thru",
    "the same in",
    "look the same",
    "looks the same",
    "look identical",
    "looking like herself",
    "looking like himself",
    "looking exactly like",
    "keep her looking",
    "keep him looking",
    "same look",
    "same girl",
    "same lady",
    "same lad",
    "same lads",
    "same puppy",
    "same pup",
    "same bird",
    "be the stars",
    "the stars",
    "the star",
    "as the face",
    "in all scenes",
    "in all the scenes",
    "every scene",
    "in every",
    "same in every",
    "throughout",
    "cast",
    "mascot",
    "character",
    "characters",
    "on camera",
    "in it",
    "in the shots",
    "in shot",
    "in the video",
    "in video",
    "be in the video",
    "through-line",
    "throughline",
    "all time",
    "all the time",
    "the whole time",
    "every time",
    "each time",
    "same every",
    "the main one",
    "lead role",
    "main character",
    "the hero",
    "recurring",
    "consistent",
    "identical",
    "same one",
    "presented by",
    "fronted by",
    "hosted by",
    "narrated by",
    "follow a",
    "follow our",
    "following our",
    "feature our",
    "featuring our",
    "starring",
    "to star",
    "star in",
    "cameo",
]
_CUE = re.compile(
    r"(?<!\w)(?:" + vocabulary.pattern(_CUE_WORDS) + r")(?!\w)",
    re.I,
)
_LABEL = re.compile(
    r"^\W*(?:characters?|cast|mascot|mascotte|presenter|host|talent|spokesperson|face|star|hero(?: character)?|"
    r"[\w ]{0,20}on camera)\s*(?::|=|->|[-—–]+\s)",
    re.I,
)
_ROLES = frozenset(
    {
        *_V["person_nouns"],
        *_V["animal_words"],
        *_V["mascot_words"],
        "barber",
        "bookseller",
        "key worker",
        "guide",
        "sweep",
        "cheesemonger",
        "distiller",
        "head distiller",
        "artist",
        "owner",
        "shop dog",
        "office dog",
        "studio cat",
        "groomer",
        "instructor",
        "therapist",
        "stylist",
        "hairdresser",
        "pharmacist",
        "optician",
        "receptionist",
        "rider",
        "cyclist",
        "surfer",
        "climber",
        "founder",
        "boss",
        "manager",
        "tutor",
        "pupil",
        "ram",
        "gnome",
        "dog",
        "cat",
        "lads",
        "lad",
        "bloke",
        "fella",
    }
)
_ROLE = re.compile(
    r"\b(?:our|the|a|an|one|same|their|my|his|her)\s+(?:[a-z'’-]+\s+){0,2}?(?P<role>"
    + vocabulary.pattern(_ROLES)
    + r")\b",
    re.I,
)
_TITLES = r"(?:Dr\.?|Mr\.?|Mrs\.?|Ms\.?|Miss|Prof\.?|Grandpa|Grandma|Granny|Grandad|Nana|Nonna|Uncle|Auntie|Aunt|Coach|Chef|Captain|Sir|Dame)"
_NAME = re.compile(
    rf"(?:(?<=\s)|(?<=^)|(?<=[(\"“'‘]))(?P<name>(?:{_TITLES}\s+)?(?-i:[A-ZÀ-Ý][a-zà-ÿ'’-]+)(?:\s+(?-i:[A-ZÀ-Ý][a-zà-ÿ'’-]+))?)(?![\w])"
)
_CALLED = re.compile(
    r"\b(?:called|named|name is|name's|call (?:him|her|them|it))\s+(?P<name>(?-i:[A-ZÀ-Ý][\w'’-]+)(?:\s+(?-i:[A-Z][\w'’-]+))?)",
    re.I,
)
_ME = re.compile(r"\b(?:me|myself|i'?ll be|i'?m in it|i will be)\b", re.I)
_NOT_NAMES = vocabulary.words("not_names") | frozenset(_V["name_stop"]) | frozenset(_V["places"])
_STARTERS = frozenset(vocabulary.table("names")["sentence_starters"]["words"])
_PIECE_SPLIT = re.compile(
    r"\s*(?:[,;:()\[\]—–]|\s-\s|\.\s|\s(?:and\s+(?:wears?|has|had|is|always|usually)|wears?|wearing|has\s+got|"
    r"he'?s\s+got|she'?s\s+got|they'?ve\s+got|has|plus)\s)\s*",
    re.I,
)
_PIECE_LEAD = re.compile(
    r"^(?:(?:she|he|they|it|who|and|also|always|usually|often|kinda|sort\s+of|kind\s+of|in|a|an|her|his|their|"
    r"our|the|is|are|has|have|got|wears|wearing|with|plus|very|super|really|basically|dressed\s+in|typically|"
    r"mostly|everyone\s+knows|looks\s+like|like)\s+)+",
    re.I,
)
_IN_EVERY = re.compile(
    r"^\s*(?:we|i)\s+(?:want|need|would\s+like|'d\s+like)\s+|^\s*can\s+we\s+have\s+|"
    r"\s*\b(?:to\s+|should\s+|must\s+)?(?:be|appear|stay|look)\s+(?:the\s+same\s+)?(?:in\s+)?(?:every|each|all(?:\s+the)?)\s+(?:shots?|scenes?|frames?)\b",
    re.I,
)
_PIECE_STOP = re.compile(
    r"https?://|www\.|\.\w{2,4}/|[£$€]\d|\b(?:cta|end card|end frame|on screen|must say|must include|avoid|"
    r"tiktok|reels|youtube|instagram|facebook|linkedin|seconds|secs|\d+s\b)",
    re.I,
)


# Look words that also say other things ("little asterisk text", "top 3", "face of the brand").
_WEAK = frozenset(vocabulary.table("names")["weak_looks"]["words"])


@dataclass
class _Character:
    name: str
    looks: list[str] = field(default_factory=list)
    order: int = 0


_BUSINESS_TAIL = re.compile(
    r"\b(?:"
    + "|".join(re.escape(w) for w in _V["business_nouns"] if len(w) > 2)
    + r"|holidays|tours|services|group|ltd|llc|inc|gmbh)$",
    re.I,
)
_MONTHS_DAYS = re.compile(
    r"^(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|"
    r"nov(?:ember)?|dec(?:ember)?|mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:rs(?:day)?)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?)\W*$",
    re.I,
)


def _clean_name(at: int, name: str, window: str) -> tuple[int, str]:
    """Drop a sentence's first word glued to the name ("Is Marta" → "Marta") and a possessive;
    a contraction ("She's", "We'd") or a place ("in Korea") is no name."""
    words = name.split()
    while len(words) > 1 and words[0].lower() in _STARTERS:
        at += len(words[0]) + 1
        words = words[1:]
    name = " ".join(words)
    if re.search(r"['’](?:d|ll|re|ve|m|t)$", name, re.I):
        return at, ""
    name = re.sub(r"['’]s$", "", name)
    if _MONTHS_DAYS.match(name) or re.search(
        r"\b(?:in|at|near|around|across|visit|visiting)\s+$", window[max(0, at - 12) : at], re.I
    ):
        return at, ""
    starts_sentence = at == 0 or bool(re.search(r"(?:^|[.!?]\s+|\.\s\.\s)$", window[:at]))
    if (
        starts_sentence
        and len(words) == 1
        and not re.search(rf"(?<![.!?]\s)(?<!^)\b{re.escape(name)}\b", window[at + len(name) :])
        and not re.match(
            r"\s*(?:the\s+\w+\b|is\s+(?:our|the|a|an|their|his|her|my)\b|[,:(—–-]|(?:has|wears|should|will|must|can|could|and\s+(?:his|her|their))\b)"
            r"|['’]s\s+(?:in\b|the\b|our\b|got\b|always\b|usually\b)",
            window[at + len(name) :],
        )
    ):
        return at, ""  # a capital that only starts a sentence says nothing
    return at, name


def _is_name(word: str) -> bool:
    """A capitalised word that names someone, not a sentence's first word, a place or a look."""
    low = word.lower()
    first = low.split()[0]
    return not (low in _NOT_NAMES or first in _STARTERS or first in _NOT_NAMES or _LOOK.fullmatch(word))


def describes_a_look(text: str) -> bool:
    """Whether ``text`` holds a look word that says something on its own (not "top 3")."""
    return any(w.lower() not in _WEAK for w in _LOOK.findall(text))


def _described(sentence: str) -> bool:
    """Someone named or given a role, then described ("coach Ines (pink hair, sequinned leotard)",
    "use Marcus, our lead physio: bald, beard, green polo"): a character without a cue word."""
    strong = {w.lower() for w in _LOOK.findall(sentence) if w.lower() not in _WEAK}
    if len(strong) < 2 or _PIECE_STOP.search(sentence):
        return False
    return bool(
        _ROLE.search(sentence)
        or re.search(rf"\b{_TITLES}\s+[A-Z]", sentence)
        or _CALLED.search(sentence)
        or any(_is_name(m.group("name")) and m.start() > 0 for m in _NAME.finditer(sentence))
    )


def _windows(messages: Sequence[tuple[str, str]]) -> list[tuple[int, list[tuple[str, str]], bool]]:
    """(order, [(author, text), ...]) around every cue sentence: the sentence before it when that
    one describes someone, the cue, the two after it, and the next message's first sentence when
    no look has been given yet ("are u in it?" → "ya me the whole way thru, black gym vest")."""
    out: list[tuple[int, list[tuple[str, str]], bool]] = []
    for order, (author, text) in enumerate(messages):
        said = [s for s in sentences(text) if not is_injection(s)]
        for i, sentence in enumerate(said):
            if not (_LABEL.match(sentence) or _CUE.search(sentence) or _described(sentence)):
                continue
            before = said[i - 1] if i > 0 and not _CUE.search(said[i - 1]) else ""
            after = [s for s in said[i + 1 : i + 3] if not _CUE.search(s) or not _LOOK.search(sentence)]
            parts = [(author, x) for x in [before, sentence, *after[:2]] if x]
            if order + 1 < len(messages) and (
                i == len(said) - 1 or not any(_LOOK.search(x) for _, x in parts)
            ):
                nxt_author, nxt_text = messages[order + 1]
                nxt = sentences(nxt_text)[:2]
                if not any(_LOOK.search(x) for _, x in parts) or (
                    nxt
                    and re.match(r"\W*(?:she|he|they|his|her|their|it)\b", nxt[0], re.I)
                    and _LOOK.search(nxt[0])
                ):
                    parts += [(nxt_author, x) for x in nxt]
            out.append((order, parts, bool(before)))
    return out


def characters_of(
    messages: Sequence[tuple[str, str]], *, not_names: Sequence[str] = ()
) -> list[tuple[str, str]]:
    """(name, look) for each recurring character, in the order the thread introduces them.

    ``not_names`` are names the thread uses for other things (the product, the brand)."""
    others = {n.lower() for n in not_names if n} | {w.lower() for n in not_names if n for w in n.split()}
    cast: dict[str, _Character] = {}
    for order, parts, has_before in _windows(messages):
        window = " . ".join(x for _, x in parts)
        named: list[tuple[int, str]] = []
        quotes = [
            (q.start(), q.end())
            for q in re.finditer(r"[\"“][^\"”]{2,80}[\"”]|(?<!\w)'[^'\n]{2,80}'(?!\w)", window)
        ]
        for m in _CALLED.finditer(window):
            if _ROLE.search(window[max(0, m.start() - 40) : m.start()]):
                named.append((m.start("name"), m.group("name")))
        cue_at = window.find(parts[1][1]) if has_before and len(parts) > 1 else 0
        points_back = (
            bool(re.search(r"\b(?:she|he|they|him|her|them|it)\b", window[cue_at:], re.I)) if cue_at else True
        )
        for m in _NAME.finditer(window):
            if m.start() < cue_at and not points_back:
                continue  # a name in the sentence before, when the cue sentence names someone itself
            at, name = _clean_name(m.start("name"), m.group("name").strip(), window)
            if not name or name.lower() in others or not _is_name(name):
                continue
            if any(a <= at < b for a, b in quotes) or _BUSINESS_TAIL.search(name):
                continue  # "Book your free consultation" is a line; "Coach Holidays" a company
            if re.match(
                r"['’]s\s+(?!got\b|been\b|the\b|a\b|an\b|our\b|always\b|in\b|on\b)[a-z]",
                window[at + len(name) :],
            ):
                continue  # "Lorraine's clients": the owner of someone else
            if any(a <= at < a + len(n) for a, n in named):
                continue
            named.append((at, name))
        if not named:
            offset = 0
            for who, text in parts:
                me = _ME.search(text)
                handle = who.strip().split()[0] if who.strip() else ""
                if (
                    me
                    and len(handle) >= 2
                    and re.fullmatch(r"[\w.-]+", handle)
                    and handle.lower() not in ("user", "me")
                ):
                    named.append(
                        (offset + me.start(), handle[:1].upper() + handle[1:] if handle.isalpha() else handle)
                    )
                    break
                offset += len(text) + 3
        if not named:
            for m in _ROLE.finditer(window):
                named.append((m.start("role"), m.group("role").lower()))
                break
        if not named:
            continue
        named.sort()
        pieces: list[tuple[int, str]] = []
        pos = 0
        for piece in _PIECE_SPLIT.split(window):
            at = window.find(piece, pos)
            pos = max(pos, at + len(piece)) if at >= 0 else pos
            piece = _PIECE_LEAD.sub("", _IN_EVERY.sub("", piece).strip(" .!?'\"“”‘’*")).strip(" .!?'\"“”‘’*")
            strong = [w for w in _LOOK.findall(piece) if w.lower() not in _WEAK]
            if (
                not piece
                or len(piece.split()) > 12
                or _PIECE_STOP.search(piece)
                or not (strong or (_LOOK.search(piece) and len(piece.split()) <= 3))
            ):
                continue
            if any(
                piece == n or piece.startswith(n + " ") and len(piece.split()) <= len(n.split())
                for _, n in named
            ):
                continue
            pieces.append((max(at, 0), piece))
        for at, piece in pieces:
            owner = [n for a, n in named if a <= at] or [named[0][1]]
            name = owner[-1]
            character = cast.setdefault(name.lower(), _Character(name, order=order))
            if piece.lower() not in (x.lower() for x in character.looks):
                character.looks.append(piece)
    found = [c for c in cast.values() if c.looks]
    found = _merge_roles(found)
    found.sort(key=lambda c: c.order)
    return [(c.name, ", ".join(c.looks)) for c in found[:MAX_CHARACTERS]]


def _merge_roles(found: list[_Character]) -> list[_Character]:
    """ "barista" and "Jun" found in two windows about the same person: the named one keeps both looks."""
    named = [c for c in found if c.name[:1].isupper()]
    roles = [c for c in found if not c.name[:1].isupper()]
    if not named:
        return found
    for role in roles:
        target = named[0]
        for look in role.looks:
            if look.lower() not in (x.lower() for x in target.looks):
                target.looks.append(look)
    return named
