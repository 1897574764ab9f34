"""Merge the whole-thread findings over the sentence rules, rate each field, ask one question.

The sentence rules (``rules.py``) are good at lengths, platforms, tone, colours and goals; the
whole-thread pass (``fields.py``) at names, calls to action, characters and lists. Where the
pass found something it wins; where it found nothing the rules' value stays, rated lower.

Each brief field gets a confidence from 0 to 1 in ``Extraction.confidence``: 0.9 when a label
said it, about 0.75 when a name was found by its shape, 0.5 for a guess from position, 0.3 for
a value only the sentence rules found, 0 when missing. A product or call to action under 0.6
makes the follow-up question say what was understood and ask to confirm it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cutroom.core.extract import names as naming
from cutroom.core.extract import ranking
from cutroom.core.extract.avoid import avoid_list
from cutroom.core.extract.characters import characters_of, describes_a_look
from cutroom.core.extract.facts import must_list
from cutroom.core.extract.fields import (
    LABELLED,
    NAME_STOP,
    SHAPED,
    Findings,
    audience_of,
    goal_of,
    has_character_cue,
    is_injection,
    name_of_domain,
    read_thread,
)
from cutroom.core.extract.matching import key as _key
from cutroom.core.extract.matching import within as _within
from cutroom.core.models import MAX_DURATION_S, Brief, Extraction

DOUBTFUL = 0.6
SURE = SHAPED - 0.05  # a whole-thread finding this sure replaces the sentence rules' value
_RULES_ONLY = 0.6  # the sentence rules alone: fine on their own phrasings, unproven elsewhere
_FIELD_NAMES = {
    "product": "product",
    "brand": "brand",
    "cta": "call to action",
    "url": "link",
}


def drop_injections(text: str) -> tuple[str, list[str]]:
    """The message without lines that try to instruct Cutroom ("ignore previous instructions"), and those lines."""
    lines = text.split("\n")
    kept = [line for line in lines if not is_injection(line)]
    return "\n".join(kept), [line for line in lines if is_injection(line)]


def injection_notice(count: int) -> str:
    return (
        f"Cutroom ignored {count} line(s) that tried to give it instructions "
        "(“ignore previous instructions” and the like); the rest of the thread was read as usual."
    )


def _other_name(found: Findings, product: str) -> str | None:
    """A capitalised name offered as the product that lost to a surer one, when the product was said
    as a name beside it: the company the thread also named."""
    best = found.product
    if best is None or best.confidence < LABELLED or str(best.value) != product:
        return None
    characters = {n for n, _, _ in found.characters}
    for candidate in found.candidates.get("product", []):
        name = str(candidate.value)
        if (
            re.fullmatch(r"[A-Z][\w'’&.-]*(?:\s+(?:&\s+)?[A-Z][\w'’&.-]*){0,3}", name)
            and not _within(name, product, extra=8)
            and not _within(product, name, extra=8)
            and not found.bad_name(name)
            and name not in characters
            and name.lower() not in NAME_STOP
        ):
            return name
    return None


LEARNED_PARTS = frozenset({"product", "brand"})  # the learned models merge applies (data/*.json)
_DROP_BRAND = 0.7  # how sure the brand ranker must be that there is no maker to drop the readers' one


def merge(
    extraction: Extraction,
    messages: Sequence[tuple[str, str]],
    *,
    editing: bool,
    bot_authors: frozenset[str],
    learned_parts: frozenset[str] = LEARNED_PARTS,
) -> Extraction:
    """``extraction`` with the whole-thread findings applied, confidences set, the question redone."""
    said = [(a, t) for a, t in messages if a.lower() not in bot_authors]
    found = read_thread(list(said), lists=editing)
    thread_text = "\n".join(t for _, t in said)
    brief = extraction.brief
    update: dict[str, object] = {}
    confidence: dict[str, float] = {}
    notices = list(extraction.notices)

    def rate(name: str, finding_conf: float | None, value: object) -> None:
        confidence[name] = finding_conf if finding_conf is not None else (_RULES_ONLY if value else 0.0)

    product = brief.product
    if product and not re.search(r"[^\W\d_]{3,}", product):
        product = None  # "4 Dec" is a date, not a product
    if found.product is not None:
        mine = str(found.product.value)
        if product and _within(mine, product):
            pass  # the rules' "Budgetly app" names the same thing as "Budgetly", with its noun
        elif found.product.confidence >= SURE or not product:
            product = mine
    if found.bad_name(product):
        product = None  # "4 Dec", "Christmas", "Leeds", "Marta here": what the thread said is no product
    audience, audience_confidence = audience_of(list(said))
    if (
        product
        and not editing  # a reply that names no product keeps the brief's
        and found.product is None
        and any(a and _within(product, a, extra=4) for a in (brief.audience, audience))
    ):
        product = None  # "a reel for office workers nearby": who it is for, not what it sells
    update["product"] = product
    rate(
        "product",
        found.product.confidence if found.product and product == found.product.value else None,
        product,
    )

    brand_name: str | None = None
    spelled = None if editing else name_of_domain(thread_text, str(found.url.value) if found.url else None)
    if found.brand is not None and not (
        spelled and found.brand.confidence < SHAPED and not _within(spelled, str(found.brand.value), extra=3)
    ):
        brand_name = str(found.brand.value)
    elif spelled:
        brand_name = spelled  # the company whose name the ad's own web address spells
    elif not editing and product and (other := _other_name(found, product)):
        brand_name = other  # "Ad for Mirelle. The hero is Duo, a cleanser": the other name is the maker
    elif editing or (brief.brand.name and product and _within(brief.brand.name, product, extra=8)):
        brand_name = brief.brand.name
    elif (
        brief.brand.name
        and product
        and not re.match(r"[A-Z0-9]", product)
        and re.match(r"[A-Z]", brief.brand.name)
        and not re.search(r"\d|&$", brief.brand.name)
        and brief.brand.name.lower() not in NAME_STOP
        and brief.brand.name not in {n for n, _, _ in found.characters}
    ):
        brand_name = brief.brand.name  # "the new summer menu at Taco Loco"
    elif product:
        run = re.match(r"(?:[A-Z][\w'’&.-]*|[A-Z0-9]{2,}[\w-]*)(?:\s+(?:&\s+)?(?:[A-Z][\w'’&.-]*))*", product)
        brand_name = run.group(0) if run else None
    if brand_name:
        brand_name = brand_name.strip(" .,;:&")
    if found.bad_name(brand_name):
        brand_name = None  # a city, a person or a date named near the product is not its brand
    update["brand"] = brief.brand.model_copy(update={"name": brand_name or None})
    rate("brand", found.brand.confidence if found.brand else None, brand_name)
    if not product and brand_name and not editing and (found.brand is not None or brand_name == spelled):
        # "Ironworks Gym here, we wanna do a promo": the business is what is advertised until told
        # otherwise; the low confidence makes the question ask to confirm it.
        update["product"] = brand_name
        confidence["product"] = DOUBTFUL - 0.1

    if found.cta is not None:
        update["call_to_action"] = str(found.cta.value)
    rate(
        "call_to_action",
        found.cta.confidence if found.cta else None,
        update.get("call_to_action", brief.call_to_action),
    )

    if found.url is not None:
        update["url"] = str(found.url.value)
    elif found.no_url and not editing:
        update["url"] = None
    rate("url", found.url.confidence if found.url else None, update.get("url", brief.url))

    if found.characters:
        names: list[str] = []
        looks: dict[str, str] = {}
        context = " ".join(found.character_sentences).lower()
        for name, _, look in found.characters:
            longer = next(
                (
                    c
                    for c in brief.characters
                    if _within(name, c, extra=3) and len(c) > len(name) and not re.search(r"[()—–:]", c)
                ),
                None,
            )
            names.append(longer or name)
            if look:
                looks[longer or name] = look
        for other in brief.characters:
            if other in names or any(_within(n, other, extra=3) for n in names):
                continue
            if (
                re.search(r"[()—–:]", other)
                or len(other.split()) > 4
                or other.lower() in NAME_STOP
                or has_character_cue(other)
            ):
                continue  # a fragment of a description, not someone new
            other_key = _key(re.sub(r"^(?:a|an|the|their|our|my)\s+", "", other, flags=re.I))
            in_look = any(other_key and other_key in _key(look) for _, _, look in found.characters)
            grouped = (
                re.search(rf"\bsame\s+(?:\w+\s+){{0,2}}{re.escape(other_key)}\b", _key(context))
                if other_key
                else None
            )
            nested = any(_key(n) and f" {_key(n)} " in f" {other_key} " for n in names) or any(
                other_key and f" {other_key} {_key(n)} " in f" {_key(context)} " for n in names
            )  # "our delivery rider, Sam": the rider is Sam
            if in_look or grouped or nested or other_key in {_key(n) for n in names}:
                continue  # the same person the whole-thread pass named ("a sales manager" is Dana)
            names.append(other)
        order = {c: i for i, c in enumerate(brief.characters)}
        names.sort(key=lambda n: order.get(n, len(order)))  # the rules' order first, as before
        update["characters"] = names[:6]
        update["character_looks"] = {n: looks[n] for n in names[:6] if n in looks}
        confidence["characters"] = 0.75
    else:
        confidence["characters"] = _RULES_ONLY if brief.characters else 0.6
    if not editing:
        brand_now = update["brand"].name if "brand" in update else brief.brand.name  # type: ignore[attr-defined]
        cast = characters_of(said, not_names=[str(update.get("product") or ""), brand_now or ""])
        # Beside those asked to stay the same across scenes, the figures the rules saw depicted
        # ("show a young runner", "a couple unwrapping a gift") are cast too, never the audience.
        rules_looks: dict[str, str] = dict(update.get("character_looks", brief.character_looks))  # type: ignore[call-overload]
        shown = [
            n
            for n in update.get("characters", brief.characters)  # type: ignore[attr-defined]
            if not _audience_word(n, str(update.get("audience") or brief.audience or ""), thread_text)
            and _depicted(n, thread_text)
        ]
        names_now: list[str] = []
        looks_out: dict[str, str] = {}
        for name, look in cast:
            fuller = next((n for n in shown if _within(name, n, extra=4) and len(n) > len(name)), name)
            names_now.append(fuller)  # "Amara Okafor" is "Amara Okafor, the speaker"
            if look:
                looks_out[fuller] = look
        for n in shown:
            if any(_same_figure(n, m) for m in names_now):
                continue
            bare = re.sub(r"^(?:a|an|the|our|my|one)\s+", "", n.split(",")[0], flags=re.I)
            if cast and not (
                re.match(r"[A-Z]", bare)
                or len(bare.split()) >= 2
                or re.match(r"(?:her|his|their)\s", n, re.I)
            ):
                continue  # "dog" beside "Biscuit": the role of someone already cast
            look = rules_looks.get(n, "")
            if (
                look
                and not describes_a_look(look)
                and (len(look.split()) >= 4 or re.search(r"[\d'\"‘“&]", look))
            ):
                look = ""  # the sentence around a name, not a look
                if re.fullmatch(r"[A-Z][\w'’&-]*(?:\s+[A-Z][\w'’&-]*)*", n):
                    continue  # "Price": "skate hire included, 7pm": a label or a company read as someone
            names_now.append(n)
            if look:
                looks_out[n] = look
        update["characters"] = names_now[:6]
        update["character_looks"] = {n: v for n, v in looks_out.items() if n in names_now[:6]}
        confidence["characters"] = 0.75 if cast else (0.6 if names_now else 0.6)
    if editing:
        # Iterating: what the brief had stays in its order; the new messages add to it.
        update["must_include"] = _union(list(brief.must_include), found.must_include)[:10]
        update["avoid"] = _union(list(brief.avoid), found.avoid)[:10]
    else:
        # Read afresh by their own readers (facts.py, avoid.py) over the whole thread.
        facts = must_list(
            said,
            skip=[
                str(update.get("call_to_action", brief.call_to_action) or ""),
                str(update.get("url", brief.url) or ""),
            ],
        )
        avoided = avoid_list(said)
        update["avoid"] = avoided
        avoided_keys = [_key(a) for a in avoided]
        update["must_include"] = [
            m
            for m in facts
            if not (
                re.match(r"\W*(?:no|not|never|nothing)\b", m, re.I)
                and any(a and f" {a} " in f" {_key(m)} " for a in avoided_keys)
            )
        ]  # "no razors", read by both: a thing to keep out, not a fact to show
    if found.duration_minutes is not None and found.duration_minutes * 60 > MAX_DURATION_S and not editing:
        asked = int(found.duration_minutes * 60)
        if brief.duration_s != MAX_DURATION_S and not any("longest" in n or "60 s" in n for n in notices):
            update["duration_s"] = MAX_DURATION_S
            notices.append(
                f"You asked for {asked} s; Cutroom makes ads of at most {MAX_DURATION_S} s, so this one is {MAX_DURATION_S} s."
            )
    goal, goal_confidence = goal_of(list(said), str(update.get("call_to_action", brief.call_to_action) or ""))
    if (
        goal
        and not (editing and goal_confidence < LABELLED)
        and not (brief.goal == "testimonial" and goal_confidence < LABELLED)
    ):
        update["goal"] = goal
    confidence["goal"] = goal_confidence if goal else 0.4
    if audience and (not editing or audience_confidence >= LABELLED):
        update["audience"] = audience
        confidence["audience"] = audience_confidence
    else:
        confidence["audience"] = _RULES_ONLY if brief.audience else 0.0
    for name in ("duration_s", "aspect_ratios", "tone"):
        confidence[name] = 0.7 if getattr(brief, name) else 0.0

    for name in dict.fromkeys(found.changed):
        value = getattr(found, name).value if getattr(found, name) is not None else None
        if value:
            notices.append(
                f"The thread changed the {_FIELD_NAMES.get(name, name)}; Cutroom used the latest: “{value}”."
            )
    if found.injections:
        notices.append(injection_notice(found.injections))
    clamped = [n for n in notices if n.startswith("You asked for") and "so this one is 60 s" in n]
    if (
        clamped
        and found.duration_minutes is None
        and found.lengths
        and 15 <= found.lengths[-1] < 60
        and not editing
    ):
        # The sentence rules took "a quote in 3 minutes" for the length; the thread said seconds.
        update["duration_s"] = max(15, min(60, found.lengths[-1]))
        notices = [n for n in notices if n not in clamped]
    said_lengths = list(dict.fromkeys(found.lengths))
    final_length = int(update.get("duration_s", brief.duration_s))  # type: ignore[call-overload]
    if len(said_lengths) > 2 and found.lengths[-1] == final_length and not editing:
        # Back and forth (three lengths or more): say which one won. One change is an ordinary edit.
        notices.append(
            "The length changed during the thread ("
            + ", ".join(f"{n} s" for n in said_lengths)
            + f"); Cutroom used the latest: {final_length} s."
        )
    if found.bad_url and found.url is None:
        notices.append(
            f"The link given (“{found.bad_url}”) is not a web address, so the ad has no link yet; "
            "reply with one, for example “Link: acme.com/trial”."
        )
    if len({p.lower() for p in found.products_named}) > 1:
        notices.append(
            "The thread names more than one product: " + ", ".join(dict.fromkeys(found.products_named)) + "."
        )

    settled = naming.settle(
        update.get("product", brief.product),  # type: ignore[arg-type]
        update["brand"].name if "brand" in update else brief.brand.name,  # type: ignore[attr-defined]
        text=thread_text,
        url=update.get("url", brief.url),  # type: ignore[arg-type]
        people={p.lower() for p in found.people} | naming.author_names(a for a, _ in said),
        candidates=[(str(c.value), c.confidence, c.order) for c in found.candidates.get("product", [])],
        characters=set(update.get("characters", brief.characters)),  # type: ignore[call-overload]
        editing=editing,
        refused=found.bad_name,
        product_confidence=confidence.get("product", 0.0),
    )
    if settled.product != update.get("product", brief.product):
        update["product"] = settled.product
        confidence["product"] = settled.product_confidence if settled.product_confidence is not None else 0.6
    if settled.brand != (update["brand"].name if "brand" in update else brief.brand.name):  # type: ignore[attr-defined]
        update["brand"] = brief.brand.model_copy(update={"name": settled.brand})
    ranked = ranking.thread_of(
        said,
        rules_product=update.get("product", brief.product),  # type: ignore[arg-type]
        rules_brand=update["brand"].name if "brand" in update else brief.brand.name,  # type: ignore[attr-defined]
        characters=list(update.get("characters", brief.characters)),  # type: ignore[call-overload]
        proposed=[str(c.value) for c in found.candidates.get("product", [])],
    )
    if "product" in learned_parts and not editing:
        chosen = ranking.best_product(ranked)
        ruled = str(update.get("product", brief.product) or "")
        if (
            chosen
            and ruled  # where the rules named nothing the question asks; a guess is no answer
            and not _same(chosen[0], ruled)
            and not (ruled and _within(chosen[0], ruled, extra=3))
            and not ranking.same_title(chosen[0], ruled, thread_text)
        ):
            # "Lotus Flow" inside the rules' "Lotus Flow yoga studio" names the same thing, with its noun
            update["product"] = naming.complete(chosen[0], thread_text)
            confidence["product"] = min(0.9, chosen[1])
    if "brand" in learned_parts and not editing:
        maker = ranking.best_brand(ranked, product=str(update.get("product", brief.product) or ""))
        ruled_brand = update["brand"].name if "brand" in update else brief.brand.name  # type: ignore[attr-defined]
        product_now = str(update.get("product", brief.product) or "")
        if (
            maker is not None
            and maker[0] is not None
            and ruled_brand
            and not _within(ruled_brand, product_now, extra=8)
            and _within(maker[0], product_now, extra=8)
        ):
            maker = None  # a part of the product's own name does not replace a maker named apart from it
        if maker is not None and (maker[0] is not None or not ruled_brand or maker[1] >= _DROP_BRAND):
            update["brand"] = brief.brand.model_copy(update={"name": maker[0]})
    if len({p.lower() for p in found.products_named}) > 1 and not editing:
        update["product"] = found.products_named[0]  # asked below which one; the first until then
    new_brief = Brief.model_validate({**brief.model_dump(), **{k: _dump(v) for k, v in update.items()}})
    missing = [name for name in ("product", "audience", "call_to_action") if not getattr(new_brief, name)]
    question = question_for(new_brief, missing, confidence, found)
    return extraction.model_copy(
        update={
            "brief": new_brief,
            "missing": missing,
            "question": question,
            "notices": list(dict.fromkeys(notices)),
            "confidence": confidence,
        }
    )


def _audience_word(name: str, audience: str, thread_text: str) -> bool:
    """``name`` names who the ad is for ("parents", "their parents"), not someone in it."""
    key = _key(re.sub(r"^(?:a|an|the|their|our|my|your)\s+", "", name, flags=re.I))
    if not key:
        return True
    if f" {key} " in f" {_key(audience)} ":
        return True
    near = re.compile(
        r"\b(?:for|aimed at|target\w*|audience\W*|who(?:'re| are)? we\s+\w+\s+to|pitching to|talking to|reach)\s+"
        r"(?:\w+\s+){0,3}?" + r"\s+".join(map(re.escape, key.split())) + r"\b",
        re.I,
    )
    return bool(near.search(thread_text))


_DEPICTING = re.compile(
    r"\b(?:show|shows|showing|feature|features|featuring|starring|stars?|cast|mascot|character|open(?:s|ing)?\s+(?:on|with)|"
    r"end(?:s|ing)?\s+(?:on|with)|close(?:s)?\s+on)\W+(?:\w+\W+){0,3}$",
    re.I,
)


_SCENE = re.compile(  # a sentence that stages a scene: "show…", "a woman walking her dog", "with a corgi puppy"
    r"\b(?:show|shows|showing|feature|featuring|starring|cast|mascot|open(?:s|ing)?\s+on|end(?:s|ing)?\s+(?:on|with)|"
    r"should\s+be\s+in\s+it|be\s+in\s+(?:it|the\s+ad|every)|plating|walking|cuddling|holding|playing|running|dancing|"
    r"unwrapping|cooking|eating|drinking|laughing|smiling|sitting|riding|jumping|hugging|opening|using|doing)\b|(?:^\W*|,\s*)with\s+an?\s",
    re.I,
)


def _depicted(name: str, thread_text: str) -> bool:
    """The thread puts ``name`` on screen: after "show", "featuring", "Cast:" and the like, or as
    the subject of a short scene line ("a couple unwrapping a gift")."""
    first = _key(
        re.sub(r"^(?:a|an|the|their|our|my|your|her|his)\s+", "", name.split(",")[0], flags=re.I)
    ).split()
    if not first:
        return False
    word = re.escape(first[0])
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", thread_text):
        m = re.search(rf"\b{word}\b", sentence, re.I)
        if not m:
            continue
        if _DEPICTING.search(sentence[: m.start()]) or _SCENE.search(sentence):
            return True
        if (
            re.match(r"\W*(?:a|an|the|two|three|our|my)?\s*(?:\w+\s+){0,2}$", sentence[: m.start()], re.I)
            and len(sentence.split()) <= 8
        ):
            return True
    return False


def _same_figure(a: str, b: str) -> bool:
    """Two names for one figure: one holds the other ("Jun" and "Jun, the barista"), or both
    are the same role ("barista", "the barista")."""
    ka = _key(re.sub(r"^(?:a|an|the|our|my|their|her|his)\s+", "", a.split(",")[0], flags=re.I))
    kb = _key(re.sub(r"^(?:a|an|the|our|my|their|her|his)\s+", "", b.split(",")[0], flags=re.I))
    return bool(ka and kb) and (
        f" {ka} " in f" {kb} " or f" {kb} " in f" {ka} " or _key(a) in _key(b) or _key(b) in _key(a)
    )


def _union(first: list[str], more: list[str]) -> list[str]:
    out = list(first)
    for item in more:
        if not any(_within(item, o, extra=40) for o in out):
            out.append(item)
    return out


def _dump(value: object) -> object:
    return value.model_dump() if hasattr(value, "model_dump") else value


def _same(a: str, b: str) -> bool:
    return " ".join(a.lower().split()) == " ".join(b.lower().split())


def question_for(
    brief: Brief, missing: list[str], confidence: dict[str, float], found: Findings
) -> str | None:
    """One question: what was understood, then what is missing or doubtful.

    "I read the product as Acme Invoice, and no call to action yet: what should viewers do at
    the end?" A thread naming two products asks which one.
    """
    from cutroom.core.extract.rules import follow_up_question

    products = list(dict.fromkeys(p for p in found.products_named))
    if len({p.lower() for p in products}) > 1:
        names = " or ".join(f"“{p}”" for p in products[:3])
        return f"This thread names more than one product ({names}): which one is this ad for?"
    doubtful_product = bool(brief.product) and confidence.get("product", 0) < DOUBTFUL
    doubtful_cta = bool(brief.call_to_action) and confidence.get("call_to_action", 0) < DOUBTFUL
    essentials_unsure = (
        doubtful_product or doubtful_cta or "product" in missing or "call_to_action" in missing
    )
    if not essentials_unsure:
        return follow_up_question(missing)  # only the audience: the plain question
    understood: list[str] = []
    asks: list[str] = []
    if brief.product:
        brand = brief.brand.name
        maker = f" from {brand}" if brand and not _within(brand, brief.product, extra=8) else ""
        understood.append(f"the product as {brief.product}{maker}")
        if doubtful_product:
            asks.append("is that the product")
    if brief.call_to_action:
        understood.append(f"the call to action as “{brief.call_to_action}”")
        if doubtful_cta:
            asks.append("is that how it should end")
    elif "call_to_action" in missing:
        understood.append("no call to action yet")
    if not understood or (not brief.product and not brief.call_to_action):
        return follow_up_question(missing)
    rest = follow_up_question(missing)
    tail = rest[0].lower() + rest[1:] if rest else ""
    if asks and tail:
        tail = " or ".join(asks) + "? And " + tail
    elif asks:
        tail = " or ".join(asks) + "?"
    return f"I read {', and '.join(understood)}: {tail}" if tail else None
