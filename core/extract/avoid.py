"""What the thread asks to keep out of the ad, from every way a team says it.

Cues: a label ("Avoid:", "No-gos -", "Don't —" and the bullets under it), a verb ("stay away
from", "don't show", "can't say", "the client hates"), "no X" at the start of a clause ("no dead
rats, no cartoon bugs"), "please not X", and the answer to a question about it ("avoid?" →
"robots. AI sparkle emoji. messy desks").

Not avoid: a benefit ("no monthly fee", "on screen: no card needed"), an idiom ("no rush", "no,
20s"), a contrast ("joy not guilt", "Nestaway now, not ClearNest"), and the reason given after an
item ("avoid: fish and chips, it's a posh place"). Word lists are data (``data/avoid.json``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cutroom.core.extract import vocabulary
from cutroom.core.extract.fields import AVOID_FOLLOWERS, BENEFIT_NOUNS, is_injection, sentences
from cutroom.core.extract.matching import key, longest_each

_T = vocabulary.table("avoid")
MAX_ITEMS = 10


_LABEL = re.compile(
    rf"^\W*(?:{vocabulary.pattern(_T['labels'])})\s*(?::|=|->|[-—–]+\s|[-—–]+$)\s*(?P<rest>.*)$", re.I
)
_LABEL_LOOSE = re.compile(
    r"^(?P<head>[^:]{0,70}\b(?:avoid|don'?t\s+want|do\s+not\s+want|not\s+want|no[- ]gos?|leave\s+out|stay\s+away\s+from|"
    r"don'?ts|keep\s+out|steer\s+clear|off[- ]limits|never\s+show)\b[^:]{0,40}):\s*(?P<rest>.*)$",
    re.I,
)
_QUESTION = re.compile(rf"(?:^|[.!?]\s+)\W*(?:{vocabulary.pattern(_T['questions'])})\s*\?+\s*$", re.I)
_VERB = re.compile(rf"\b(?:{vocabulary.pattern(_T['verbs'])})\b[:\s]*(?P<rest>.+)$", re.I)
_NO = re.compile(
    r"(?<![\w'’-])(?<!\bis )(?<!\bwas )(?<!\bare )(?<!\bhas )(?<!\bhave )(?<!\bwith )(?<!\bzero )"
    r"(?<!\byes or )(?<!\bor )(?<!\bsays )(?<!\bsay )(?<!\bneeds )(?<!\bneed )(?<!\(|\[)(?<!\( )"
    r"(?P<no>(?i:no\s+one|no-one|nobody|no|nothing))\s+(?P<rest>.+)$"
)
_PLEASE_NOT = re.compile(
    r"\b(?i:please|pls|plz|definitely|absolutely)\s+(?:not|NOT)\s+(?P<rest>.+)$|\b(?i:and)\s+not\s+(?=too\b|overly\b)(?P<andnot>.+)$|"
    r"\bNOT\s+(?P<caps>.+)$|"
    r"(?:^|[,;.]\s*|\b(?i:and|but|just|also|so)\s+)(?i:not\s+too|not\s+overly|less)\s+(?P<soft>(?!(?i:is|than|of|time|money|more|and|or)\b)[\w-]+)|"
    r"(?:[,;]\s*|\b(?i:but)\s+)(?i:not)\s+(?:(?i:a|an)\s+)?(?P<tone>[a-z][\w-]+(?:\s+(?!one\b)[a-z][\w-]+)?)(?:\s+one)?\s*(?=[,.;!?]|$)"
)
_BULLET = re.compile(r"^\s*(?:[-*•·–—]|\d{1,2}[.)])\s+(?P<rest>.+)$")
_BOUNDARY = re.compile(r"[.;!?\[\]\n]|\s[—–-]+\s|[—–]|\s->|→|\s\+\s|[\U0001F000-\U0001FAFF\u2600-\u27BF]")
_DISLIKE = re.compile(
    r"\b(?:client|clients|they|she|he|we|i|boss|owner|team|legal|everyone)\s+(?:really\s+|absolutely\s+)?"
    r"(?:hates?|HATES?|dislikes?|can'?t stand|loathes?)\s+(?P<rest>.+)$",
    re.I,
)
_LIST_SPLIT = re.compile(
    r"\s*,\s*|\s+or\s+(?!so\b)|\s+/\s+|\s+and\s+(?=(?:no|not|don'?t|never|nothing|any|anything|please|pls)\b)|\s+nor\s+|\s*·\s*|\s+&\s+(?=no\b)"
)
_LEADS = re.compile(
    r"^(?:(?:no|not|any|anything|those|these|show|showing|shows|use|using|include|including|feature|featuring|"
    r"make\s+(?:it|them|him|her|the\s+\w+)(?:\s+look(?:ing)?)?(?:\s+like)?|nothing(?:\s+(?:about|of|with|that|like))?|"
    r"no\s+one|nobody|no-one|"
    r"put|mention|mentioning|say|saying|see|seeing|have|having|of|a|an|also|and|or|more|with|plus|like|"
    r"those|that|any\s+kind\s+of|kind\s+of|sort\s+of|type\s+of|types\s+of|to|the\s+words?|words?|please|pls|"
    r"avoid|avoiding|don'?t|do\s+not)(?:\s+|$))+",
    re.I,
)
_REASON = re.compile(
    rf"(?:^|\s)(?:{vocabulary.pattern(_T['reasons'])})(?=\s|$|[,:])", re.I
)  # the list ends here
_REMARK = re.compile(
    rf"(?:^|\s)(?:{vocabulary.pattern(_T['remarks'])})(?=\s|$|[,:])", re.I
)  # this item ends here
_ASIDE = re.compile(
    r"\b(?:apparently|obviously|honestly|tbh|i guess|i think|lol|haha|nightmare|awful|terrible)\b", re.I
)
_AFTER_NO = frozenset(_T["after_no"])
_PAREN_REMARK = re.compile(
    r"\b(?:they|we|it|its|it's|i|you|he|she|is|are|was|were|because|as|since|sorry|lol|haha|rules|legal|client|boss|"
    r"apparently|obviously|see|above|below|eg|e\.g|ie|i\.e|not|no|please|pls|\d+)\b|^\s*$",
    re.I,
)
_IN_IT = re.compile(
    r"\s+(?:in\s+there|in\s+here|(?:in|on|at|into)\s+(?:it|them|shot|frame|camera|screen|(?:the|this|any|our|every|each)\s+"
    r"(?:ad|advert|video|vid|shots?|frames?|film|edit|spot|scenes?)))$",
    re.I,
)
_NO_GO = re.compile(  # "stock footage is a no-go", "keep politics out of it"
    r"(?:^|[,;:]\s*|\b(?:and|but|also|so)\s+)(?P<item>[\w'’ -]{3,40}?)\s+(?:is|are)\s+(?:a\s+)?(?:hard\s+|big\s+|total\s+)?"
    r"(?:no-go|no go|no-no|no no|off[- ]limits|off the table|banned|not allowed|forbidden)\b|"
    r"\bkeep\s+(?P<kept>(?!it\b|them\b|this\b|that\b)[\w'’ -]{3,40}?)\s+out\s+of\b",
    re.I,
)
_CLAUSE = re.compile(  # a later part of a list that is a sentence of its own ("Motus Mobility asked")
    r"\b(?:is|are|was|were|gets?|got|will|would|'ll|seems?|feels?|looks\s+(?:wrong|bad|weird|cheap|off|odd|terrible|awful|tacky)|thinks?|says?|said|wants?|asked|asks|"
    r"hates?|loves?|finds?|knows?|means?|makes?|goes|went|can|could|should|must)\b",
    re.I,
)
_NOT_A_THING = frozenset(vocabulary.table("fields")["avoid_not_a_thing"])  # "gets lost", "keep it real"
_PRONOUNS = frozenset(_T["pronouns"])
_BENEFITS = frozenset(BENEFIT_NOUNS)
_VISUAL = frozenset(AVOID_FOLLOWERS)
_SHOWN = re.compile(
    r"\b(?:must|mandatory|on[- ]screen|has to|have to|needs? to (?:be|say)|include|selling point|key message|usp|"
    r"benefits?|perks?|lead with|headline|plus|pitch|highlight|promise|say it|mention that)\b",
    re.I,
)
_NEEDED = re.compile(r"\b(?:needed|required|necessary|involved|attached|needed\.)\b", re.I)
_LENGTH = re.compile(r"^\d+\s*(?:s|sec|secs|seconds?|min|mins|minutes?)?$", re.I)


def _items(rest: str, *, after_no: bool) -> list[str]:
    """The things named in ``rest`` up to the end of the clause, a list split at its commas and
    "or"s, each cut before the reason that follows it."""
    rest = re.sub(r"\s*\([^)]*\)?", " ", rest)  # "(they don't own any)": a remark, not an item
    rest = _BOUNDARY.split(rest, maxsplit=1)[0]
    out: list[str] = []
    parts: list[str] = []
    for part in _LIST_SPLIT.split(rest):
        halves = re.split(r"\s+and\s+", part, maxsplit=1)
        if (
            len(halves) == 2
            and all(len(h.split()) >= 2 for h in halves)
            and not re.search(r"\b(?:is|are|was)\b", part)
        ):
            parts += halves  # "messy desks and crying toddlers": two things; "fish and chips" stays one
        else:
            parts.append(part)
    for n, part in enumerate(parts):
        part = _LEADS.sub("", part.strip(" '\"“”‘’*:")).strip()
        if not part:
            continue
        if n and _ASIDE.search(part) and not re.match(r"(?:no|nothing|any|avoid)\b", part, re.I):
            break  # "no Pac-Man, copyright nightmare apparently": a remark, not another item
        if (
            _REMARK.fullmatch(f" {part.strip()}")
            or re.search(r"\b(?:is|are|was|were)\b", part)
            and not out
            and n
        ):
            continue  # "…, I'm begging", "…, the kit is wood"
        if n and out and re.match(r"(?:just|only|instead|rather|but)\b", part, re.I):
            break  # "no instructor on camera, just pupils": the contrast ends the list
        if re.match(r"(?:for|in|on|at|to|as)\s", part, re.I) or re.search(r"\b\w+\s+thing$", part, re.I):
            continue  # "NOT for the end card", "…, ASA thing"
        reason = _REASON.search(part)
        if reason and reason.start() == 0:
            if out:
                break  # "fish and chips, it's a posh place": the rest of the list is the reason
            reason = None
        if reason:
            part = part[: reason.start()]
        remark = _REMARK.search(part)
        if remark and remark.start() > 0:
            part = part[: remark.start()]
        visual = any(w in _VISUAL for w in part.lower().split())  # "no plastic straws in shot"
        part = _LEADS.sub("", part.strip()).strip(" '\"“”‘’*:,()")
        part = _IN_IT.sub("", f" {part}").strip()
        words = part.lower().split()
        if not words or len(words) > 8:
            if reason:
                break
            continue
        if after_no and not out and (words[0] in _AFTER_NO or " ".join(words[:2]) in _AFTER_NO):
            break  # "no idea, some copy-paste": an idiom, and what follows it is no list
        if (
            key(part) in _PRONOUNS
            or words[0] in _NOT_A_THING - {"lost", "nice", "good", "great", "bad", "find", "found"}
            or words[-1] in _NOT_A_THING
            or (out and _CLAUSE.search(part))
            or words[0] in ("i", "we", "you", "they", "it", "it's", "its", "is", "are", "be")
            or _LENGTH.match(part)
            or (after_no and (words[0] in _AFTER_NO or " ".join(words[:2]) in _AFTER_NO))
            or (
                after_no
                and not visual
                and any(w in _BENEFITS or w.removesuffix("s") in _BENEFITS for w in words[:3])
                and not any(w in _VISUAL for w in words)
            )
            or (after_no and _NEEDED.search(part))
        ):
            if reason:
                break
            continue
        out.append(part.replace("\u201a", ","))
        if reason:
            break
    return out


def _label(sentence: str) -> re.Match[str] | None:
    """ "Avoid:", or a short head that says so ("Things we really want to avoid (trustees!):")."""
    return _LABEL.match(sentence) or _LABEL_LOOSE.match(re.sub(r"\s*\([^)]*\)", "", sentence))


def _sentence_items(sentence: str) -> list[str]:
    """Every item a sentence asks to avoid, by whichever cues it uses, in the order they are said."""
    found = _cued_items(sentence)
    return [item for _, item in sorted(found, key=lambda pair: pair[0])]


def _cued_items(sentence: str) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    label = _label(sentence)
    if label:
        for clause in re.split(r";", label.group("rest")):
            out += [(label.start("rest"), i) for i in _items(clause, after_no=False)]
    for m in _VERB.finditer(sentence):
        out += [(m.start("rest"), i) for i in _items(m.group("rest"), after_no=False)]
    for m in _DISLIKE.finditer(sentence):
        out += [(m.start("rest"), i) for i in _items(m.group("rest"), after_no=False)]
    for m in _NO_GO.finditer(sentence):
        out += [(m.start(), i) for i in _items(m.group("item") or m.group("kept") or "", after_no=False)]
    start = 0
    while (no := _NO.search(sentence, start)) is not None:
        m = no
        start = m.start("rest")
        if sentence[: m.start()].count("(") > sentence[: m.start()].count(")"):
            continue  # "(SPF 50, no white cast)": a description in brackets
        rest = m.group("rest")
        if m.group("no").lower() == "nothing":
            rest = re.sub(r"^(?:with|that|too much|like)\s+", "", rest, flags=re.I)
        items = _items(rest, after_no=True)
        if m.group("no").lower() in ("no one", "no-one", "nobody") and not re.match(
            r"(?:\w+\s+)?\w+ing\b", rest
        ):
            continue  # "nobody watches longer": a remark; "no one drinking on camera": something not to show
        if _SHOWN.search(sentence) and not re.search(
            r"\b(?:can'?t|cannot|don'?t|mustn'?t|avoid|never)\b", sentence[: m.start()], re.I
        ):
            items = [
                i for i in items if any(w in _VISUAL for w in i.lower().split())
            ]  # "on screen: no card needed"
        out += [(m.start(), i) for i in items]
    for m in _PLEASE_NOT.finditer(sentence):
        if sentence[: m.start()].count("(") > sentence[: m.start()].count(")"):
            continue
        if m.group("tone") and not (
            re.search(r"\b(?:tone|vibes?|feel|style|mood|look|energy|aesthetic)\b", sentence, re.I)
            or re.fullmatch(
                r"\W*\w+(?:\s+\w+)?\s+and\s+\w+(?:\s+\w+)?\W*", sentence[: m.start()]
            )  # "friendly and reassuring"
        ):
            continue  # "warm, not clinical" in a tone line; "joy, not guilt" elsewhere is a contrast
        said = (
            m.group("rest")
            or m.group("andnot")
            or m.group("caps")
            or m.group("soft")
            or m.group("tone")
            or ""
        )
        said = re.sub(r"^(?:too|overly|so)\s+", "", said, flags=re.I)  # "and not too luxurious"
        out += [(m.start(), i) for i in _items(said, after_no=True)]
    return out


def _sentences(text: str) -> list[str]:
    return sentences(text)


def avoid_list(messages: Sequence[tuple[str, str]]) -> list[str]:
    """The avoid list of a whole thread, in the order it was said, without repeats."""
    found: list[str] = []
    asked = False
    for _, text in messages:
        lines = [line for line in text.split("\n") if not is_injection(line)]
        answer = asked
        asked = False
        listing = False
        for line in lines:
            bullet = _BULLET.match(line)
            if listing and bullet:
                found += _items(bullet.group("rest"), after_no=False)
                continue
            listing = False
            for sentence in _sentences(line):
                label = _label(sentence)
                if label and not label.group("rest").strip():
                    listing = True
                    continue
                items = _sentence_items(sentence)
                if (
                    not items
                    and answer
                    and not _QUESTION.search(sentence)
                    and not re.search(r"[:\"“]|\w\.\w", sentence)
                ):
                    items = _items(sentence, after_no=False)  # "avoid?" → "robots. AI sparkle emoji."
                found += items
            if _QUESTION.search(line.strip()):
                asked = True
    return longest_each(found)[:MAX_ITEMS]
