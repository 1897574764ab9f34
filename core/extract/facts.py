"""What the ad must say or show: prices, offer terms, dates, codes, legal lines.

A team says it in three ways, and each is read here:

- a cue before the facts: a label ("Mandatory:", "Legal line -", "Obligatory to show:") or a verb
  ("must mention the lifetime warranty", "has to say 'In Waitrose from 5 Jan'");
- a cue after them: "Gas Safe registered — mandatory on screen", "£24, pre-orders ship 1 Dec —
  both need to be on there", "HMRC-recognised must be on";
- no cue at all, in the offer itself: "£69, normally £95. til 31 Oct", "code FIRSTWASH = £10
  off first order", "open day — Saturday 11 January, 10am–4pm".

Quoted lines are kept whole ("'Only 18+, ID required'"); other facts are cut at commas into
clauses, each cut before the remark that follows it ("very important", "somewhere", "as a super
at the end"). Lengths, ages, budgets and production numbers are not facts to show.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cutroom.core.extract import vocabulary
from cutroom.core.extract.fields import has_character_cue, is_injection, sentences
from cutroom.core.extract.matching import key, longest_each

MAX_FACTS = 10
_CUES = vocabulary.table("fields")["fact_cues"]
_FACT_WORDS = [w for group in ("offer", "legal") for w in _CUES[group]]
_WEAK_FACT_WORDS = frozenset(
    [
        "free",
        "available",
        "trial",
        "vegan",
        "organic",
        "gluten-free",
        "in stock",
        "made in",
        "protected",
        "certified",
        "licensed",
        "accredited",
        "recognised",
        "recognized",
        "authorised",
        "authorized",
        "registered",
        "guarantee",
        "guaranteed",
        "warranty",
        "next-day",
        "same-day",
        "limited edition",
        "best price",
        "fairtrade",
        "b corp",
    ]
)


_MUSTWORD = (
    r"(?:must|mandatory|mandatories|obligatory|required|compulsory|need|needs|insist\s+on|has\s+to|have\s+to|gotta|"
    r"non[- ]negotiable|essential|legal\s+(?:wants|needs|says|requires|insists))"
)
_TOPIC = (
    r"(?:musts|must[- ]?(?:include|haves?|show|say|mention)|on[- ]screen(?:\s+text)?|supers?|legal(?:\s+lines?)?|"
    r"compliance(?:\s+lines?)?|disclaimers?|small\s+print|key\s+facts?|facts|offer(?:\s+details)?|promo|prices?|"
    r"pricing|rates?|finance(?:\s+line)?|deadline|terms|t&cs|details|info|include|show|mandatory|mandatories|"
    r"obligatory|required|stats?|proof\s+points?|claims?|usps?|deals?|specials?|bundle|say|mention|remember|important(?:\s+things?(?:\s+to\s+\w+)?)?)"
)
# "Mandatory:", "August offer -", "Real details:", "Price must be on it:", "Must be write:",
# "Things they insist on:", "Finance line is mandatory:", "price on screen:"
_LABEL = re.compile(
    rf"^\W*(?:(?:[\w'’&]+[,\s]+){{0,3}}{_TOPIC}(?:\s+(?:on[- ]screen|is|are|lines?|bits|text|copy)){{0,3}}|"
    rf"[^:.!?]{{0,40}}?\b{_MUSTWORD}\b[^:.!?]{{0,30}}?)(?:\s*\([^)]*\))?"
    r"\s*(?::|=|->|[-—–]+\s|(?<=\w)\s+(?:is|are)\s+(?=[£$€\d\"“'‘]))\s*(?P<rest>.+)$",
    re.I,
)
_BEFORE = re.compile(  # "must mention the lifetime warranty and the price, £325", "On screen we need '£420'"
    r"\b(?:must|has\s+to|have\s+to|needs?\s+to|gotta|got\s+to|should|please|pls|can\s+we|could\s+we|also|and|we)\s+"
    r"(?:also\s+)?(?:say|show|mention|include|put|add|feature|display|get\s+in|flag|state|note|(?:have|need)(?=\s+[\"“'‘]))\b\s*(?::\s*)?(?P<rest>.+)$",
    re.I,
)
_AFTER = re.compile(  # "Gas Safe registered — mandatory on screen", "HMRC-recognised must be on", "top 10, say it"
    r"^(?P<obj>.*?)\s*(?:[-—–,:]\s*)?(?:\b(?:both|all|these|those|that|thats|that's|it|this|each)\s+)?"
    r"(?:\b(?:is|are)\s+)?\b(?:must\s+be\s+(?:on|in|shown|visible|there|written|said)|mandatory\b|a\s+must\b|"
    r"(?:has|have|need|needs|gotta|got)\s+(?:to\s+)?be\s+(?:on|in|shown|visible|there|said|written)|"
    r"(?:must|has\s+to|have\s+to|needs?\s+to)\s+(?:stand|appear|feature)|(?:say|mention)\s+it\s*[.!]*$|"
    r"goes?\s+in\s+the\s+small\s+print|put\s+(?:both|it|them|that|these|those|all)\s+on[- ]?screen|on[- ]screen\s*(?:please|pls|too|as\s+well)?\s*[.!]?$)",
    re.I,
)
_QUESTION = re.compile(
    r"^\W*(?:\w+[,.]?\s+){0,3}(?:must[- ]?haves?|mandatory|mandatories|legal(?:\s+lines?)?|disclaimers?|prices?|pricing|offer|small\s+print|compliance|"
    r"must[- ]include|on[- ]screen\s+text|what'?s\s+(?:mandatory|required|a\s+must)|anything\s+(?:mandatory|required|legal))\b[^?]{0,40}\?\s*$",
    re.I,
)
_IN_SCENES = re.compile(
    r"\b(?:be|appear|star|feature)\s+in\s+(?:it|all|every|each|the\s+(?:whole|entire))\b(?:\s+(?:the\s+)?(?:scenes?|shots?|frames?|thing))?"
    r"(?=\s*(?:[—–,;.!]|\W*$|\s+(?:too|please|pls|obvs|lol|haha)))",
    re.I,
)
_REMIND = re.compile(  # "Make sure to show the logo, the price…", "Don't forget the 'T&Cs apply' line"
    r"\b(?:make\s+sure\s+(?:to|we|you|it)\s+|don'?t\s+forget\s+(?:to\s+)?|remember\s+to\s+)"
    r"(?:(?:show|say|include|mention|add|feature|have|put|display)s?\s+)?(?P<rest>.+)$",
    re.I,
)
_AVOIDING = re.compile(r"^\W*(?:don'?t|do not|no|never|avoid|nothing|skip|please don'?t|pls don'?t)\b", re.I)
_YES = re.compile(
    r"^\W*(?:(?:yes|yep|yeah|yup|ok|okay|sure|correct|right|both|all|still|the same)\b[\s,.!]*)+", re.I
)
_RETRACT = re.compile(
    r"\b(?:actually\s+no|scratch\s+that|forget\s+that|no\s+wait|leave\s+(?:it|that|the\s+\w+)\s+out|drop\s+(?:it|that))\b",
    re.I,
)
_ASKING = re.compile(
    r"^(?:(?:we\s+)?(?:need|want|would\s+like)|can\s+we\s+(?:get|do|have)|could\s+we\s+(?:get|do|have)|looking\s+for)\s+"
    r"(?:an?|the|our|some)?\s*(?:[\w-]+\s+){0,3}?(?:ad|advert|video|vid|spot|reel|promo|film|clip)\s+(?:for|about|of|on)\s+"
    r"(?:the|our|their|a)?\s*",
    re.I,
)
_HEADER = re.compile(r"^\W*(?:date|sent|from|to|cc|subject|re|fwd)\s*:", re.I)
_OTHER_FIELD = re.compile(
    r"^\W*(?:goal|aim|objective|kpi|audience|target|who(?:\s+for)?|tone|vibe|style|length|duration|runtime|"
    r"platforms?|format|channels?|cta|call to action|end card|end frame|end line|final frame|link|url|site|"
    r"characters?|mascot|cast|avoid|don'?ts?|no-gos?)\b[^:=]{0,15}(?::|=|->|[-—–]\s)",
    re.I,
)
_MONEY = r"(?:[£$€¥₹]\s?\d[\d,.]*(?:\s?(?:k|m|pp|pw|pm))?|\d[\d,.]*\s?(?:€|eur|euros?|usd|gbp|pounds|dollars|quid))"
_TOKENS = (
    rf"{_MONEY}|\b\d+(?:\.\d+)?\s?%|\b(?:code|promo code|discount code)\s+[A-Z0-9]{{3,}}\b|"
    r"\b[A-Z]{3,}\d{1,4}\b|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b|"
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\s+\d{1,2}(?:st|nd|rd|th)?\b|"
    r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm)\s?[-–]\s?\d{1,2}(?::\d{2})?\s?(?:am|pm)\b|"
    r"\b0\d{3,4}\s?\d{3}\s?\d{3,4}\b|\b\d{1,2}\+(?!\w)|"
    r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\s?[-–]\s?(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\b(?-i:[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})\b|"
    r"\b\d+(?:\.\d+)?\s?(?:TB|GB|kg|g|grams?|gram|km|miles|mph|hrs?|hours?|nights?|days?|months?|ml|l|litres?|liters?|cm|mm|kcal|watts?|W|kWh)\b(?![- ]olds?)|"
    r"\b\d+-(?:day|night|month|year|hour|week)\b|\b\d{1,4}\s+(?-i:[A-Z][a-z]+)\s+(?:st|street|rd|road|lane|ave|avenue|way|place|square|sq|row|court|close|drive)\b|"
    r"\b\d\.\d\s?(?:stars?|★|/5|rating)|\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*s\s+(?:in|through|during|from|until)\s+\w+|"
    r"\bbuy\s+\d+\s+get\b|\bget\s+the\s+\d+(?:st|nd|rd|th)\s+free\b|\b\d{5,}\b|\b(?:unit|suite)\s+\d+\b|"
    r"(?:^|\s)(?:over|under)\s+(?:16|18|21|25)s\b|\bfor\s+the\s+price\s+of\b|\bhalf[- ]price\b|\bbogof\b|\b\d+\s+for\s+\d+\b|"
    r"\bfree\s+(?:delivery|shipping|returns|cancellation|parking|trial|fitting|engraving|consultation|changes|taster|assessment|quote|first)\b|"
    r"\b(?:weekdays?|weekends?|mon-fri|members|new\s+users|new\s+customers)\s+only\b|\bonly\s+(?:in|on|until|till|til)\s+\w+|"
    r"\b(?:until|til|till|ends?|ending|valid\s+until|offer\s+ends)\s+(?:\d|the\s+\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|mon|tue|wed|thu|fri|sat|sun)"
)
_TOKEN = re.compile(_TOKENS, re.I)
_PRICE = re.compile(
    rf"{_MONEY}|\d\s?%", re.I
)  # kept even when the call to action repeats it  # a price, a rate, a code, a date, a time, a phone number, an age limit
_STRONG = re.compile(  # an offer or legal phrase that is a fact to show wherever it is said
    rf"\b(?:{vocabulary.pattern([w for w in _FACT_WORDS if w not in _WEAK_FACT_WORDS])})\b", re.I
)
_FACT = re.compile(rf"{_TOKENS}|\b(?:{vocabulary.pattern(_FACT_WORDS)})\b", re.I)  # or an offer or legal word
_PRODUCTION = re.compile(
    r"\b(?:last\s+(?:year|campaign|time|month|quarter)|cost\s+us|costs\s+us|we\s+(?:got|spent|paid)|our\s+(?:last|previous)\s+\w+|budget|fee\s+for\s+(?:the\s+)?(?:shoot|edit)|spend|cpm|cpc|agency|invoice|quote\s+for\s+the|"
    r"(?<!over\s)(?<!under\s)(?<![\d.])\d+\s?(?:s|sec|secs|seconds|min|mins|minutes)\b(?!\s+(?:set\s?up|setup|quote|delivery|response))|"
    r"shoot|edit|treatment|deadline\s+for\s+(?:the\s+)?(?:edit|draft|cut)|draft|storyboard|by\s+(?:thursday|friday|monday|tomorrow|eod))\b",
    re.I,
)
_QUOTE = re.compile(
    r"(?<!\w)(?:\"([^\"\n]{2,120}?)\"|“([^”\n]{2,120}?)”|‘((?:[^’\n]|’(?=\w)){2,120}?)’|'((?:[^'\n]|'(?=\w)){2,120}?)')(?!\w)"
)
_REMARK = re.compile(
    r"\s*(?:[-—–(]\s*)?\b(?:very\s+important|important|somewhere|anywhere|please|pls|plz|thanks|too|as\s+well|"
    r"on\s+(?:the\s+)?screen|in\s+the\s+(?:video|ad|vo|end\s+card)|in\s+small|as\s+a\s+super.*|at\s+the\s+end|"
    r"if\s+(?:that|it)\s+fits.*|if\s+possible|for\s+legal|legal\s+(?:says|needs|wants).*|our\s+lawyer.*|"
    r"boss\s+says|they\s+(?:insist|said|say).*|is\s+law.*|this\s+is\s+law.*|cos\s+.*|because\s+.*|lol|haha)\b.*$",
    re.I,
)
_LEAD = re.compile(
    r"^(?:(?:and|plus|also|along\s+with|with|that|the\s+line|the\s+text|the\s+words?|we'?re|we\s+are|"
    r"it'?s|its|it\s+is|it|they'?re|offer\s+is|which\s+is|the|a|an|our|their|use|using|we|we\s+must|must|(?:also\s+)?(?:show|say|mention|"
    r"include|put|add|display|feature)|has\s+to\s+say|have\s+to\s+say|needs?\s+to\s+say)\s+)+",
    re.I,
)
_EMPTY = re.compile(
    r"^(?:both|all|it|this|that|these|those|them|the\s+price|the\s+date|the\s+dates|the\s+times|the\s+offer|"
    r"on\s+screen|somewhere|legible|not|very\s+important|important|visible|bits|lines?|text|also|and|so|ok|okay|"
    r"we\s+must\s+say|must\s+say|what'?s|stats?|the|a|an|(?:that|this|the)\s+(?:number|price|figure|date|line|one|stat)|yes|yep|sure|both\s+prices|(?:the\s+)?number|put|"
    r"(?:the\s+)?(?:price|prices|dates?|times?)\s+(?:and|\+|&)\s+(?:the\s+)?(?:price|prices|dates?|times?))\W*$",
    re.I,
)
_LENGTH_ONLY = re.compile(
    r"^\d+\s?(?:s|sec|secs|seconds?|min|mins|minutes?)$|^\d+\s?[-–]\s?\d+$|^\d+\+?$", re.I
)


def _clauses(text: str, *, split_plus: bool = True) -> list[str]:
    """Quoted lines whole, the rest cut at commas, "+", ";" and " and " before a quote."""
    out: list[str] = []
    text = re.sub(r"\s*\((?![^)]*\d)[^)]*\)?", " ", text)  # "(WLTP)", "(fish costs...)": remarks
    quoted = [
        q.strip()
        for m in _QUOTE.finditer(text)
        if (q := next(g for g in m.groups() if g)) and re.search(r"\w{2,}", q)
    ]
    slots = iter(quoted)
    rest = _QUOTE.sub(
        lambda m: " | \u2063 | " if re.search(r"\w{2,}", next(g for g in m.groups() if g)) else " ", text
    )
    splitter = (
        r"\s*(?:,(?!\d|\s\d{4}\b)|(?<=\w):\s|\s[—–]\s|;|\||\s&\s(?=[£$€\d])|\band\s+(?=(?:the|a|an)\s+|[£$€\d])"
        + (r"|\s\+\s(?=[\"“'‘]|the\s))\s*" if split_plus else r")\s*")
    )
    pieces = re.split(splitter, rest)
    merged: list[str] = []
    for piece in pieces:
        if (
            merged
            and re.search(r"\b(?:unit|suite|flat|no\.?)\s*\d+$|^\d{1,4}\s+\w+", merged[-1], re.I)
            and re.fullmatch(r"(?-i:[A-Z][\w'’-]*)(?:\s+(?-i:[A-Z][\w'’-]*)){0,3}", piece.strip())
        ):
            merged[-1] = f"{merged[-1]}, {piece.strip()}"  # "Unit 4, Riverside Park": one address
        else:
            merged.append(piece)
    for part in merged:
        if part.strip(" |") == "\u2063":
            out.append(next(slots).lstrip("*").rstrip("*"))  # a quoted line, whole and in its place
            continue
        part = _REMARK.sub("", _LEAD.sub("", part.strip(" .:!?-—–*()"))).strip(" .:!?-—–*()")
        part = re.sub(r"\s+(?:and|or|plus|&|\+)$", "", part)
        if (
            quoted
            and not _TOKEN.search(part)
            and (
                len(part.split()) > 4
                or re.search(
                    r"\b(?:must|say|mention|include|show|need|needs|has|have|line|claim|wording)\b",
                    part,
                    re.I,
                )
            )
        ):
            continue  # "We must say '…' on screen": around the quotes, only the words that ask for them
        if part and not _EMPTY.match(part) and not _LENGTH_ONLY.match(part) and re.search(r"\w{2,}", part):
            out.append(part)
    return out


def _cued(sentence: str) -> list[str] | None:
    """The facts a sentence marks as required, or None when it has no must cue."""
    if (
        (_IN_SCENES.search(sentence) or has_character_cue(sentence))
        and not _TOKEN.search(sentence)
        and not (_LABEL.match(sentence) and re.search(r":\s*\S", sentence))
    ):
        return None  # "Pip the parrot must be in all the scenes", "Ray has to be in it": casting
    label = _LABEL.match(sentence)
    if label and not _OTHER_FIELD.match(sentence):
        return _clauses(label.group("rest"))
    if _QUOTE.search(sentence) and re.search(
        r"\b(?:must|mandatory|obligatory|required|compulsory|legal\s+(?:wants|needs|says|requires)|(?:has|have|needs?)\s+to\s+"
        r"(?:say|show|be|include|have)|(?:it\s+)?also\s+needs|super|small\s+print|on[- ]screen|exact\s+wording|insist|"
        r"the\s+line|in\s+the\s+vo|voice-?over)\b",
        sentence,
        re.I,
    ):
        return _clauses(sentence)  # "legal wants 'Weather permitting' as a super", "It also needs "£295""
    remind = _REMIND.search(sentence)
    if remind:
        return _clauses(remind.group("rest"))
    after = _AFTER.match(sentence)
    if after:
        return _clauses(after.group("obj"))
    before = _BEFORE.search(sentence)
    if before and (_FACT.search(before.group("rest")) or _QUOTE.search(before.group("rest"))):
        return _clauses(before.group("rest"))
    if before and re.search(rf"\b{_MUSTWORD}\b", sentence[: before.start("rest")], re.I):
        return _clauses(before.group("rest"))
    if before and re.search(
        r"\b(?:can\s+we|could\s+we|please|pls|should)\s+(?:also\s+)?(?:mention|say|include|add|state|note)\b",
        sentence,
        re.I,
    ):
        return _clauses(
            before.group("rest")
        )  # "Can we mention it sets up in 5 minutes?"; "could we feature a woman" is casting
    return None


_SPEAKER = re.compile(
    r"\b(?:(?:speaker|host|headliner)\s*:|hosted\s+by|presented\s+by|with\s+(?:special\s+)?guest)\s*(?P<a>(?:Dr\.?\s+|Prof\.?\s+)?(?-i:[A-Z][\w'’-]+)(?:\s+(?-i:[A-Z][\w'’-]+)){0,2})|"
    r"(?P<b>(?:Dr\.?\s+|Prof\.?\s+)?(?-i:[A-Z][\w'’-]+)(?:\s+(?-i:[A-Z][\w'’-]+)){0,2})\s+(?:will\s+be|is)\s+(?:speaking|hosting|presenting|headlining)",
    re.I,
)


_LINK = re.compile(
    r"<?(?:https?://|www\.)\S+|\b[\w-]+(?:\.[\w-]+)*\.(?:com|co|uk|io|app|org|net|shop|studio|ai|dev|me)\b(?:/\S*)?",
    re.I,
)


def _offered(sentence: str) -> list[str]:
    """Facts said without a cue: the clauses of an offer line that hold a price, a date, a code."""
    sentence = _LINK.sub(" ", sentence)  # a link is where viewers go, not a fact to show
    speaker = _SPEAKER.search(sentence)
    if speaker:
        return [(speaker.group("a") or speaker.group("b")).strip()] + [
            c for c in _clauses(sentence[speaker.end() :], split_plus=False) if _TOKEN.search(c)
        ]
    if _OTHER_FIELD.match(sentence):
        return []
    if _HEADER.match(sentence) or not (_TOKEN.search(sentence) or _STRONG.search(sentence)):
        return []
    if re.search(
        r"\b(?:budget|cost\s+us|we\s+(?:got|spent|paid)|last\s+(?:year|campaign)|shoot|deliver|draft|storyboard|treatment|edit)\b",
        sentence,
        re.I,
    ):
        return []  # about making or measuring the ad, not what it says
    return [
        _around_facts(c)
        for c in _clauses(sentence, split_plus=False)
        if _FACT.search(c)
        and len(c.split()) <= 22
        and not _PRODUCTION.search(c)
        and not re.match(r"(?:which|that|who|where)\b", c, re.I)
    ]


def _around_facts(clause: str) -> str:
    """A clause said in passing without the request around it: "Need an ad for the Riverside Half
    Marathon on June 8" → "Riverside Half Marathon on June 8"."""
    return _ASKING.sub("", clause).strip() or clause


def must_list(messages: Sequence[tuple[str, str]], *, skip: Sequence[str] = ()) -> list[str]:
    """Every fact the thread asks the ad to carry, in order, without repeats. ``skip`` holds text
    that is another field's (the call to action, the web address) and is never a fact to show."""
    cued: list[str] = []
    offered: list[str] = []
    skip_keys = [key(s) for s in skip if s and key(s)]
    asked = False
    for _, text in messages:
        answering, asked = asked, False
        previous: list[str] = []
        for line in text.split("\n"):
            if is_injection(line):
                continue
            for sentence in sentences(line.lstrip("> ")):
                if _OTHER_FIELD.match(sentence) and not _LABEL.match(sentence):
                    previous = []
                    continue
                got = _cued(sentence)
                if got is None and _QUESTION.search(sentence):
                    asked = answering = True
                    continue
                if got is not None and _RETRACT.search(sentence):
                    got = []  # "Also mention 'Free for 14 days' — actually no, leave the trial out"
                elif got is not None and not got and not previous and len(sentence.split()) <= 4:
                    asked = answering = True  # "what's mandatory" (no question mark)
                    continue
                elif got is not None and not got and previous:
                    got = previous  # "£24, pre-orders ship 1 Dec." then "both need to be on there"
                    offered = [o for o in offered if o not in previous]
                elif got is None and answering and not _AVOIDING.match(sentence):
                    answer = _YES.sub("", sentence)
                    got = [c for c in _clauses(answer) if len(c.split()) <= 8]
                    answering = False  # the answer is the first thing said after the question
                if got is not None:
                    cued += got
                    previous = []
                else:
                    previous = _offered(sentence)
                    offered += previous
    items = cued + [
        i
        for i in offered
        if _PRICE.search(i) or not any(k and (key(i) in k or k in key(i)) for k in skip_keys)
    ]  # "End with 'Start your free trial'" is the call to action, not a fact to show
    return settled(longest_each(items), said=[text for _, text in messages])[:MAX_FACTS]


_NEGATED = re.compile(
    r"^\W*not\s+(?:the\s+)?(?:[£$€]?\d|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)\w*\s+\d)", re.I
)
_FUNCTION_WORDS = vocabulary.words("function_words")
_REPLACING = re.compile(
    r"\b(?:now|instead|changed\s+to|updated\s+to|new\s+(?:price|date|offer|deal|discount))\b", re.I
)
_KINDS = {
    "price": re.compile(r"[£$€]\s?\d|\d\s?(?:p|pp|eur|usd|gbp)\b", re.I),
    "percent": re.compile(r"\d\s?%"),
    "date": re.compile(
        r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|"
        r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\s+\d{1,2}(?:st|nd|rd|th)?\b",
        re.I,
    ),
}


def _kinds(item: str) -> set[str]:
    return {kind for kind, pattern in _KINDS.items() if pattern.search(item)}


def settled(items: list[str], *, said: Sequence[str]) -> list[str]:
    """The facts as the thread last left them: "not £45" is the value that was replaced;
    "which of" says nothing; a value a later line replaces ("price is now £249", "30% off
    instead") is gone, and so is an earlier line with the same words and another number
    ("£45 for two" after "£40 for two")."""
    text = "\n".join(said).lower()

    def at(item: str) -> int:
        return text.rfind(item.lower())

    out = [
        i
        for i in items
        if not _NEGATED.match(i)
        and (re.search(r"\d", i) or not all(w in _FUNCTION_WORDS for w in key(i).split()))
    ]
    replaced: set[str] = set()
    for item in out:
        kinds = _kinds(item)
        if not kinds:
            continue
        masked = re.sub(r"\d[\d.,]*", "#", key(item))
        for other in out:
            if other == item or at(other) >= at(item) or at(other) < 0:
                continue
            same_words = re.sub(r"\d[\d.,]*", "#", key(other)) == masked and masked.strip("# ")
            if (
                _REPLACING.search(item) and _kinds(other) & kinds and not _REPLACING.search(other)
            ) or same_words:
                replaced.add(other)
    return [i for i in out if i not in replaced]
