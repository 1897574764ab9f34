"""Thread to brief, offline: the embedded ``heuristic`` extractor.

Marketers do not fill forms in chat; they say "30s for TikTok, playful, end on Shop now" over
five messages and change their minds in the sixth. This reads a thread the way a producer
would, sentence by sentence in order, so a later message overrides an earlier one:

    raw ──parse_thread──▶ Message* ──clean, cap──▶ sentences ──matchers──▶ _Draft ──▶ Extraction
                                                                    │
                                               whatever no matcher took ──▶ brief.notes

Everything a matcher does not understand is kept in ``notes`` (never dropped silently), and
every value that had to be changed (a 90 s request clamped to 60 s, a 5 MB message trimmed)
is said in ``notices``. Text is data: a message that addresses "the bot" is just more text.

With ``base`` (iterating on a brief already made) the draft starts from that brief and the
new messages change only what they mention: "punchier", "use our blue", "make it 15 s",
"swap the dog for a cat".

A reply to a question in the thread ("who's it for?" / "college kids in Austin") fills the
field asked about, so a bot's own follow-up question and the user's short answer work too.

Deterministic and bounded: regexes compiled once; every message (20,000 characters), the
thread (60,000 characters, 500 messages, 1,200 sentences) and each pattern (16 matches per
sentence of at most 1,000 characters) capped before any matching, and every cut said in a
notice.
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from cutroom.core import looks
from cutroom.core.backends import extractors
from cutroom.core.errors import InputError
from cutroom.core.extract.confidence import LEARNED_PARTS, drop_injections, injection_notice, merge
from cutroom.core.extract.threads import sort_key
from cutroom.core.limits import MAX_MESSAGE_CHARS, MAX_MESSAGES, MAX_THREAD_CHARS
from cutroom.core.models import MAX_DURATION_S, MIN_DURATION_S, AspectRatio, Brief, Extraction, Goal, Message
from cutroom.core.text import clean_block, clean_inline, has_letters, strip_chat_markup

# ── limits ──────────────────────────────────────────────────────────────────────────────

MAX_SENTENCE_CHARS = 1_000
MAX_MATCHES = 16
MAX_SENTENCES = 1_200
MAX_NOTES = 30
MAX_NOTE_CHARS = 300
MAX_NOTES_TOTAL_CHARS = 4_000
MAX_LIST_ITEMS = {"tone": 6, "platforms": 8, "palette": 6, "characters": 6, "must_include": 10, "avoid": 10}
ESSENTIALS = ("product", "audience", "call_to_action")
#: Authors whose messages are Cutroom's own (bots post as these): read for questions only.
BOT_AUTHORS = frozenset({"cutroom", "cutroom bot", "cutroom-bot", "cutroom (bot)"})

# Strength of a statement: a later message overrides an earlier one of the same or lower
# strength, and an explicit label ("CTA: Shop now") beats a passing mention later on.
WEAK, PLAIN, LABELLED = 1, 2, 3


def _words(text: str) -> frozenset[str]:
    """A word set written as one readable string."""
    return frozenset(text.split())


# ── vocabularies ────────────────────────────────────────────────────────────────────────

_TONES: dict[str, tuple[str, ...]] = {
    "playful": (
        "playful",
        "fun",
        "cheeky",
        "whimsical",
        "lighthearted",
        "light-hearted",
        "quirky",
        "silly",
        "colorful",
        "colourful",
    ),
    "funny": ("funny", "humorous", "humourous", "hilarious", "witty", "comedic", "tongue-in-cheek"),
    "premium": ("premium", "high-end", "upscale", "elevated", "sophisticated", "polished", "classy"),
    "luxurious": ("luxurious", "luxury", "luxe", "opulent", "indulgent"),
    "elegant": ("elegant", "refined", "graceful", "chic"),
    "warm": ("warm", "cozy", "cosy", "welcoming", "homey", "inviting"),
    "friendly": ("friendly", "approachable", "down-to-earth"),
    "bold": ("bold", "daring", "confident", "striking"),
    "energetic": (
        "energetic",
        "high-energy",
        "high energy",
        "punchy",
        "dynamic",
        "upbeat",
        "hype",
        "hyped",
        "fast-paced",
        "exciting",
        "vibrant",
    ),
    "calm": ("calm", "calming", "soothing", "serene", "relaxed", "chill", "peaceful", "tranquil"),
    "heartfelt": ("heartfelt", "emotional", "moving", "touching", "heartwarming", "heart-warming", "tender"),
    "inspiring": (
        "inspiring",
        "inspirational",
        "uplifting",
        "aspirational",
        "motivational",
        "motivating",
        "empowering",
        "hopeful",
    ),
    "minimal": ("minimal", "minimalist", "minimalistic", "understated", "sleek"),
    "modern": ("modern", "contemporary", "cutting-edge", "techy"),
    "professional": ("professional", "corporate", "credible", "authoritative", "trustworthy", "informative"),
    "authentic": ("authentic", "genuine", "ugc-style", "lo-fi", "unpolished"),
    "nostalgic": ("nostalgic", "retro", "vintage"),
    "edgy": ("edgy", "gritty", "rebellious", "irreverent"),
    "cinematic": ("cinematic", "epic", "dramatic"),
    "joyful": ("joyful", "joyous", "cheerful"),
    "festive": ("festive", "merry"),
    "urgent": ("urgent",),
}
# A few tone words in the languages whose briefs Cutroom detects, so a Spanish brief keeps its tone.
_FOREIGN_TONES: dict[str, tuple[str, ...]] = {
    "playful": ("divertido", "divertida", "ludique", "verspielt", "giocoso"),
    "funny": ("gracioso", "graciosa", "drôle", "humorvoll", "lustig", "witzig", "divertente"),
    "elegant": ("elegante", "élégant", "élégante"),
    "warm": ("cálido", "cálida", "chaleureux", "chaleureuse", "herzlich", "caloroso"),
    "luxurious": ("lujoso", "lujosa", "luxueux", "luxueuse", "luxuriös", "lussuoso"),
    "premium": ("hochwertig", "haut de gamme", "exclusivo"),
    "energetic": (
        "energético",
        "enérgico",
        "dynamique",
        "énergique",
        "energiegeladen",
        "dynamisch",
        "energico",
    ),
    "calm": ("tranquilo", "tranquila", "calme", "apaisant", "ruhig", "entspannt", "calmo"),
    "heartfelt": ("emotivo", "emotiva", "émouvant", "emotional", "emozionante"),
    "modern": ("moderno", "moderna", "moderne"),
    "professional": ("profesional", "professionnel", "professionell", "professionale"),
}
_TONE_OF = {word: tone for tone, words in (*_TONES.items(), *_FOREIGN_TONES.items()) for word in words}

# "punchier", "more premium": comparatives an edit uses, and the tones they put first. They say
# nothing about length: "punchier" keeps a 30 s ad at 30 s ("shorter" and "make it 20s" change it).
_COMPARATIVES: dict[str, tuple[str, ...]] = {
    "punchier": ("energetic", "bold"),
    "snappier": ("energetic", "bold"),
    "pacier": ("energetic",),
    "zippier": ("energetic", "playful"),
    "tighter": ("energetic",),
    "more punch": ("energetic", "bold"),
    "more energy": ("energetic",),
    "more energetic": ("energetic",),
    "faster-paced": ("energetic",),
    "funnier": ("funny",),
    "more fun": ("playful",),
    "more playful": ("playful",),
    "warmer": ("warm",),
    "calmer": ("calm",),
    "softer": ("calm",),
    "gentler": ("calm",),
    "bolder": ("bold",),
    "classier": ("premium",),
    "fancier": ("premium",),
    "more premium": ("premium",),
    "more luxurious": ("luxurious",),
    "more emotional": ("heartfelt",),
    "more professional": ("professional",),
    "more serious": ("professional",),
    "simpler": ("minimal",),
    "cleaner": ("minimal",),
    "edgier": ("edgy",),
}

_PLATFORMS: list[tuple[str, str, AspectRatio]] = [
    # (pattern, canonical name, aspect ratio), most specific first.
    (r"(?:instagram|insta|ig)\s+reels?|(?-i:Reels?)|\breels\b", "Instagram Reels", "9:16"),
    (r"(?:youtube|yt)\s+shorts?|(?-i:Shorts)", "YouTube Shorts", "9:16"),
    (r"(?:instagram|insta|ig)\s+stor(?:y|ies)|(?-i:Stories)", "Instagram Stories", "9:16"),
    (r"(?:facebook|fb)\s+stor(?:y|ies)", "Facebook Stories", "9:16"),
    (r"whatsapp\s+status", "WhatsApp Status", "9:16"),
    (r"tik\s?tok|douyin", "TikTok", "9:16"),
    (
        r"snapchat|snap\s+ads?|snap(?=\s*(?:&|and\b|\+|,|/))|(?<=& )snap|(?<=, )snap|(?<=and )snap|(?<=/)snap",
        "Snapchat",
        "9:16",
    ),
    (r"pinterest", "Pinterest", "9:16"),
    (r"you\s?tube(?:\s+pre-?rolls?|\s+in-?stream)?|(?-i:YT)", "YouTube", "16:9"),
    (r"connected\s+tv|(?-i:CTV|OTT)|tv\s+spot|television|broadcast", "CTV", "16:9"),
    (r"twitter|x\s*\(twitter\)", "X", "16:9"),
    (r"vimeo", "Vimeo", "16:9"),
    (r"twitch", "Twitch", "16:9"),
    (r"instagram|insta|(?-i:IG)", "Instagram", "4:5"),
    (r"facebook|(?-i:FB)|fb(?=\s+(?:feed|ads?|posts?|page|video))|meta\s+feed", "Facebook", "1:1"),
    (r"linked\s?in", "LinkedIn", "1:1"),
]
# Latin-letter boundaries instead of \b so "TikTok向け" and "für TikTok," both match.
_PLATFORM_RES = [
    (re.compile(rf"(?<![A-Za-z0-9])(?:{p})(?![A-Za-z0-9])", re.I), name, aspect)
    for p, name, aspect in _PLATFORMS
]
_PLATFORM_ASPECT = {name: aspect for _, name, aspect in _PLATFORMS}
# Places people post video whose format Cutroom does not know: kept in notes, said in notices.
_UNKNOWN_PLATFORMS = re.compile(
    r"\b(?:(?-i:Threads)|bluesky|mastodon|tumblr|reddit|vine|myspace|wechat|weibo|kuaishou|"
    r"(?-i:VK)|telegram|bereal|be\s?real|clubhouse|quibi|spotify|triller|rumble|lemon8)\b",
    re.I,
)

_RATIOS: list[tuple[str, AspectRatio]] = [
    (r"16\s*[:x×]\s*9|landscape|horizontal|widescreen", "16:9"),
    (r"9\s*[:x×]\s*16|vertical|full[- ]screen", "9:16"),
    (r"1\s*[:x×]\s*1|square", "1:1"),
    (r"4\s*[:x×]\s*5|portrait|2\s*[:x×]\s*3|3\s*[:x×]\s*4", "4:5"),
]
_RATIO_RES = [(re.compile(rf"(?<![\w:])(?:{p})(?![\w:])", re.I), aspect) for p, aspect in _RATIOS]

_COLOURS: dict[str, str] = {
    "sky blue": "#5bb8f0",
    "baby blue": "#a7c7e7",
    "light blue": "#8ec5ec",
    "dark blue": "#163a6b",
    "royal blue": "#2a52be",
    "electric blue": "#3a7bff",
    "navy blue": "#1b2a4a",
    "cobalt blue": "#0047ab",
    "forest green": "#1f5135",
    "dark green": "#1e4d2b",
    "light green": "#9ed99e",
    "neon green": "#39ff14",
    "sage green": "#9caf88",
    "mint green": "#98e2c6",
    "olive green": "#708238",
    "emerald green": "#1f9d6b",
    "hot pink": "#ff4f9a",
    "light pink": "#f8c8d8",
    "neon pink": "#ff2fa1",
    "blush pink": "#f4c2c2",
    "deep purple": "#4b2a7b",
    "rose gold": "#b76e79",
    "off-white": "#f7f5f0",
    "off white": "#f7f5f0",
    "burnt orange": "#cc5500",
    "lime green": "#7ccd3c",
    "sea green": "#2e8b57",
    "bottle green": "#1f4d36",
    "hunter green": "#355e3b",
    "pale blue": "#aecbe8",
    "powder blue": "#b0d0e8",
    "steel blue": "#4682b4",
    "midnight blue": "#191970",
    "ocean blue": "#1b6ca8",
    "jet black": "#0a0a0a",
    "warm white": "#fbf7f0",
    "dusty pink": "#d8a7b1",
    "dusty rose": "#c9a0a0",
    "pastel pink": "#f7c6d9",
    "pastel blue": "#aec6e8",
    "pastel green": "#b8e2c8",
    "bright red": "#e02b2b",
    "deep red": "#9b111e",
    "dark red": "#8b1a1a",
    "brick red": "#a4432f",
    "sunshine yellow": "#f7c948",
    "lemon yellow": "#f4e04d",
    "pale yellow": "#f8eea0",
    "light grey": "#c8ccd2",
    "light gray": "#c8ccd2",
    "dark grey": "#4a4f57",
    "dark gray": "#4a4f57",
    "red": "#d7263d",
    "orange": "#f46036",
    "yellow": "#f6c445",
    "green": "#2e9e5b",
    "blue": "#1f6fd1",
    "navy": "#1b2a4a",
    "teal": "#138a8a",
    "purple": "#6a3fb5",
    "violet": "#7f5bd5",
    "pink": "#f280aa",
    "magenta": "#c2185b",
    "black": "#111111",
    "white": "#ffffff",
    "gold": "#d4a017",
    "golden": "#d4a017",
    "silver": "#c0c4cc",
    "beige": "#e8dcc4",
    "cream": "#f5efe0",
    "brown": "#7b4b2a",
    "grey": "#8a8f98",
    "gray": "#8a8f98",
    "coral": "#ff6f61",
    "mint": "#98e2c6",
    "lavender": "#b8a6e0",
    "turquoise": "#2ec4c6",
    "burgundy": "#7a1f35",
    "maroon": "#6d1a2a",
    "olive": "#708238",
    "peach": "#ffb38a",
    "lilac": "#c8a2c8",
    "sage": "#9caf88",
    "terracotta": "#c8643b",
    "charcoal": "#2f3237",
    "ivory": "#fffff0",
    "emerald": "#1f9d6b",
    "cobalt": "#0047ab",
    "lime": "#a4d65e",
    "mustard": "#d9a82e",
    "rose": "#e8788a",
    "blush": "#f4c2c2",
    "sand": "#d8c3a5",
    "champagne": "#f1ddb8",
    "crimson": "#b3132b",
    "scarlet": "#e0301e",
    "indigo": "#3f3d99",
    "plum": "#6e2f63",
    "aqua": "#3fd0d4",
    "cyan": "#1fb6d9",
    "tan": "#c9a97c",
    "khaki": "#b8ad7e",
    "copper": "#b87333",
    "bronze": "#a97142",
    "forest": "#1f5135",
}
_COLOUR_NAMES = sorted(_COLOURS, key=len, reverse=True)

_PEOPLE = (
    r"[a-z]+(?:heads|lovers|goers|seekers|junkies|addicts|nerds|geeks|buffs|fanatics|hunters|chasers|owners)|"
    r"parents?|moms?|mums?|mothers?|dads?|fathers?|families|famil(?:y|ies)|kids|children|teens|teenagers|"
    r"students?|grads|graduates|professionals|people|folks|women|men|runners|athletes|gamers|travell?ers|"
    r"foodies|millennials|gen[- ]?z(?:ers)?|gen[- ]?alpha|zoomers|boomers|seniors|retirees|owners|founders|"
    r"marketers|developers|devs|engineers|designers|creators|shoppers|buyers|customers|clients|users|members|"
    r"donors|supporters|volunteers|fans|lovers|enthusiasts|drinkers|eaters|cyclists|hikers|yogis|nurses|"
    r"doctors|teachers|leaders|execs|executives|managers|ctos|cfos|cmos|ceos|decision[- ]makers|smbs|"
    r"small businesses|startups|teams|couples|singles|diners|locals|commuters|renters|beginners|investors|"
    r"savers|adults|youth|readers|listeners|viewers|homebuyers|homeowners|patients|caregivers|subscribers|"
    r"residents|neighbou?rs|guests|newcomers|skaters|surfers|climbers|swimmers|golfers|brides|"
    r"professionals|admins|analysts|recruiters|hr|it|ops|heads of [a-z]+|vps|directors|agencies|retailers"
)
_PEOPLE_RE = re.compile(rf"\b(?:{_PEOPLE})\b", re.I)

# Pets by breed or pet word ("a golden retriever", "a corgi puppy", "a tabby"): characters like any
# other. A bare "lab" is a place, so only a coloured one is a dog ("a yellow lab").
_PET_NOUNS = (
    r"retrievers?|labradors?|labradoodles?|goldendoodles?|cockapoos?|doodles?|poodles?|beagles?|corgis?|"
    r"husk(?:y|ies)|dachshunds?|pugs?|terriers?|spaniels?|bulldogs?|(?:german|australian) shepherds?|"
    r"collies?|chihuahuas?|dalmatians?|greyhounds?|whippets?|samoyeds?|shiba(?: inu)?s?|pomeranians?|"
    r"schnauzers?|rottweilers?|dobermanns?|dobermans?|malamutes?|sheepdogs?|hounds?|mutts?|pups?|"
    r"doggos?|pooch(?:es)?|(?:yellow|black|chocolate|golden|fox red) labs?|kitt(?:y|ies)|tabb(?:y|ies)|"
    r"siamese|maine coons?|ragdolls?|sphynx(?:es)?"
)
# "a corgi puppy", "a tabby cat": the breed and the animal are one character.
_PET_NOUNS = rf"(?:{_PET_NOUNS})(?:\s(?:dogs?|pupp(?:y|ies)|pups?|cats?|kittens?)\b)?"
_PET_WORDS = rf"dogs?|pupp(?:y|ies)|cats?|kittens?|{_PET_NOUNS}"
_CHARACTER_NOUNS = (
    r"runners?|joggers?|wom[ae]n|m[ae]n|girls?|boys?|moms?|mums?|mothers?|dads?|fathers?|parents?|kids?|"
    r"child(?:ren)?|toddlers?|bab(?:y|ies)|famil(?:y|ies)|couples?|friends?|chefs?|cooks?|baristas?|waiters?|"
    r"waitress(?:es)?|nurses?|doctors?|teachers?|students?|athletes?|founders?|ceos?|grandmas?|grandmothers?|"
    r"grandpas?|grandfathers?|grandparents?|teenagers?|teens?|dogs?|pupp(?:y|ies)|cats?|kittens?|mascots?|"
    r"robots?|hosts?|presenters?|speakers?|influencers?|creators?|developers?|designers?|volunteers?|"
    r"farmers?|owners?|cyclists?|skaters?|dancers?|models?|scientists?|engineers?|professionals?|persons?|"
    r"employees?|narrators?|gamers?|hikers?|yogis?|surfers?|travell?ers?|commuters?|brides?|grooms?|fox(?:es)?|"
    r"bears?|bunn(?:y|ies)|rabbits?|pandas?|owls?|penguins?|guys?|lad(?:y|ies)|diners?|guests?|musicians?|"
    r"artists?|photographers?|entrepreneurs?|shoppers?|bartenders?|sommeliers?|bakers?|mechanics?|"
    r"riders?|drivers?|coach(?:es)?|climbers?|swimmers?|golfers?|pilots?|firefighters?|neighbou?rs?|"
    r"marketers?|managers?|analysts?|recruiters?|retirees?|seniors?|volunteers?|donors?|"
    rf"{_PET_NOUNS}"
)
_ANIMALS = (
    r"dog|cat|fox|bear|bunny|rabbit|panda|owl|penguin|puppy|kitten|robot|parrot|hamster|unicorn|dragon|bee"
)
_ROLES = (
    r"head chef|founder|co-founder|ceo|chef|owner|host|presenter|speaker|ambassador|spokesperson|coach|"
    r"barista|baker|narrator|head of [a-z]+|director|doctor|dr\.?|nurse|teacher|trainer"
)

_CATEGORIES: list[tuple[str, str]] = [
    # (keyword pattern, category), checked in order on the product first, then the whole thread.
    (r"sneakers?|trainers?|running shoes?|shoes?|boots?|footwear|heels|sandals|loafers|cleats", "shoe"),
    (
        r"apps?|application|iphone|android|ios|smartphone|phone|mobile|saas|software|platform|dashboard|"
        r"webinar|online course|e-?book|website|plugin|extension",
        "phone",
    ),
    (r"cans?|soda|seltzer|energy drink|cola|sparkling water|canned", "can"),
    (
        r"serums?|bottles?|perfume|fragrance|cologne|eau de|shampoo|conditioner|lotion|oils?|wine|gin|vodka|whisk(?:e)?y|"
        r"rum|tequila|kombucha|juice|sauce|spray|cleanser|toner|moisturi[sz]er|sunscreen|spf|skincare|elixir|"
        r"tincture|drops|essence|mist|body wash|hand wash|bottled water|water bottle|beer|cold brew|syrup|hot sauce|"
        r"olive oil",
        "bottle",
    ),
    (
        r"subscription box|boxes|box|kits?|cereal|gift set|package|parcel|meal kit|chocolates|board game|"
        r"candles?|tea",
        "box",
    ),
    (
        r"restaurants?|food|burgers?|pizzas?|pasta|meals?|dish(?:es)?|menu|caf[eé]s?|bakery|cakes?|desserts?|"
        r"snacks?|cookies?|tacos?|sushi|brunch|dinner|lunch|breakfast|bistro|trattoria|diner|ice cream|donuts?|"
        r"doughnuts?|ramen|salads?|sandwich(?:es)?|bowls?|coffee|lattes?|smoothies?|bars?|granola|bagels?|"
        r"croissants?|pastr(?:y|ies)|noodles|curry|bbq|barbecue|steak|wings",
        "food",
    ),
]
_CATEGORY_RES = [(re.compile(rf"\b(?:{p})\b", re.I), cat) for p, cat in _CATEGORIES]

_CTA_VERBS = (
    r"shop|buy|order|download|get|install|sign\s?up|join|book|reserve|register|save|donate|give|learn|try|"
    r"start|subscribe|pre-?order|visit|call|claim|apply|rsvp|watch|listen|play|find|discover|explore|see|"
    r"taste|grab|treat|sponsor|support|help|adopt|request|schedule|contact|follow|tap|swipe|click|enrol|enroll|"
    r"attend|sign|dine|come|check|stream|redeem|unlock|upgrade|compra|reserva|descarga|achetez|réservez|"
    r"jetzt|kaufen|bestellen"
)
_CTA_START = re.compile(rf"^(?:{_CTA_VERBS})\b", re.I)
_CTA_PHRASES = re.compile(
    r"\b(?:shop (?:now|the (?:sale|collection|range))|buy (?:now|today|online)|order (?:now|online|today|yours)|"
    r"download (?:the app|now|today|it (?:free|now|today)|for free|free|(?:it )?(?:on|from) (?:the )?(?:app store|"
    r"google play|play store))|get the app|install (?:now|the app|today)|"
    r"sign up(?: (?:now|today|free|for free))?|join (?:now|us|today|the waitlist|free)|"
    r"book (?:a table|now|online|your table|today|a demo|your spot|a call|an appointment|(?:a |an |your )?(?:free )?"
    r"(?:class|session|trial|consultation|tour|visit|test drive|stay|room|ticket|tickets|lesson|fitting))|"
    r"claim (?:your|a) (?:spot|seat|place|free [a-z]+)|reserve (?:a|your) (?:table|seat|spot)|"
    r"register(?: (?:now|today|free|for free|here))?(?! (?:the|a|an|our|your|it|for the|with|as|in)\b)|save your (?:seat|spot)|donate(?: (?:now|today))?|give today|"
    r"learn more|try (?:it )?(?:free|for free)|start (?:your )?free trial|get started|subscribe(?: now)?|"
    r"pre-?order(?: now| today)?|claim (?:your |the )?(?:offer|discount|deal)|rsvp|request a demo|"
    r"get (?:\d{1,2}% off|yours|a quote)|apply now|visit us)\b",
    re.I,
)

_STOPWORDS = _words(
    """a an the and or but if so of to in on at by for with from as is are was were be been being it its
    this that these those we us our you your they them their i me my he she his her him do does did done
    can could should would will shall may might must have has had not no yes yeah yep ok okay just also
    very really too more most less some any all each both then than there here what which who whom whose
    when where why how about into over under again out up down off only own same such nothing something
    anything let lets let's it's that's we're we'll i'm i'd i'll you're don't can't won't isn't aren't
    one two also maybe perhaps please thanks thank hey hi hello team folks guys sounds good great love
    awesome perfect nice cool agreed agree sure thing lgtm works fine noted got it'll will go going think
    thinks thought like need needs want wants make makes made keep kept use using used get got ad ads
    video videos spot something stuff still though actually quick question lol haha hahaha omg btw imo tbh
    thx np yay woohoo wow sweet amazing brilliant excellent fantastic asap morning evening afternoon
    cheers welcome sorry oops hmm yes yup nope done ship approved approve looks thank"""
)
_ENGLISH_HINTS = _words("the and for with our is to of it we this that a you be are on in have make should")
_LANGUAGE_HINTS: dict[str, frozenset[str]] = {
    "es": _words(
        "el la los las que para con una por del nuestro nuestra es y un anuncio queremos segundos "
        "hacer muy pero como más también está"
    ),
    "fr": _words(
        "le la les des pour avec une est et notre nous pub vidéo un du dans sur secondes faire "
        "très mais pas aussi c'est qui"
    ),
    "de": _words(
        "der die das und für mit ein eine ist unser unsere nicht wir anzeige sekunden den dem "
        "auch bitte sehr aber wie auf zu"
    ),
    "pt": _words(
        "o os uma para com não nosso nossa é você um anúncio segundos fazer muito mas também está que da do"
    ),
    "it": _words(
        "il lo gli per con una è non nostro nostra un annuncio secondi fare molto ma anche che della del"
    ),
}
_SCRIPTS: list[tuple[str, str]] = [
    ("\u3040-\u30ff", "ja"),
    ("\uac00-\ud7af", "ko"),
    ("\u4e00-\u9fff", "zh"),
    ("\u0400-\u04ff", "ru"),
    ("\u0370-\u03ff", "el"),
    ("\u0600-\u06ff", "ar"),
    ("\u0590-\u05ff", "he"),
    ("\u0e00-\u0e7f", "th"),
    ("\u0900-\u097f", "hi"),
]
_SCRIPT_RES = [(re.compile(f"[{rng}]"), lang) for rng, lang in _SCRIPTS]

# Words that look like "alice:" at the start of a line but label a field instead of an author.
_CAPITALISED_STOP = _words(
    """I We Our The A An This That It Its Hi Hey Thanks Ok Okay Yes No So And But Also Let Let's Can Could
    Please Make Use Keep Need Just Maybe Actually Love Great Quick Here There What When Where Who Why How
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
    August September October November December TikTok YouTube Instagram Facebook LinkedIn Reels Shorts
    Stories Snapchat Pinterest CTA URL Q1 Q2 Q3 Q4 Black Cyber Christmas Halloween Easter Gen Z US UK EU
    HQ AI ASAP FYI TBD IG FB YT New Our Their Your My Go Do Don't Not Only If Then Team Everyone All One
    Two Three Sounds Perfect Agreed Done Sure Cool Nice Awesome Brand Product Mother's Father's Valentine's
    Spring Summer Autumn Fall Winter Holiday Holidays Thanksgiving Ramadan Diwali Hanukkah"""
)

# ── compiled patterns ───────────────────────────────────────────────────────────────────

_FLAGS = re.I
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[^\s])|\n+|\s*;\s+|\s+[•·]\s+|(?:^|\n)\s*[-*•]\s+")
_WORD = re.compile(r"[^\W\d_][^\W_]*(?:['’][^\W\d_]+)?")
_CONTENT_WORD = re.compile(r"[^\W\d_]{3,}")

_SECONDS_UNIT = r"seconds?|secs?|sec\.|s|segundos?|seg|secondes?|sekunden|sek|secondi|″|\"|秒|초"
_DURATION_NUM = re.compile(
    rf"(?<![A-Za-z0-9.:/#%$£€-])(?P<n>\d{{1,4}}(?:[.,]\d)?)\s?-?\s?(?P<u>{_SECONDS_UNIT}|minutes?|mins?|minutos?|"
    r"minuten?|minuti|分)(?![A-Za-z0-9])",
    _FLAGS,
)
_DURATION_COLON = re.compile(
    r"(?<![\w:])(?P<m>[01])?:(?P<s>[0-5]\d)(?![\w:])(?!\s?(?:am|pm|a\.m|p\.m))", _FLAGS
)
_NUMBER_WORDS = {
    "five": 5,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "twenty-five": 25,
    "twenty five": 25,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "forty five": 45,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
}
_DURATION_WORDS = re.compile(
    r"\b(?P<w>twenty[- ]five|forty[- ]five|fifteen|twenty|thirty|forty|fifty|sixty|ninety|ten|five)"
    r"[- ]?(?:seconds?|secs?|second\b)",
    _FLAGS,
)
_DURATION_PHRASES: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"\b(?:a|one) minute and a half\b|\b(?:one|1) and a half minutes?\b", _FLAGS), 90),
    (re.compile(r"\bhalf[- ]a[- ]minute\b|\bhalf[- ]minute\b|\b30[- ]ish seconds\b", _FLAGS), 30),
    (
        re.compile(
            r"\b(?:under|less than|shorter than|below|within|no more than|not more than|sub)[- ]"
            r"(?:a |one )?minute\b|\bsub-minute\b",
            _FLAGS,
        ),
        45,
    ),
    (re.compile(r"\b(?:a|one|a full|one full|full)[- ]minute(?:[- ]long)?\b|\b60-?second\b", _FLAGS), 60),
    (re.compile(r"\btwo[- ]minutes?\b", _FLAGS), 120),
]
_DURATION_BARE = re.compile(
    r"\b(?:make it|cut it (?:down )?to|cut (?:down )?to|trim (?:it )?to|shorten (?:it )?to|go with|do|"
    r"keep it (?:at|to)|let'?s say|how about|start with|go for|stick with|stick to)\s+(?:a\s+|the\s+)?"
    r"(?P<n>\d{1,3})(?![\w%:]|[.,]\d|\s*(?:%|percent|x|fps|px|k\b|versions?|variants?|shots?|scenes?|options?|"
    r"people|users|words|frames|colou?rs|characters|times))",
    _FLAGS,
)
_DURATION_INSTEAD = re.compile(
    rf"(?<![\w.])(?P<n>\d{{1,3}})\s*(?:{_SECONDS_UNIT})?\s+(?:instead of|not|rather than|over)\s+\d{{1,3}}\s*"
    rf"(?:{_SECONDS_UNIT})(?![A-Za-z0-9])",
    _FLAGS,
)
_SHORTER = re.compile(r"\b(?:shorter|cut it down|trim it|tighten it up|tighter edit|too long)\b", _FLAGS)
# "make the intro shorter" is about one shot, not the ad's length.
_SHOT_PART = re.compile(
    r"\b(?:intro|hook|opening|opener|ending|outro|end ?card|endcard|scene|shot|logo|text|title|caption|music|"
    r"voice|vo|voiceover|pause|transition|cut to|first|last|second shot|frame)s?\b",
    _FLAGS,
)
_LONGER = re.compile(r"(?<!no )(?<!not )\b(?:longer|too short|extend it|more time)\b(?! than)", _FLAGS)
_DURATION_CUE = re.compile(
    r"\b(?:make it|long|length|duration|runtime|ad|advert|video|spot|cut|version|clip|keep it|total|max|"
    r"minimum|maximum|reel|tiktok|short)\b",
    _FLAGS,
)
_DURATION_AFTER_SKIP = re.compile(
    r"^\W{0,3}(?:(?:[a-z-]+\s){0,1}(?:hook|intro|opener|opening|end ?card|endcard|outro|logo|shots?|scenes?|"
    r"cutdowns?|cut-downs?|bumpers?|sting|segments?)|each|per|mark|ago|later|delay|load|loading|to read|into|"
    r"in(?!\s+(?:total|length|all|duration)))\b",
    _FLAGS,
)
_DURATION_BEFORE_SKIP = re.compile(
    r"(?:\b(?:first|last|final|within|after|every|each|by|at|not|instead of|rather than|from|their|his|her|"
    r"your|early|late|mid)\s+(?:the\s+)?(?:\w+\s)?|\bmid-)$",
    _FLAGS,
)

_HEX = re.compile(r"(?<![\w&])#(?P<h>[0-9a-f]{6}|[0-9a-f]{3})(?![\w-])", _FLAGS)
_COLOUR_WORDS = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in _COLOUR_NAMES) + r")\b", _FLAGS)
_COLOUR_CONTEXT = re.compile(
    r"\b(?:colou?rs?|palette|hex|shades?|hues?|tones? of|brand kit|accents?|background|in)\b", _FLAGS
)
_COLOUR_VERB = re.compile(
    r"\b(?:use|using|go with|stick (?:to|with)|switch to|make it|our|brand|in|plus|and|with|on)\s+(?:our\s+|the\s+|a\s+)?"
    r"(?:brand\s+|signature\s+|house\s+)?$",
    _FLAGS,
)
_COLOUR_FALSE = re.compile(
    r"\b(?:black friday|white space|whitespace|green light|red flag|red carpet|blue sky|golden hour|"
    r"white label|black and white photo|red bull|orange juice|white paper|whitepaper|grey area|gray area|"
    r"silver lining|gold standard|green screen|rose wine|black tie|red tape|blue chip|white noise)\b",
    _FLAGS,
)
_NAME_THEN_HEX = re.compile(r"\s*[(:=–-]?\s*#[0-9a-f]{3,6}\b", _FLAGS)
_HEX_THEN_NAME = re.compile(r"#[0-9a-f]{3,6}\s*\(\s*(?:[a-z-]+\s+){0,2}$", _FLAGS)
_USE_OUR_COLOUR = re.compile(
    r"\b(?:use|go with|switch to|lead with|stick (?:to|with))\s+(?:our|the)\s+(?:brand\s+)?(?P<c>"
    + "|".join(re.escape(n) for n in _COLOUR_NAMES)
    + r")\b",
    _FLAGS,
)

_URL = re.compile(
    r"(?<![@\w.])(?P<u>https?://[^\s<>\"'()\[\]{}]{3,300}|(?:www\.)?[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,62})*"
    r"\.(?:com|co|io|org|net|app|shop|store|ai|co\.uk|org\.uk|de|fr|es|it|nl|uk|us|eu|ca|au|health|care|"
    r"link|ly|me|events|studio|coffee|kitchen|restaurant|cafe|bio|so|dev|xyz|fund|charity|ngo|gives)"
    r"(?:/[^\s<>\"'()\[\]{}]{0,200})?)(?![\w@])",
    _FLAGS,
)
# "order at oatly.example", "visit brand.studio": after these words any name.tld is a site, even
# one not listed above. The ending is lowercase letters, so "v2.0", "3.5s" and "e.g." never match,
# and the first label needs a letter, so "at 10.30" does not either.
_URL_AFTER_CUE = re.compile(
    r"\b(?:at|visit|go to|on|via)\s+(?P<u>(?=[a-z0-9-]{0,62}[a-z])[a-z0-9][a-z0-9-]{0,62}"
    r"(?:\.[a-z0-9][a-z0-9-]{0,62}){0,4}\.(?-i:[a-z]{2,24})(?:/[^\s<>\"'()\[\]{}]{0,200})?)"
    r"(?![\w@-]|\.[^\W_]|['’]\w)",
    _FLAGS,
)
# File names look like name.tld: "logo.png" and "brief.pdf" are attachments, not where viewers go.
_FILE_ENDINGS = _words(
    """png jpg jpeg gif svg webp heic tif tiff bmp pdf doc docx ppt pptx xls xlsx csv txt rtf md json
    html htm zip rar psd eps indd sketch fig aep prproj mp4 mov m4v avi mkv webm mp3 wav m4a aac srt vtt
    key pages numbers"""
)
_INTERNAL_URL = re.compile(
    r"(?:docs|drive|sheets|slides)\.google|figma\.com|notion\.(?:so|site)|dropbox|loom\.com|miro\.com|"
    r"atlassian|jira|asana|trello|slack\.com|github\.com|frame\.io|canva\.com|wetransfer|box\.com",
    _FLAGS,
)
_URL_LABEL = re.compile(
    r"\b(?:url|link|landing page|website|site|lp|send (?:them|people) to|go to|visit)\b", _FLAGS
)

_BRAND_LABEL = re.compile(
    r"\b(?:brand(?:\s+name)?|company|client|advertiser|account)\s*(?:is|:|=|–|—|-)\s*"
    r"(?:(?:actually|now|just|officially|really)\s+)?(?:(?:called|named)\s+)?(?P<b>[^\s,.;!?()][^,.;!?()\n]{0,40})",
    _FLAGS,
)
_BRAND_WE_ARE = re.compile(
    r"\b(?:[Ww]e(?:'re| are)|[Hh]ere at|[Tt]his is(?: the team at)?|[Ww]e at|[Aa]t)\s+"
    r"(?P<b>[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){0,2})"
)
_BRAND_LOGO = re.compile(
    r"(?P<b>[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){0,2})\s+(?:logo|wordmark|brand colou?rs?)\b"
)
_BRAND_POSSESSIVE = re.compile(
    r"(?P<b>[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){0,2})['’]s\s+(?:new|latest|first|upcoming|own|next|annual|"
    r"spring|summer|autumn|fall|winter|holiday|flagship)\b"
)
_BRAND_VENUE = re.compile(
    r"\b(?:menu|restaurant|store|shop|caf[eé]|bar|bakery|location|branch|studio|gym|salon|hotel|spa)\s+(?:at|from)\s+"
    r"(?P<b>[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){0,2})"
)
_BRAND_AT_OFFER = re.compile(
    r"(?:% off|\bsale|\bdeals?|\bdiscounts?|\boffer)\b[^.;!?\n]{0,40}?\bat\s+(?P<b>[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){0,2})"
)
_BRAND_FROM = re.compile(r"\bfrom\s+(?P<b>[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){0,2})(?=\s*(?:[,.!?;)]|$))")

_PRODUCT_STOP = (
    r"\s(?:to|for|on|with|that|which|who|in|at|by|this|next|from|aimed|targeting|featuring|starring|"
    r"launching|dropping|coming|via|across|before|after|during|so|because|but|and\s+(?:a|an|the|we|it|make|"
    r"keep|end|show|use|let)|is|are|was|will|should|would|could|para|pour|für|per|con|avec|mit|en|—|–|-)\s"
    # "café de avena" is one product, "de 30 segundos" is not; "Zing soda CTA: buy now" ends at the label.
    r"|\sde\s(?![^\W\d_])|\s(?:cta|call[- ]to[- ]action)\b|\s?\(|\s?:"
)
_PRODUCT_STOP_RE = re.compile(_PRODUCT_STOP, _FLAGS)
_PRODUCT_LABEL = re.compile(r"\bproduct(?:\s+name)?\s*(?:is|:|=|–|—|-)\s*(?P<p>[^.;!?\n]{2,80})", _FLAGS)
_PRODUCT_INTRO = re.compile(
    r"\b(?:(?:ad|advert|video|vid|spot|promo|commercial|campaign|teaser|clip|reel|tiktok|short|film|piece|appeal|creative|"
    r"trailer|story|social post|post)s?\s+"
    r"(?:for|about|promoting|showcasing|on)|promot(?:e|ing)|advertis(?:e|ing)|showcas(?:e|ing)|"
    r"launch(?:ing)?|introduc(?:e|ing)|announc(?:e|ing)|unveil(?:ing)?|hero(?:ing)?|sell(?:ing)?|"
    r"push(?:ing)?|drive (?:sign-?ups|registrations|downloads|bookings|donations) (?:for|to))\s+"
    r"(?P<p>(?:(?:our|the|my|a|an|this|their)\s+)?[^.;!?\n]{2,90})",
    _FLAGS,
)
_PRODUCT_OUR_NEW = re.compile(
    r"\b(?:our|my|nuestr[oa]s?|notre|nos|unser(?:e|en)?|nosso|nossa|nostr[oa])\s+"
    r"(?P<new>(?:brand[- ])?new|latest|upcoming|first[- ]ever|nuev[oa]s?|nouveau|nouvelle|neuen?|neuer|neues|"
    r"novo|nova|nuov[oa])\s+(?P<p>[^.;!?\n]{2,80})",
    _FLAGS,
)
# "para nuestro café de avena", "pour notre appli", "für unser Café": a product in the languages
# whose briefs Cutroom detects, read as cheaply as "an ad for our X".
_PRODUCT_FOREIGN = re.compile(
    r"\b(?:para|pour|für)\s+(?:nuestr[oa]s?|notre|nos|unser(?:e[nmrs]?)?)\s+(?P<p>[^.;!?\n]{2,80})", _FLAGS
)
_PRODUCT_NAMED = re.compile(
    r"\b(?:called|named|titled|branded as)\s+(?P<n>[\"“‘'][^\"”’'\n]{2,60}[\"”’']|[A-Z][\w&'’.-]*(?:\s+[A-Z0-9][\w&'’.-]*){0,3})"
)
_APPOSITIVE_NAME = re.compile(
    r"^\s*,\s*(?P<n>[\"“‘'][^\"”’'\n]{2,60}[\"”’']|[A-Z][\w&'’.-]*(?:\s+[A-Z0-9][\w&'’.-]*){0,3})\s*(?:,|\.|$|\))"
)
_DETERMINERS = re.compile(
    r"^(?:(?:our|the|my|a|an|this|their|your|brand[- ]new|new|latest|upcoming|first[- ]ever|all[- ]new|"
    r"very|own)\s+)+",
    _FLAGS,
)
_GENERIC_PRODUCTS = _words(
    """ad ads video videos thing it one campaign brand launch sale spot clip reel teaser version cut stuff
    product products idea concept something piece content post offer deal promo season holidays week
    weekend month year time us you them people audience team company business logo look font colours colors
    palette website site edit music voiceover script storyboard design branding tagline slogan hook intro
    outro cta ending end card version cut draft one variant option"""
)
_EVENT_WORDS = re.compile(
    r"\b(?:webinar|event|summit|conference|workshop|masterclass|livestream|meetup|fundraiser|gala|appeal)\b",
    _FLAGS,
)

_AUDIENCE_LABEL = re.compile(
    r"\b(?:target(?:ing)?\s+(?:audience|market|demo(?:graphic)?)|audience|target|demographic|demo|tg|icp|persona)"
    r"\s*(?:is|are|will be|would be|should be|=|:|–|—|-)\s*(?P<a>[^.;!?\n]{3,140})",
    _FLAGS,
)
_AUDIENCE_CHANGE = re.compile(
    r"\b(?:change|switch|set|update|make|swap)\s+(?:the\s+)?(?:target\s+)?audience\s+(?:to|for)\s+(?P<a>[^.;!?\n]{3,140})",
    _FLAGS,
)
_AUDIENCE_VERB = re.compile(
    r"\b(?:aimed at|aiming at|aimed squarely at|targeting|targetting|targeted at|target|geared (?:towards?|to(?:wards?)?)|"
    r"speak(?:s|ing)? to|talk(?:s|ing)? to|tailored (?:to|for)|directed at|made for|designed for|meant for|"
    r"built for|reach(?:ing)?|resonate with|appeal to|helps?|lets?)\s+(?P<a>[^.;!?\n]{3,140})",
    _FLAGS,
)
_AUDIENCE_OPENING = re.compile(
    rf"^(?:(?:mostly|mainly|primarily|largely|probably|mainly for|mostly for)\s+)?(?P<a>(?:[\w'’&-]+\s+){{0,3}}?"
    rf"(?:{_PEOPLE})\b(?:\s*(?:\+|&|and|,|/)\s*(?:[\w'’-]+\s+){{0,2}}?(?:{_PEOPLE})\b)?"
    r"(?:\s+(?:mostly|mainly|primarily))?(?:,?\s+(?:esp\.?|especially|aged|ages|age|in their|who|in|from|across|"
    r"around|near|between|\d{2}\s?[-–]\s?\d{2})[^.;!?\n]{0,60})?)\s*[.!?]?$",
    _FLAGS,
)
_AUDIENCE_FOR = re.compile(
    rf"\bfor\s+(?P<a>(?:(?!(?:our|the|a|an|my|this|that)\b)[\w'’&-]+\s+){{0,4}}?(?:{_PEOPLE})\b"
    rf"(?:\s+(?:and|&|or)\s+(?:[\w'’-]+\s+){{0,2}}?(?:{_PEOPLE})\b)?"
    r"(?:\s+(?:who|aged|ages|age|in their|between|that|looking|living|with|over|under|from)\b[^.;!?\n]{0,80})?)",
    _FLAGS,
)
# People words in Spanish, French and German: "para estudiantes", "pour les étudiants", "für Studenten".
_FOREIGN_PEOPLE = (
    r"estudiantes|universitarios|universitarias|jóvenes|mujeres|hombres|madres|padres|mamás|papás|familias|"
    r"niños|niñas|adolescentes|clientes|profesionales|deportistas|corredores|mayores|abuelos|emprendedores|"
    r"viajeros|étudiants|étudiantes|etudiants|jeunes|femmes|hommes|mères|pères|mamans|papas|parents|familles|"
    r"enfants|ados|adolescents|clients|professionnels|sportifs|sportives|coureurs|seniors|entrepreneurs|"
    r"voyageurs|studenten|studierende|studierenden|schüler|schülerinnen|jugendliche|jugendlichen|frauen|"
    r"männer|mütter|väter|eltern|familien|kinder|kunden|profis|sportler|läufer|senioren|gründer|reisende"
)
_FOREIGN_PEOPLE_RE = re.compile(rf"(?<![^\W\d_])(?:{_FOREIGN_PEOPLE})(?![^\W\d_])", _FLAGS)
_FOREIGN_ARTICLE = r"(?:(?:los|las|les|des|die|den|el|la|le|unsere?n?|nuestr[oa]s|nos)\s+|l['’])"
_AUDIENCE_FOREIGN = re.compile(
    rf"(?<![^\W\d_])(?:para|pour|für)\s+(?P<a>(?:{_FOREIGN_ARTICLE})?(?:[^\W\d_]+\s+){{0,2}}?"
    rf"(?:{_FOREIGN_PEOPLE})(?![^\W\d_])(?:\s+(?!(?:en|sur|auf|in|on|con|avec|mit|y|et|und|o|ou|oder|de|del|"
    r"des|du|que|qui|die|der|das|para|pour|für)(?![^\W\d_]))[^\W\d_]+){0,2})",
    _FLAGS,
)
_AUDIENCE_TRIM = re.compile(
    r"\s(?:on\s+(?=(?:tiktok|instagram|insta|ig|youtube|yt|facebook|fb|linkedin|snapchat|pinterest|reels|shorts|"
    r"stories|social|twitter|the (?:feed|app|platform)|mobile|ctv|tv)\b)|via|across|through|so|because|but|"
    r"and we|and the|and it|and make|and keep|—|–|-|with a|"
    r"in (?:a|the)\b|using|featuring|showing|\d{1,3}\s?(?:s|sec|seconds)\b)[\s\S]*$|\s?\([\s\S]*$",
    _FLAGS,
)

_GOAL_LABEL = re.compile(
    r"\b(?:goal|objective|kpi|aim|purpose|we want (?:to )?(?:drive|get|grow))\s*(?:is|:|=|–|-)?\s*(?P<g>[^.;!?\n]{2,80})",
    _FLAGS,
)
_GOAL_SIGNALS: list[tuple[Goal, re.Pattern[str], int]] = [
    (
        "app_install",
        re.compile(
            r"\b(?:app installs?|installs|download(?:s|ing)? (?:the|our) app|download the app|get the app|"
            r"app store|google play|play store|install (?:the|our) app|app downloads?)\b",
            _FLAGS,
        ),
        PLAIN,
    ),
    (
        "offer",
        re.compile(
            r"\b\d{1,2}\s?% off\b|\b(?:sale|discount(?:s|ed)?|deals?|promo code|coupon|bogo|buy one,? get one|"
            r"free shipping|limited[- ]time|black friday|cyber monday|half[- ]price|clearance|happy hour|"
            r"special offer|offer ends|prix fixe|use code|with code)\b|\bsave \d{1,3}\s?%|"
            r"[$£€]\d{1,4}(?:\.\d\d)?\s+(?:off|[a-z]+\s+(?:every|all|this|on|until))",
            _FLAGS,
        ),
        PLAIN,
    ),
    (
        "testimonial",
        re.compile(
            r"\b(?:testimonials?|customer (?:stories|reviews?|quotes?)|reviews?|case stud(?:y|ies)|ugc|"
            r"social proof|5[- ]star|five[- ]star|what (?:our )?customers say)\b",
            _FLAGS,
        ),
        PLAIN,
    ),
    (
        "launch",
        re.compile(
            r"\b(?:launch(?:es|ing|ed)?|introducing|debut(?:s|ing)?|unveil(?:s|ing)?|coming soon|pre-?orders?|"
            r"release (?:day|date)|drops? (?:on|next|this)|(?:spring|summer|fall|autumn|winter|holiday|new|season(?:al)?) "
            r"(?:drop|collection|release)|new arrivals?)\b",
            _FLAGS,
        ),
        PLAIN,
    ),
    (
        "awareness",
        re.compile(
            r"\b(?:awareness|brand awareness|get the word out|visibility|reach as many|spread the word|"
            r"put us on the map)\b",
            _FLAGS,
        ),
        PLAIN,
    ),
]

_CTA_LABEL = re.compile(
    r"\b(?:cta|call[- ]to[- ]action|end[- ]?card(?:\s+(?:text|line))?|button(?:\s+text)?|sign[- ]?off(?:\s+line)?)"
    r"\b\s*(?P<sep>should (?:be|say|read)|will be|would be|could be|is|says?|reads?|to say|to read|=|:|–|—|-|→)?\s*"
    r"(?P<c>[\"“‘'][^\"”’'\n]{2,60}[\"”’']|(?:[^.;!?\n]|\.(?=\w)){2,70})",
    _FLAGS,
)
_QUOTED = re.compile(r"[\"“‘](?P<q>[^\"”’\n]{2,50})[\"”’]|(?<!\w)'(?P<q2>[^'\n]{2,50})'(?!\w)")
_CTA_CUT = re.compile(
    r"\s*(?:https?://\S+|www\.\S+|\s(?:on|with|via|and (?:a|the|link|url|then)|plus|→|->|—|–|-)\s|\(|,)[\s\S]*$",
    _FLAGS,
)

_MUST = re.compile(
    r"\b(?:make sure (?:to |we |you |it |that (?:we |you |it )?)?(?:shows?|includes?|features?|mentions?|have|has|"
    r"get|put|add|see)|must (?:include|show|feature|have|mention|see)|(?:don'?t|do not|dont) forget"
    r"(?: (?:to )?(?:show|include|mention|add|put|feature)(?:ing)?| about)?|be sure to (?:show|include|mention|feature)|"
    r"needs? to (?:show|include|feature|mention)|ha(?:s|ve) to (?:show|include|feature|mention)|"
    r"should (?:show|include|feature|mention)|always (?:show|include)|please (?:show|include|add)|"
    r"mandator(?:y|ies)|must[- ]haves?|must[- ]include|key message|legal line|required)\s*:?\s+(?P<x>[^.;!?\n]{2,100})",
    _FLAGS,
)
_INCLUDE_IMPERATIVE = re.compile(
    r"(?:^|[,;]\s*|\band\s+)(?:include|feature|mention|add)\s+(?P<x>[^.;!?\n]{2,100})", _FLAGS
)
_OFFER_TEXT = re.compile(
    r"(?:\b|(?=[$£€]))(?P<x>\d[- ]for[- ]\d(?:\s+(?!every|on|at|for|this|all|until)[a-z]+){0,2}|(?:up to )?\d{1,2}\s?% off(?:\s+(?:everything|sitewide|storewide|all [a-z]+|your first [a-z]+|"
    r"the first [a-z]+|first [a-z]+))?|buy one,? get one(?: free)?|free shipping(?: on [a-z ]{2,20})?|"
    r"half[- ]price [a-z]+|[$£€]\d{1,4}(?:\.\d\d)? (?:off(?: [a-z]+)?|[a-z]+(?= (?:every|all|this|on|until)\b)))",
    _FLAGS,
)
_ON_SALE = re.compile(r".*% off (?:all|every|our)\s+(?P<p>[a-z][a-z -]{2,30})$", _FLAGS)
_PROMO_CODE = re.compile(r"\b(?:promo |discount |coupon )?code\s*:?\s*(?P<c>[A-Z0-9][A-Z0-9-]{2,15})\b")
_AVOID = re.compile(
    r"(?:\b(?:avoid(?:ing)?:?|don'?ts:|do not:|steer clear of|stay away from|please no|no more|nothing(?: too)?|"
    r"(?:don'?t|do not|dont|never|let'?s not) (?:show|use|include|feature|mention|put|add|want|use any|"
    r"show any|have|go|make it|make this|be|sound|look|get)(?: (?:too|overly|any|anything|so))?|"
    r"without(?: any)?|not too|(?:drop|remove|lose|ditch|get rid of|kill|take out)(?: the| that| those| all)?|no)\s+)(?P<x>(?:(?!\b(?:avoid|no|never|don'?t|do not|dont|without|not)\s)[^.;!?\n]){2,90})",
    _FLAGS,
)
_NO_STOP = re.compile(
    r"^(?:problem|problems|worries|worry|rush|idea|way|longer|more|less|need|needs|matter|doubt|thanks|pressure|"
    r"clue|big|time|one|change|changes|later|sooner|than|i|we|it|that|this|there|strong|preference|"
    r"opinion|objections?|pun|else|comment|comments|update|news|response|reply|brainer|go|sweat|biggie|"
    r"question|questions|issue|issues|\d|else|longer|shorter|[a-z]+er than|such|sure|other|at all|if)\b",
    _FLAGS,
)
_AVOID_LEAD = re.compile(
    r"^(?:(?:too|overly|any|anything(?: that (?:looks|sounds|feels|reads|seems) like)?|the|a|an|of|show|showing|"
    r"using|use|so|more|that's|that is)\s+)+",
    _FLAGS,
)
_NOT_ADJECTIVE = re.compile(
    r"\b(?:not|less)\s+(?:too\s+|overly\s+|so\s+)?(?:a\s+|an\s+)?(?P<x>[a-z][a-z/-]*(?:\s+[a-z][a-z/-]*)?)\s*(?=[,.;!?)]|$)",
    _FLAGS,
)
# "not sure", "not a fan", "not ready yet", "less is more": not things to keep out of the ad.
_NOT_ADJECTIVE_SKIP = _words(
    """sure yet really quite necessarily just only that this these those bad convinced now today tomorrow
    tonight week month year needed necessary required mandatory important possible ideal great ok okay much at
    fan true right wrong me us you them him her it ready approved final finished done happy keen available
    included here there is are was were be of and than enough many every all everything big huge urgent
    fussed bothered anymore working loading live signed the my our your so too sold priority"""
)

_NEGATION = re.compile(
    r"\b(?:no|not|don'?t|dont|do not|never|avoid|without|skip|drop|remove|lose|instead of|rather than|"
    r"except|minus|less|nothing|ditch|(?<!\ba )(?<!\ban )(?<!\bone )(?<!square )(?<!vertical )(?<!landscape )(?<!portrait )cut|kill|no longer|stop|swap|replace|switch|change|trade|swap out|get rid of|"
    r"take out)\b(?:\s+(?:the|a|an|our|any|too|so|overly|more|"
    r"on|for|in|with|from|of|using|use|showing|show|make|it|be|sound|look|go))*\s*$",
    _FLAGS,
)
_ONLY = re.compile(r"\b(?:only|just|exclusively|solely|purely|instead)\b[^,.;]{0,20}$", _FLAGS)

# What follows a character noun when it only describes something else ("dog treats", "kid-friendly").
_NOT_A_CHARACTER = (
    r"['’]s|-|\s+(?:place|friendly|owned|run|business|restaurant|style|size|"
    r"pack|plan|room|time|day|photos?|shots?|members?|meals?|deals?|discount|bundle|tickets?|food|brand|"
    r"company|account|card|name|ad|video|vibe|energy|of|reviews?|portal|beds?|group|referral|journey|"
    r"experience|service|support|stor(?:y|ies)|data|care|feedback|testimonials?|profile|app|list|chat|toys?|"
    r"treats?|bowl|walker|insurance|plan|bonus|code|rate|pricing|programme|program|club|night|day)\b"
)
_CHARACTER = re.compile(
    r"\b(?P<det>(?i:a|an|two|three|four|some|our|the|his|her|their))\s+"
    r"(?P<adj>(?:(?!(?:a|an|the|of|for|and|or|with|to|in|on|at|our|your|their|his|her|its|is|are|who|that|"
    r"this|new|ad|video|spot)\b)[a-z][a-z'-]*\s+){0,3}?)"
    rf"(?P<noun>{_CHARACTER_NOUNS})\b(?:\s(?!(?:after|over|under|never|ever|other|whether|together|later|better|"
    r"rather|either|neither|water|river|paper|summer|winter|dinner|order|offer|number|member|letter|sister|"
    r"brother|mother|father|daughter|her|their|our|your|per|for|or)\b)[a-z]+(?:er|or|ist|ian)s?\b)?"
    rf"(?!{_NOT_A_CHARACTER})"
    r"(?P<tail>\s+(?:in (?:her|his|their) (?:\d0s|twenties|thirties|forties|fifties|sixties|seventies|teens)|"
    r"with (?:a |an |her |his |their )?[a-z]+(?: [a-z]+)?(?= *[,.;!?)]|$)|named [A-Z]\w+|called [A-Z]\w+))?",
)
_COMPANION = re.compile(
    r"\b(?:walk(?:s|ing)?|with|hug(?:s|ging)?|pett?(?:s|ing)?|feed(?:s|ing)?|play(?:s|ing)? with|and|"
    r"cuddl(?:es|ing)|brush(?:es|ing)?)\s*$",
    re.I,
)
_PET_ONLY = re.compile(rf"(?i:{_PET_WORDS})")
_CHARACTER_VERB = re.compile(
    r"\b(?:featur(?:e|es|ing)|star(?:s|ring)?|show(?:s|ing)?|with|follow(?:s|ing)?|cast|use|using|include|"
    r"about|of|open(?:s)? on|meet|hero|and)\s+$",
    _FLAGS,
)
_MASCOT = re.compile(
    r"\b(?:mascot|character)s?\s*,?\s*(?:called\s+|named\s+|is\s+)?(?P<n>[A-Z][\w'’-]+(?:\s+the\s+[a-z]+)?)"
    rf"|\b(?P<n2>[A-Z][a-z]+)\s+the\s+(?P<animal>{_ANIMALS})\b",
)
# "our dog Max", "my cat, Luna", "their golden retriever named Biscuit" -> "Max, a dog".
_NAMED_PET = re.compile(
    r"\b(?i:our|my|their|his|her|the)\s+(?P<adj>(?:(?!(?i:and|or|with|for)\b)[a-z][a-z-]*\s+){0,2}?)"
    rf"(?P<pet>(?i:{_PET_WORDS}))\s*,?\s+(?:(?i:named|called)\s+)?(?P<n>[A-Z][a-z]+)\b(?![\w'’])",
)
_NAMED_ROLE = re.compile(
    rf"\b(?i:our|the|their|my)\s+(?P<role>(?i:{_ROLES}))\s*,?\s+(?:(?:Dr\.?|Prof\.?|Chef)\s+)?"
    r"(?P<n>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)(?![\w'’])",
)
_TITLED = re.compile(
    r"\b(?P<t>(?:Chef|Dr\.?|Grandma|Grandpa|Nonna|Nonno|Uncle|Aunt|Auntie|Coach|Captain)\s+[A-Z][a-z]+)\b"
)
_CHARACTERS_LABEL = re.compile(
    r"\b(?:characters?|cast|talent|starring|featuring)\s*:\s*(?P<x>[^.;!?\n]{2,160})", _FLAGS
)
_SWAP = re.compile(
    r"\b(?:swap|replace|switch|change|trade|exchange)\s+(?:out\s+)?(?:the\s+|our\s+|that\s+|this\s+)?"
    r"(?P<old>[^.;!?\n,]{2,40}?)\s+(?:for|with|to|into|out for)\s+(?:a\s+|an\s+|the\s+|our\s+|some\s+)?"
    r"(?P<new>[^.;!?\n,]{2,40}?)(?=\s*(?:[.;!?,\n]|$|\s(?:and|but|instead|please|too|as well)\b))",
    _FLAGS,
)
_INSTEAD = re.compile(
    r"\b(?:use|show|feature|have|make it|go with)\s+(?:a\s+|an\s+|the\s+|our\s+)?(?P<new>[a-z][\w -]{1,30}?)\s+"
    r"instead of\s+(?:a\s+|an\s+|the\s+|our\s+)?(?P<old>[a-z][\w -]{1,30}?)(?=\s*(?:[.;!?,\n]|$))",
    _FLAGS,
)
_TONE_LABEL = re.compile(
    r"\b(?:tone|vibe|mood|feel|style)\s*(?:is|should be|:|=|–|-)\s*(?P<x>[^.;!?\n]{2,100})", _FLAGS
)
_TONE_BEFORE = re.compile(
    r"(?P<x>\b[a-z][\w-]*(?:\s*(?:,|and|&|but)\s*[a-z][\w-]*)?)\s+(?:tone|vibe|feel|mood)\b", _FLAGS
)
_QUALIFIERS = re.compile(
    r"^(?:(?:a bit of|a bit|a little|a touch of|a hint of|slightly|very|super|kinda|kind of|somewhat|quite|"
    r"really|more|mostly|but|and|yet|also|think)\s+)+",
    _FLAGS,
)
_LEADING_NEGATION = re.compile(
    r"^(?:not|no|never|nothing|without|less|avoid)\s+(?:too\s+|overly\s+|so\s+|at all\s+)?", _FLAGS
)
_TONE_WORDS = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.escape(w) for w in sorted(_TONE_OF, key=len, reverse=True))
    + r")(?![\w-])",
    _FLAGS,
)
_COMPARATIVE_RE = re.compile(
    r"(?<![\w-])(?P<not>less\s+|not\s+)?(?P<c>"
    + "|".join(re.escape(w) for w in sorted(_COMPARATIVES, key=len, reverse=True))
    + r")(?![\w-])",
    _FLAGS,
)
_LESS_TONE = re.compile(
    r"\b(?:less|not so|not as|tone down the|dial down the|fewer)\s+(?P<w>"
    + "|".join(re.escape(w) for w in sorted(_TONE_OF, key=len, reverse=True))
    + r")\b",
    _FLAGS,
)
_PLATFORM_LABEL = re.compile(
    r"\b(?:platforms?|channels?|placements?|running on|post(?:ing)? (?:it )?on)\s*(?::|=|–|-|are|is)\s*(?P<x>[^.;!?\n]{2,120})",
    _FLAGS,
)


# ── the draft ───────────────────────────────────────────────────────────────────────────


@dataclass
class _Slot:
    """A single-valued field and how strongly and how late it was stated."""

    value: Any = None
    strength: int = 0
    order: int = -1

    def offer(self, value: Any, strength: int, order: int) -> bool:
        """Take ``value`` when stated at least as strongly as the current one.

        Messages are read in order, so an equal statement later wins ("30s" ... "make it 20s"),
        while a passing mention never undoes a label ("CTA: Book a table" ... "sign up on the site").
        """
        if value is None or value == "" or strength < self.strength:
            return False
        self.value, self.strength, self.order = value, strength, order
        return True


@dataclass
class _Draft:
    """The brief being built, one sentence at a time."""

    product: _Slot = field(default_factory=_Slot)
    product_name: _Slot = field(default_factory=_Slot)
    category: _Slot = field(default_factory=_Slot)
    audience: _Slot = field(default_factory=_Slot)
    goal: _Slot = field(default_factory=_Slot)
    duration: _Slot = field(default_factory=_Slot)
    cta: _Slot = field(default_factory=_Slot)
    url: _Slot = field(default_factory=_Slot)
    brand: _Slot = field(default_factory=_Slot)
    language: _Slot = field(default_factory=_Slot)
    tone: list[str] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    aspects: list[AspectRatio] = field(default_factory=list)
    palette: list[str] = field(default_factory=list)
    characters: list[str] = field(default_factory=list)
    must_include: list[str] = field(default_factory=list)
    avoid: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    logo: str | None = None
    font: str | None = None
    base_palette: list[str] = field(default_factory=list)
    authors: set[str] = field(default_factory=set)
    dropped_notes: int = 0
    notes_chars: int = 0
    several_lengths: str | None = None
    injections: int = 0

    @classmethod
    def from_brief(cls, base: Brief) -> _Draft:
        """Start from a brief already made: everything it says counts as clearly stated."""
        draft = cls()
        for name, value in (
            ("product", base.product),
            ("audience", base.audience),
            ("goal", base.goal),
            ("duration", base.duration_s),
            ("cta", base.call_to_action),
            ("url", base.url),
            ("brand", base.brand.name),
            ("language", base.language),
            ("category", base.product_category),
        ):
            if value is not None:
                getattr(draft, name).offer(value, PLAIN, -1)
        draft.goal.strength = WEAK  # a goal word in a later edit may change it
        draft.tone = list(base.tone)
        draft.platforms = list(base.platforms)
        explicit_aspects = bool(base.platforms) or base.aspect_ratios != ["9:16"]
        draft.aspects = list(base.aspect_ratios) if explicit_aspects else []
        draft.palette = list(base.brand.palette)
        draft.base_palette = list(base.brand.palette)
        draft.characters = list(base.characters)
        draft.must_include = list(base.must_include)
        draft.avoid = list(base.avoid)
        draft.notes = list(base.notes)
        draft.notes_chars = sum(len(n) for n in draft.notes)
        draft.logo, draft.font = base.brand.logo, base.brand.font
        return draft


def _add(items: list[str], value: str, limit_key: str, *, front: bool = False) -> bool:
    """Append (or put first) ``value`` unless already there (case-insensitive); respect the cap."""
    if not value:
        return False
    lowered = value.lower()
    for existing in items:
        if existing.lower() == lowered:
            if front and items[0].lower() != lowered:
                items.remove(existing)
                items.insert(0, existing)
            return False
    if front:
        items.insert(0, value)
        del items[MAX_LIST_ITEMS[limit_key] :]
        return True
    if len(items) >= MAX_LIST_ITEMS[limit_key]:
        return False
    items.append(value)
    return True


def _remove(items: list[str], value: str) -> bool:
    lowered = value.lower()
    before = len(items)
    items[:] = [item for item in items if item.lower() != lowered]
    return len(items) != before


# ── the extractor ───────────────────────────────────────────────────────────────────────


class HeuristicExtractor:
    """The embedded extractor: rules a producer would apply, in order, with nothing hidden.

    ``max_message_chars`` and ``max_thread_chars`` bound the work whatever is pasted in.
    """

    def __init__(
        self,
        *,
        max_message_chars: int = MAX_MESSAGE_CHARS,
        max_thread_chars: int = MAX_THREAD_CHARS,
        learned_parts: frozenset[str] = LEARNED_PARTS,
    ) -> None:
        if max_message_chars < 100 or max_thread_chars < max_message_chars:
            raise InputError(
                "The heuristic extractor needs max_message_chars of at least 100 and a thread limit at least as large."
            )
        self.max_message_chars = max_message_chars
        self.max_thread_chars = max_thread_chars
        # Fewer only to fit a model on what the readers chose without it (bench/train_extract.py).
        self.learned_parts = learned_parts

    def extract(self, thread: Sequence[Message], *, base: Brief | None = None) -> Extraction:
        draft = _Draft.from_brief(base) if base is not None else _Draft()
        messages = self._prepare(thread, draft)
        texts: list[str] = []
        asked: list[str] = []
        split = [list(_sentences(text)) for _, text in messages]
        total = sum(len(sentences) for sentences in split)
        if total > MAX_SENTENCES:
            # The latest sentences matter most: drop from the start of the thread.
            draft.notices.append(
                f"The thread has {total:,} sentences; Cutroom read only the latest {MAX_SENTENCES:,}."
            )
            excess = total - MAX_SENTENCES
            for i, sentences in enumerate(split):
                cut = min(excess, len(sentences))
                split[i] = sentences[cut:]
                excess -= cut
        for order, ((author, text), sentences) in enumerate(zip(messages, split, strict=True)):
            if author.lower() in BOT_AUTHORS:
                # Cutroom's own questions say what is missing; they state nothing about the ad.
                asked = _asked_fields(text)
                continue
            draft.authors.add(author.lower())
            texts.append(text)
            _read_message(sentences, order, draft, editing=base is not None)
            if asked:
                _answer(text, asked, order, draft)
            asked = _asked_fields(text)
        _detect_language(" ".join(texts), draft, editing=base is not None)
        if not any(has_letters(t) for t in texts):
            if texts:
                draft.notices.append("The thread has no words Cutroom could read (only emoji or symbols).")
            elif base is None:
                draft.notices.append("The thread is empty, so this brief has only defaults.")
        if draft.injections:
            draft.notices.append(injection_notice(draft.injections))
        extraction = _finish(draft, base)
        if draft.language.value not in (None, "en"):
            return extraction  # the whole-thread pass reads English; the rules' notice stands
        return merge(
            extraction,
            messages,
            editing=base is not None,
            bot_authors=BOT_AUTHORS,
            learned_parts=self.learned_parts,
        )

    def _prepare(self, thread: Sequence[Message], draft: _Draft) -> list[tuple[str, str]]:
        """Clean, order and cap the messages; say what was cut."""
        ordered = list(thread)
        if ordered and all(isinstance(m, Message) and m.timestamp is not None for m in ordered):
            ordered = sorted(ordered, key=sort_key)
        if len(ordered) > MAX_MESSAGES:
            draft.notices.append(
                f"The thread has {len(ordered):,} messages; Cutroom read only the latest {MAX_MESSAGES}."
            )
            ordered = ordered[-MAX_MESSAGES:]
        prepared: list[tuple[str, str]] = []
        for message in ordered:
            raw = message.text if isinstance(message, Message) else str(message)
            author = message.author if isinstance(message, Message) else "user"
            if len(raw) > self.max_message_chars:
                draft.notices.append(
                    f"A message from {clean_inline(author, max_chars=40) or 'someone'} was {len(raw):,} characters long; "
                    f"Cutroom read only the first {self.max_message_chars:,}."
                )
            text = clean_block(
                strip_chat_markup(raw[: self.max_message_chars * 2]), max_chars=self.max_message_chars
            )
            text, dropped = drop_injections(text)
            for line in dropped:
                # Not read as the brief, but kept word for word in the notes (text is data).
                draft.injections += 1
                for sentence in _sentences(line):
                    if len(draft.notes) < MAX_NOTES:
                        draft.notes.append(clean_inline(sentence, max_chars=MAX_NOTE_CHARS))
            prepared.append((clean_inline(author, max_chars=60) or "user", text))
        total = 0
        kept: list[tuple[str, str]] = []
        for author, text in reversed(prepared):  # the latest messages matter most
            if total + len(text) > self.max_thread_chars:
                draft.notices.append(
                    f"The thread is longer than {self.max_thread_chars:,} characters; Cutroom read only the latest part."
                )
                room = self.max_thread_chars - total
                if room > 200:
                    kept.append((author, text[:room]))
                break
            kept.append((author, text))
            total += len(text)
        return list(reversed(kept))


@extractors.register("heuristic")
def _heuristic(**options: Any) -> HeuristicExtractor:
    unknown = set(options) - {"max_message_chars", "max_thread_chars"}
    if unknown:
        raise InputError(f"The heuristic extractor has no option {', '.join(sorted(unknown))}.")
    return HeuristicExtractor(**options)


def extract_brief(thread: Sequence[Message], *, base: Brief | None = None) -> Extraction:
    """Thread to brief with the embedded extractor (keeping ``base`` where the thread is silent)."""
    return HeuristicExtractor().extract(thread, base=base)


# ── questions and answers in the thread ──

_QUESTIONS: list[tuple[str, re.Pattern[str]]] = [
    (
        "product",
        re.compile(
            r"\bwhat(?:'s|’s| is| are)?\s+(?:the product|we (?:selling|advertising|promoting))\b|"
            r"\bwhat are we advertising\b|\bwhich product\b",
            _FLAGS,
        ),
    ),
    (
        "audience",
        re.compile(
            r"\bwho(?:'s|’s| is)?\s+(?:it|this|the (?:ad|video|spot))\s+for\b|\b(?:target|audience)\s*\?|"
            r"\bwho are we (?:targeting|talking to)\b|\bwho is the ad for\b",
            _FLAGS,
        ),
    ),
    (
        "call_to_action",
        re.compile(r"\b(?:cta|call to action)\s*\?|\bwhat should (?:people|viewers|they) do\b", _FLAGS),
    ),
]
_HEDGES = re.compile(
    r"^(?:(?:yes|yeah|yep|ok|okay|um+|uh+|hmm+|so|well|probably|maybe|prob|i think|i guess)[,!.]?\s+)+|"
    r"(?:[,.]?\s+(?:i guess|i think|probably|maybe|lol|haha|tbh|for now|i suppose))+[.!]?\s*$",
    _FLAGS,
)


def _asked_fields(text: str) -> list[str]:
    """The essentials a message asks for ("who's it for?", "cta?"), in the order it asks them."""
    if "?" not in text or len(text) > 400:
        return []
    found = [(m.start(), name) for name, pattern in _QUESTIONS for m in [pattern.search(text)] if m]
    return [name for _, name in sorted(found)]


def _answer(text: str, asked: list[str], order: int, draft: _Draft) -> None:
    """A reply to "who's it for?" is the audience, even when it says only "college kids in Austin".

    Fields the reply already stated some other way are left as read. With several questions
    at once, the reply counts only when it has as many parts, in order.
    """
    first = next(iter(_sentences(text)), "")
    reply = _HEDGES.sub("", first.strip()).strip()
    if not reply or len(reply) > 160 or not has_letters(reply):
        return
    parts = [reply] if len(asked) == 1 else [p for p in re.split(r"\s*[,;/]\s*|\s+and\s+", reply) if p]
    if len(parts) != len(asked):
        return
    for name, part in zip(asked, parts, strict=True):
        part = part.strip()
        if name == "audience" and draft.audience.order != order:
            value = clean_inline(re.sub(r"^for\s+", "", part, flags=_FLAGS), max_chars=100)
            draft.audience.offer(value or None, PLAIN, order)
        elif name == "call_to_action" and draft.cta.order != order:
            draft.cta.offer(_cta_text(part) or None, PLAIN, order)
        elif name == "product" and draft.product.order != order:
            product = _product_phrase(part, allow_people=True)
            if product and draft.product.offer(product, PLAIN, order):
                _category(product, part, order, draft, PLAIN)


# ── reading one message ─────────────────────────────────────────────────────────────────


def _sentences(text: str) -> Iterable[str]:
    for part in _SENTENCE_SPLIT.split(text):
        part = part.strip()
        while len(part) > MAX_SENTENCE_CHARS:
            cut = part.rfind(" ", 0, MAX_SENTENCE_CHARS)
            cut = cut if cut > MAX_SENTENCE_CHARS // 2 else MAX_SENTENCE_CHARS
            yield part[:cut]
            part = part[cut:].strip()
        if part:
            yield part


Span = tuple[int, int]


def _read_message(sentences: list[str], order: int, draft: _Draft, *, editing: bool) -> None:
    stated_duration = False
    relative: list[int] = []
    for sentence in sentences:
        spans: list[Span] = []
        force_note = False
        found_duration = _durations(sentence, order, draft, spans)
        stated_duration = stated_duration or found_duration
        relative += _comparatives(sentence, draft, spans)
        _urls(sentence, order, draft, spans)
        _call_to_action(sentence, order, draft, spans)
        _audience(sentence, order, draft, spans)
        _product(sentence, order, draft, spans)
        _tones(sentence, draft, spans, editing=editing)
        force_note |= _platforms(sentence, draft, spans)
        _colours(sentence, draft, spans)
        _swaps(sentence, draft, spans)
        _characters(sentence, draft, spans)
        _brand(sentence, order, draft, spans)
        _goal(sentence, order, draft, spans)
        _must_and_avoid(sentence, draft, spans)
        _keep_if_unread(sentence, spans, draft, force=force_note)
    if not stated_duration and relative:
        current = draft.duration.value if isinstance(draft.duration.value, int | float) else 30
        steps = [15, 20, 30, 45, 60]
        step = 1 if sum(relative) > 0 else -1
        nearest = min(range(len(steps)), key=lambda i: abs(steps[i] - current))
        if (
            steps[nearest] == current
            or step < 0
            and steps[nearest] > current
            or step > 0
            and steps[nearest] < current
        ):
            nearest += step
        new = steps[max(0, min(len(steps) - 1, nearest))]
        if new != current:
            draft.duration.offer(new, PLAIN, order)
            draft.notices.append(
                f"Made it {'shorter' if new < current else 'longer'}: {new} s instead of {current:g} s."
            )


def _matches(pattern: re.Pattern[str], sentence: str, *, limit: int = MAX_MATCHES) -> Iterator[re.Match[str]]:
    """At most ``limit`` matches: no real sentence names 16 lengths, so pasted junk costs no more."""
    return islice(pattern.finditer(sentence), limit)


_NOT_NEEDED = re.compile(
    r"^\W{0,3}\s*(?:is|are)\s+(?:not|n'?t)\s+(?:needed|required|wanted|necessary|happening)\b|"
    r"^\s*(?:isn'?t|aren'?t)\s+(?:needed|required|wanted|necessary|happening)\b",
    _FLAGS,
)


def _negated(sentence: str, start: int, end: int | None = None) -> bool:
    """Whether the words just before ``start`` (same clause) negate what follows, or the words
    right after ``end`` say it is not wanted ("LinkedIn is NOT needed")."""
    before = sentence[max(0, start - 40) : start]
    before = re.split(r"[,;:.!?()]|\bbut\b", before)[-1]
    after = sentence[end : end + 40] if end is not None else ""
    return bool(_NEGATION.search(before) or (after and _NOT_NEEDED.search(after)))


def _overlaps(span: Span, spans: list[Span]) -> bool:
    return any(span[0] < end and start < span[1] for start, end in spans)


# -- length --


def _durations(sentence: str, order: int, draft: _Draft, spans: list[Span]) -> bool:
    candidates: list[tuple[int, float, Span]] = []  # (position, seconds, span)
    seconds: float
    for pattern, phrase_seconds in _DURATION_PHRASES:
        for m in _matches(pattern, sentence):
            if _overlaps(m.span(), [c[2] for c in candidates]):
                continue  # "under a minute" already read; its "a minute" is not another length
            if not _negated(sentence, m.start()):
                candidates.append((m.start(), phrase_seconds, m.span()))
    for m in _matches(_DURATION_WORDS, sentence):
        if not _negated(sentence, m.start()) and not _skip_duration(sentence, m):
            candidates.append((m.start(), _NUMBER_WORDS[m.group("w").lower().replace(" ", "-")], m.span()))
    for m in _matches(_DURATION_NUM, sentence):
        if _overlaps(m.span(), [c[2] for c in candidates]):
            continue
        unit = m.group("u").lower()
        number = float(m.group("n").replace(",", "."))
        minutes = unit.startswith("min") or unit == "分"
        seconds = number * 60 if minutes else number
        if minutes and number > 3:
            spans.append(m.span())  # "a 45-minute webinar": not the ad's length, but read
            continue
        if unit == "s" and re.search(
            r"\b(?:the|in (?:her|his|their)|early|late|mid|over|under|aged|ages|strictly)\s*$",
            sentence[max(0, m.start() - 20) : m.start()],
            _FLAGS,
        ):
            continue  # "the 90s", "in their 30s": decades and ages
        if _negated(sentence, m.start()) or _skip_duration(sentence, m):
            continue
        if seconds < 10 and not _DURATION_CUE.search(sentence):
            continue
        candidates.append((m.start(), seconds, m.span()))
    for m in _matches(_DURATION_COLON, sentence):
        seconds = int(m.group("m") or 0) * 60 + int(m.group("s"))
        if 10 <= seconds <= 120 and not _negated(sentence, m.start()) and not _skip_duration(sentence, m):
            candidates.append((m.start(), seconds, m.span()))
    for m in _matches(_DURATION_INSTEAD, sentence):
        candidates = [c for c in candidates if not _overlaps(c[2], [m.span()])]
        candidates.append((m.end(), int(m.group("n")), m.span()))
    for m in _matches(_DURATION_BARE, sentence):
        number = int(m.group("n"))
        if 5 <= number <= 180:
            candidates.append((m.start(), number, m.span()))
    if not candidates:
        return False
    candidates.sort(key=lambda c: c[0])
    position, seconds, span = candidates[-1]  # the last one said in a sentence wins ("30s, no, 15s")
    spans.extend(c[2] for c in candidates)
    if draft.duration.offer(round(seconds), PLAIN, order):
        values = list(dict.fromkeys(round(c[1]) for c in candidates))
        if len(values) > 1 and not _CORRECTION.search(sentence):
            draft.several_lengths = (
                f"The thread mentions several lengths ({', '.join(map(str, values))} s); this brief uses "
                f"{round(seconds)} s. Ask for the others as separate cuts."
            )
        else:
            draft.several_lengths = None
    return True


_CORRECTION = re.compile(
    r"\b(?:no|not|actually|instead|make that|rather|scratch that|wait|change|from|than|over|sorry)\b", _FLAGS
)


def _skip_duration(sentence: str, m: re.Match[str]) -> bool:
    """Hook timings and shot lengths ("in the first 3 seconds", "a 5-second end card") are not the ad's length."""
    after = sentence[m.end() : m.end() + 30]
    before = sentence[max(0, m.start() - 25) : m.start()]
    return bool(_DURATION_AFTER_SKIP.search(after) or _DURATION_BEFORE_SKIP.search(before))


def _comparatives(sentence: str, draft: _Draft, spans: list[Span]) -> list[int]:
    """Tone comparatives put their tones first; only "shorter"/"longer" step the length (returned)."""
    changes: list[int] = []
    for m in _matches(_COMPARATIVE_RE, sentence):
        tones = _COMPARATIVES[m.group("c").lower()]
        spans.append(m.span())
        if m.group("not") or _negated(sentence, m.start()):
            for tone in tones:
                _remove(draft.tone, tone)
            continue
        for tone in reversed(tones):
            _add(draft.tone, tone, "tone", front=True)
        if "energetic" in tones:
            _remove(draft.tone, "calm")
        if "calm" in tones:
            _remove(draft.tone, "energetic")
    for m in _matches(_SHORTER, sentence):
        spans.append(m.span())
        changes.append(-1)
    for m in _matches(_LONGER, sentence):
        if not re.search(r"\bno\s*$", sentence[max(0, m.start() - 6) : m.start()], _FLAGS):
            spans.append(m.span())
            changes.append(1)
    if _SHOT_PART.search(sentence):
        return []  # a shot's pacing, read by the tone; the ad's length stays
    return changes


# -- tone --


# Words that are a tone only when someone says "Tone: ..." ("clean" is also a kind of beauty).
_LABEL_TONES = {
    "clean": "minimal",
    "simple": "minimal",
    "fresh": "modern",
    "bright": "joyful",
    "happy": "joyful",
    "reassuring": "warm",
    "serious": "professional",
    "loud": "bold",
    "sassy": "playful",
    "emotive": "heartfelt",
}
_SCENE_DIRECTION = re.compile(
    r"^(?:show|shows|showing|open on|opens on|open with|start with|starts with|cut to|then|close on|end on|"
    r"scene|shot|frame|we see|camera)\b",
    _FLAGS,
)


def _tones(sentence: str, draft: _Draft, spans: list[Span], *, editing: bool) -> None:
    label = _TONE_LABEL.search(sentence) or _TONE_BEFORE.search(sentence)
    if label:
        spans.append(label.span())
        for word in re.split(r",|/|\band\b|\bbut\b|\+|&|\bwith\b", label.group("x")):
            word = _QUALIFIERS.sub("", clean_inline(word, max_chars=40).lower()).strip()
            negated = _LEADING_NEGATION.match(word)
            if negated:
                word = word[negated.end() :].strip()
                if word:
                    _remove(draft.tone, _TONE_OF.get(word, word))
                    _add(draft.avoid, word, "avoid")
                continue
            known = _TONE_OF.get(word) or _LABEL_TONES.get(word)
            if known or (word and len(word.split()) <= 2 and has_letters(word)):
                _add(draft.tone, known or word, "tone")
    for m in _matches(_LESS_TONE, sentence):
        spans.append(m.span())
        _remove(draft.tone, _TONE_OF[m.group("w").lower()])
    scene = _SCENE_DIRECTION.match(sentence) is not None
    for m in _matches(_TONE_WORDS, sentence):
        if _overlaps(m.span(), spans) or scene:
            continue  # "show a stressed student, then relaxed" describes a shot, not the ad's tone
        tone = _TONE_OF[m.group(0).lower()]
        spans.append(m.span())
        if _negated(sentence, m.start()):
            _remove(draft.tone, tone)
        else:
            _add(draft.tone, tone, "tone", front=editing)


# -- platforms and aspect ratios --


def _platforms(sentence: str, draft: _Draft, spans: list[Span]) -> bool:
    """Platforms and literal ratios in mention order; returns True when an unknown platform was named."""
    found: list[tuple[int, str | None, AspectRatio, bool]] = []  # (pos, platform, aspect, negated)
    taken: list[Span] = []
    for pattern, name, aspect in _PLATFORM_RES:
        for m in _matches(pattern, sentence):
            if _overlaps(m.span(), taken):
                continue
            taken.append(m.span())
            found.append((m.start(), name, aspect, _negated(sentence, m.start(), m.end())))
    for pattern, aspect in _RATIO_RES:
        for m in _matches(pattern, sentence):
            if _overlaps(m.span(), taken) or _DURATION_COLON.fullmatch(m.group(0)):
                continue
            taken.append(m.span())
            found.append((m.start(), None, aspect, _negated(sentence, m.start(), m.end())))
    spans.extend(taken)
    unknown = False
    for m in _matches(_UNKNOWN_PLATFORMS, sentence):
        if _negated(sentence, m.start()):
            continue
        unknown = True
        name = m.group(0)
        notice = (
            f"Cutroom does not know the video format for {name}, so it is kept in the notes; "
            f"say vertical, square or landscape to choose one."
        )
        if notice not in draft.notices:
            draft.notices.append(notice)
    label = _PLATFORM_LABEL.search(sentence)
    if label:
        for item in re.split(r",|/|\band\b|\+|&", label.group("x")):
            item = clean_inline(item, max_chars=40)
            if (
                item
                and not any(p.search(item) for p, _, _ in _PLATFORM_RES)
                and not any(p.search(item) for p, _ in _RATIO_RES)
            ):
                unknown = True
                notice = (
                    f"Cutroom does not know the video format for {item}, so it is kept in the notes; "
                    f"say vertical, square or landscape to choose one."
                )
                if notice not in draft.notices:
                    draft.notices.append(notice)
    if not found:
        return unknown
    found.sort(key=lambda f: f[0])
    positive = [f for f in found if not f[3]]
    if positive and (
        _ONLY.search(sentence[max(0, positive[0][0] - 40) : positive[0][0]])
        or re.search(r"\binstead\b(?!\s+of)", sentence[positive[0][0] :], _FLAGS)
    ):
        # "only TikTok", "just vertical": this sentence replaces what was said before.
        if any(p for _, p, _, _ in positive):
            draft.platforms.clear()
        draft.aspects.clear()
    # "Instagram feed (square)", "Facebook feed 4:5", "LinkedIn video, landscape": a shape said right
    # beside a platform is that platform's shape, so the platform's usual one is not added too.
    ratio_at = [pos for pos, platform, _, negated in found if platform is None and not negated]
    shaped = {
        pos
        for pos, platform, _, _ in found
        if platform
        and any(
            0 < r - pos <= len(platform) + 22
            and not re.search(r"\b(?:and|plus|\+|&)\b|[;+&]", sentence[pos:r])
            for r in ratio_at
        )
    }
    for pos, platform, aspect, negated in found:
        if pos in shaped and not negated:
            _add(draft.platforms, platform or "", "platforms")
            continue
        if negated:
            if platform:
                _remove(draft.platforms, platform)
                if not any(_PLATFORM_ASPECT[p] == aspect for p in draft.platforms):
                    draft.aspects[:] = [a for a in draft.aspects if a != aspect]
            else:
                draft.aspects[:] = [a for a in draft.aspects if a != aspect]
            continue
        if platform:
            _add(draft.platforms, platform, "platforms")
        if aspect not in draft.aspects:
            draft.aspects.append(aspect)
    return unknown


# -- colours --


def _colours(sentence: str, draft: _Draft, spans: list[Span]) -> None:
    found: list[tuple[int, str, bool]] = []  # (pos, hex, put first)
    context = (
        bool(_COLOUR_CONTEXT.search(sentence))
        or bool(_HEX.search(sentence))
        or _colour_only(re.sub(r"[^\w\s/,-]", " ", sentence[:200]))
    )
    for m in _matches(_HEX, sentence):
        digits = m.group("h").lower()
        if len(digits) == 3:
            if not (re.search(r"\d", digits) or len(set(digits)) == 1 or context):
                continue
            digits = "".join(c * 2 for c in digits)
        spans.append(m.span())
        if _negated(sentence, m.start()):
            _remove(draft.palette, f"#{digits}")
            continue
        found.append((m.start(), f"#{digits}", False))
    false_spans = [m.span() for m in _matches(_COLOUR_FALSE, sentence)]
    use_our = {m.start("c"): m for m in _matches(_USE_OUR_COLOUR, sentence)}
    for m in _matches(_COLOUR_WORDS, sentence):
        if _overlaps(m.span(), false_spans) or _overlaps(m.span(), spans):
            continue
        before = sentence[max(0, m.start() - 30) : m.start()]
        if not (context or _COLOUR_VERB.search(before)):
            continue
        name = m.group(0).lower()
        spans.append(m.span())
        if _negated(sentence, m.start()):
            _remove(draft.palette, _COLOURS[name])
            _add(draft.avoid, name, "avoid")
            continue
        if m.start() in use_our:
            explained = _NAME_THEN_HEX.match(sentence, m.end())
            if explained:
                hex_match = _HEX.search(sentence, m.end())
                if hex_match:
                    found[:] = [f for f in found if f[0] != hex_match.start()]
                    found.append((hex_match.start(), _hex6(hex_match.group("h")), True))
                continue
            found.append((m.start(), _our_colour(name, draft.base_palette), True))
        else:
            # "navy #1b2a4a": the name explains the hex next to it rather than adding a colour.
            explained = _NAME_THEN_HEX.match(sentence, m.end())
            exact = _HEX.search(sentence, m.end()) if explained else None
            if exact:
                # "mint and white ... our logo is mint #3EB489": the brand's own mint replaces the stock one.
                stock, own = _COLOURS[name], _hex6(exact.group("h"))
                if stock in draft.palette and own not in draft.palette:
                    draft.palette[draft.palette.index(stock)] = own
                if any(f[1] == stock for f in found):
                    renamed = sorted(
                        (pos, own if hex_ == stock else hex_, first) for pos, hex_, first in found
                    )
                    seen: set[str] = set()
                    unique = []
                    for f in renamed:  # the first of each colour, in order
                        if f[1] not in seen:
                            seen.add(f[1])
                            unique.append(f)
                    found[:] = unique
                continue
            if explained or _HEX_THEN_NAME.search(sentence[max(0, m.start() - 40) : m.start()]):
                continue
            found.append((m.start(), _COLOURS[name], False))
    if not found:
        return
    found.sort(key=lambda f: f[0])
    if _MAIN_COLOUR.search(sentence) and not any(first for _, _, first in found):
        position, hex_, _ = found[0]
        found[0] = (position, hex_, True)  # "use #ff0000 as the main colour"
    if _PALETTE_LABEL.search(sentence) and not any(first for _, _, first in found):
        draft.palette.clear()  # "Colours: teal and white" states the whole palette; a later one replaces it
    firsts = [hex_ for _, hex_, first in found if first]
    for hex_ in reversed(firsts):
        _add(draft.palette, hex_, "palette", front=True)
    for _, hex_, first in found:
        if not first:
            _add(draft.palette, hex_, "palette")


_MAIN_COLOUR = re.compile(r"\b(?:main|primary|key|hero|lead|dominant|base)\s+(?:brand\s+)?colou?r\b", _FLAGS)
_PALETTE_LABEL = re.compile(
    r"\b(?:(?:brand|our|the)\s+)?(?:colou?rs|palette|colou?r palette|colou?r scheme)\s*(?:are|is|will be|should be|:|=|–|-)",
    _FLAGS,
)


def _hex6(digits: str) -> str:
    digits = digits.lower()
    return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits)


def _our_colour(name: str, palette: list[str]) -> str:
    """'use our blue': the brand's own blue when the palette has one, else a good default blue."""
    target = _hue_family(_COLOURS[name])
    for hex_ in palette:
        if _hue_family(hex_) == target:
            return hex_
    return _COLOURS[name]


def _hue_family(hex_: str) -> str:
    r, g, b = (int(hex_[i : i + 2], 16) / 255 for i in (1, 3, 5))
    h, lightness, s = colorsys.rgb_to_hls(r, g, b)
    if s < 0.18 or lightness < 0.08 or lightness > 0.95:
        return "neutral"
    degrees = h * 360
    for limit, family in (
        (15, "red"),
        (45, "orange"),
        (70, "yellow"),
        (170, "green"),
        (200, "teal"),
        (255, "blue"),
        (290, "purple"),
        (335, "pink"),
        (361, "red"),
    ):
        if degrees < limit:
            return family
    return "red"


# -- links and calls to action --


def _url_matches(text: str) -> list[tuple[Span, str]]:
    """Links in mention order: known endings anywhere, any ending after "at", "visit", "on"..."""
    found: list[tuple[Span, str]] = []
    for pattern in (_URL, _URL_AFTER_CUE):
        for m in _matches(pattern, text):
            url = m.group("u").rstrip(".,;:!?)]}'\"")
            if "." not in url or url.lower().startswith(("e.g", "i.e")):
                continue
            if pattern is _URL_AFTER_CUE:
                host = url.split("/", 1)[0]
                if host.rsplit(".", 1)[1].lower() in _FILE_ENDINGS:
                    continue
            span = m.span("u")
            if not _overlaps(span, [f[0] for f in found]):
                found.append((span, url))
    return sorted(found)


def _urls(sentence: str, order: int, draft: _Draft, spans: list[Span]) -> None:
    for (start, end), url in _url_matches(sentence):
        if _INTERNAL_URL.search(url):
            continue  # a brief doc or a Figma link is a reference, not where viewers go: kept in notes
        spans.append((start, end))
        strength = LABELLED if _URL_LABEL.search(sentence[max(0, start - 60) : start]) else PLAIN
        draft.url.offer(clean_inline(url, max_chars=200), strength, order)


def _call_to_action(sentence: str, order: int, draft: _Draft, spans: list[Span]) -> None:
    for m in _matches(_CTA_LABEL, sentence):
        raw = m.group("c")
        quoted = raw[:1] in "\"“‘'"
        text = _cta_text(raw)
        if not text:
            continue
        if quoted or m.group("sep") or _CTA_START.match(text):
            spans.append(m.span())
            draft.cta.offer(text, LABELLED, order)
            return
    for m in _matches(_QUOTED, sentence):
        inner = m.group("q") or m.group("q2") or ""
        if _EXAMPLE.search(sentence[max(0, m.start() - 25) : m.start()]):
            continue  # "(e.g. “Shop now”)" is an example, not a choice
        if _CTA_START.match(inner.strip()) and len(inner.split()) <= 6:
            spans.append(m.span())
            draft.cta.offer(
                _cta_text(inner, quoted=True),
                LABELLED - 1 + (1 if _overlaps(m.span(), spans[:-1]) else 0),
                order,
            )
            return
    for m in _matches(_CTA_PHRASES, sentence):
        if _negated(sentence, m.start()) or _EXAMPLE.search(sentence[max(0, m.start() - 25) : m.start()]):
            continue
        spans.append(m.span())
        draft.cta.offer(_cta_text(m.group(0), quoted=True), WEAK, order)  # the known phrase, whole


_EXAMPLE = re.compile(
    r"(?:\be\.?g\.?|\bfor example|\bfor instance|\bsuch as|\bi\.e\.)[,:]?\s*[\"“‘']?$", _FLAGS
)


def _cta_text(raw: str, *, quoted: bool = False) -> str:
    quoted = quoted or raw.strip()[:1] in "\"“‘'"
    text = raw.strip().strip("\"“”‘’'")
    links = _url_matches(text)
    if links:
        text = re.sub(
            r"\s+(?:at|on|en|à|auf|bei|via|visit|go to|:)?\s*$", "", text[: links[0][0][0]], flags=_FLAGS
        )
    if not quoted:  # a quoted CTA is the exact words wanted
        text = _CTA_CUT.sub("", text)
    text = re.sub(r"^(?:to|be|that|with|saying|says|reading)\s+", "", text, flags=_FLAGS)
    text = re.sub(r"\s+(?:instead|please|too|maybe|then|now please|for now)\s*$", "", text, flags=_FLAGS)
    text = clean_inline(text, max_chars=40)
    if len(text.split()) > 7:
        text = " ".join(text.split()[:6])
    return text[:1].upper() + text[1:] if text else ""


# -- people --


def _swaps(sentence: str, draft: _Draft, spans: list[Span]) -> None:
    """'swap the dog for a cat', 'use a cat instead of the dog': replace in place, keep the rest.

    Characters and must-includes change first; the notes follow so they never describe the old
    character. Only when neither names it does the swap fall to the avoid list, a colour or the product.
    """
    for m in list(_matches(_SWAP, sentence)) + list(_matches(_INSTEAD, sentence)):
        old = _strip_det(m.group("old")).lower()
        new_phrase = clean_inline(m.group("new"), max_chars=60)
        new = clean_inline(_strip_det(m.group("new")), max_chars=60)
        if not old or not new:
            continue
        with_article = new_phrase if new_phrase.lower() != new.lower() else f"{_article(new)} {new}"
        word = re.compile(rf"\b{re.escape(old)}\b", _FLAGS)
        replaced: list[tuple[str, str]] = []  # (old description, new description) for the notes
        for field_name in ("characters", "must_include"):
            items: list[str] = getattr(draft, field_name)
            for i, item in enumerate(items):
                if word.search(item):
                    items[i] = _swapped(item, word, new, with_article, article=field_name == "characters")
                    replaced.append((item, items[i]))
                elif field_name == "characters" and _same_species(old, item):
                    # "swap the dog for a cat" when the dog is "a golden retriever": the breed goes too.
                    name = re.match(r"([A-Z][\w'’-]*)(?:,| the )", item)
                    items[i] = f"{name.group(1)}, {with_article}" if name else with_article
                    replaced.append((item, items[i]))
        done = bool(replaced)
        if not done:
            for i, item in enumerate(draft.avoid):
                if word.search(item):
                    draft.avoid[i] = word.sub(new, item, count=1) if len(new.split()) == 1 else new
                    done = True
                    break
        if not done and old in _COLOURS and new.lower() in _COLOURS:
            hex_old = _our_colour(old, draft.palette)
            if hex_old in draft.palette:
                draft.palette[draft.palette.index(hex_old)] = _COLOURS[new.lower()]
                done = True
        if not done and isinstance(draft.product.value, str) and word.search(draft.product.value):
            draft.product.value = word.sub(new, draft.product.value, count=1)
            done = True
        done = _swap_in_notes(draft, word, new, replaced) or done
        if not done and re.search(rf"\b(?:{_CHARACTER_NOUNS})$", new, _FLAGS):
            _add(draft.characters, _character_text(with_article), "characters")
            draft.notices.append(f"There was no {old} in the brief to swap, so {with_article} was added.")
            done = True
        if done:
            spans.append(m.span())


def _same_species(word: str, item: str) -> bool:
    """Whether "dog" / "cat" names the animal a breed describes ("a golden retriever" is a dog)."""
    species = "dog" if re.fullmatch(r"dogs?|pupp(?:y|ies)|pups?", word) else None
    species = species or ("cat" if re.fullmatch(r"cats?|kittens?", word) else None)
    return species is not None and looks.species_of(item) == species


# Where a character description ends and what it is doing begins: "a dog | chasing a ball".
_DESCRIPTION_END = re.compile(
    r",|\s(?:in|with|named|called|who|that|wearing|holding|on|at|from|and|&|of|by)\s|\s[a-z]+ing\b", _FLAGS
)
_NAMED_THE = re.compile(r"^[A-Z][\w'’-]*\s+the\s+")


def _swapped(item: str, word: re.Pattern[str], new: str, with_article: str, *, article: bool) -> str:
    """The item after the swap: a golden retriever is a dog, so swapping its dog for a cat gives
    "a cat", not "a golden retriever cat"; a name stays ("Max the dog" -> "Max the cat")."""
    whole = with_article if article or re.match(r"(?:a|an|the)\s", item, _FLAGS) else new
    if len(new.split()) > 1:
        return whole  # a described replacement ("a woman in her 60s") is the whole item
    description = _DESCRIPTION_END.split(item, maxsplit=1)[0].split()
    head = description[-1].lower().strip("'’") if description else ""
    matched = word.search(item)
    old = matched.group(0).lower() if matched else ""
    if head.rstrip("s") == old.split()[-1].rstrip("s") and not _NAMED_THE.match(item):
        return whole
    return word.sub(new, item, count=1)


def _swap_in_notes(draft: _Draft, word: re.Pattern[str], new: str, replaced: list[tuple[str, str]]) -> bool:
    """Notes that described the old character describe the new one; returns whether any changed."""
    changed = False
    for i, note in enumerate(draft.notes):
        updated = note
        for before, after in replaced:
            for text_before, text_after in ((before, after), (_strip_det(before), _strip_det(after))):
                if text_before and text_before.lower() != text_after.lower():
                    updated = re.sub(
                        rf"(?<!\w){re.escape(text_before)}(?!\w)", text_after, updated, flags=_FLAGS
                    )
        if updated == note:
            # "show the dog asleep" -> "show the cat asleep"; "dog treats" and "dog owners" stay.
            updated = re.sub(
                rf"{word.pattern}(?!{_NOT_A_CHARACTER}|\s+(?:owners?|lovers?|parents?|people|walkers?|sitters?|"
                r"groomers?|breeds?|park|hair|fur|lead|leash|collar)\b)",
                new,
                note,
                flags=_FLAGS,
            )
        if updated != note:
            draft.notes_chars += len(updated) - len(note)
            draft.notes[i] = updated
            changed = True
    return changed


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _strip_det(text: str) -> str:
    return _DETERMINERS.sub("", text.strip())


def _character_text(text: str) -> str:
    return clean_inline(text, max_chars=60)


_OFFSCREEN_NOUNS = frozenset({"owner", "model", "driver", "guest", "host"})


def _characters(sentence: str, draft: _Draft, spans: list[Span]) -> None:
    found: list[tuple[int, str, Span]] = []
    label = _CHARACTERS_LABEL.search(sentence)
    if label:
        for item in re.split(r",|;|\band\b|\+|&", label.group("x")):
            item = clean_inline(_strip_det(item), max_chars=60)
            if item and has_letters(item):
                found.append((label.start(), item, label.span()))
    for m in _matches(_MASCOT, sentence):
        name = m.group("n") or f"{m.group('n2')} the {m.group('animal')}"
        if name.split()[0] in _CAPITALISED_STOP:
            continue
        found.append((m.start(), name, m.span()))
    for m in _matches(_NAMED_PET, sentence):
        if m.group("n") in _CAPITALISED_STOP:
            continue
        pet = (m.group("adj") + m.group("pet")).lower()
        found.append((m.start(), f"{m.group('n')}, {_article(pet)} {pet}", m.span()))
    for m in _matches(_NAMED_ROLE, sentence):
        if m.group("n").split()[0] in _CAPITALISED_STOP:
            continue
        found.append((m.start(), f"{m.group('n')}, the {m.group('role').lower()}", m.span()))
    for m in _matches(_TITLED, sentence):
        if re.search(r"[A-Z][\w'’&-]*\s+$", sentence[max(0, m.start() - 30) : m.start()]):
            continue  # "Trattoria Nonna Rosa": part of a longer name, not a person
        found.append((m.start(), m.group("t"), m.span()))
    for m in _matches(_CHARACTER, sentence):
        det = m.group("det").lower()
        before = sentence[max(0, m.start() - 25) : m.start()]
        # "a woman walking her dog": the dog is on screen too, as a character of its own.
        companion = (
            det in ("his", "her", "their")
            and bool(_COMPANION.search(before))
            and bool(_PET_ONLY.fullmatch(m.group("noun")))
        )
        if (
            det in ("our", "the", "his", "her", "their")
            and not _CHARACTER_VERB.search(before)
            and not companion
        ):
            continue
        if re.search(r"\bfor\s*$", before, _FLAGS):
            continue  # "for a busy parent" speaks of the audience
        if m.group("noun").lower().rstrip("s") in _OFFSCREEN_NOUNS and not m.group("adj"):
            continue  # too often not a person on screen ("a model", "the host")
        phrase = det + m.group(0)[len(det) :]  # "A woman" -> "a woman"
        if companion:
            rest = phrase.split(None, 1)[1]
            phrase = f"{_article(rest)} {rest}"  # "her dog" -> "a dog"
        if det in ("our", "the"):
            phrase = phrase.split(None, 1)[1]  # "featuring the barista" -> "barista"
        found.append((m.start(), phrase, m.span()))
    found.sort(key=lambda f: f[0])
    for _, phrase, span in found:
        if _negated(sentence, span[0]):
            spans.append(span)
            continue
        phrase = _character_text(phrase)
        if not phrase or any(
            phrase.lower() in c.lower() or c.lower() in phrase.lower() for c in draft.characters
        ):
            spans.append(span)
            continue
        head = phrase.lower().split()[-1]
        if any(re.search(rf"\b{re.escape(head)}\b", c.lower()) for c in draft.characters) and not label:
            spans.append(span)
            continue
        if phrase.split()[0].lower() in draft.authors:
            continue
        _add(draft.characters, phrase, "characters")
        spans.append(span)


def _brand(sentence: str, order: int, draft: _Draft, spans: list[Span]) -> None:
    for pattern, strength in (
        (_BRAND_LABEL, LABELLED),
        (_BRAND_WE_ARE, PLAIN),
        (_BRAND_LOGO, PLAIN),
        (_BRAND_VENUE, PLAIN),
        (_BRAND_AT_OFFER, PLAIN),
        (_BRAND_POSSESSIVE, WEAK),
        (_BRAND_FROM, WEAK),
    ):
        for m in _matches(pattern, sentence):
            name = clean_inline(
                re.split(r"\s+(?:and|but|with|for|so|is|are|we|our)\b|['’]s\b", m.group("b"))[0], max_chars=40
            )
            words = name.split()
            if not words or words[0] in _CAPITALISED_STOP or name.lower() in draft.authors:
                continue
            if pattern is not _BRAND_LABEL and words[0].lower() in _STOPWORDS:
                continue
            # "at Lumina we..." only when followed by "we"; "at Christmas" is a time.
            if (
                pattern is _BRAND_WE_ARE
                and m.group(0).lower().startswith("at")
                and not re.match(r"\s*,?\s*we\b", sentence[m.end() : m.end() + 6], _FLAGS)
            ):
                continue
            spans.append(m.span("b"))
            draft.brand.offer(name, strength, order)
            return


def _audience(sentence: str, order: int, draft: _Draft, spans: list[Span]) -> None:
    people = _PEOPLE_RE.search(sentence) is not None  # the costly patterns need a people word anyway
    foreign = _FOREIGN_PEOPLE_RE.search(sentence) is not None
    for pattern, strength in (
        (_AUDIENCE_LABEL, LABELLED),
        (_AUDIENCE_CHANGE, LABELLED),
        (_AUDIENCE_VERB, PLAIN),
        (_AUDIENCE_FOR, PLAIN),
        (_AUDIENCE_FOREIGN, PLAIN),
        (_AUDIENCE_OPENING, WEAK),
    ):
        if not people and pattern in (_AUDIENCE_FOR, _AUDIENCE_OPENING):
            continue
        if not foreign and pattern is _AUDIENCE_FOREIGN:
            continue
        for m in _matches(pattern, sentence):
            raw = _audience_clauses(_AUDIENCE_TRIM.sub("", m.group("a")))
            raw = re.sub(r"\s+(?:and|or|but|so|with)\s*$", "", raw.strip(), flags=_FLAGS)
            if pattern is _AUDIENCE_FOREIGN:
                raw = re.sub(rf"^{_FOREIGN_ARTICLE}", "", raw, flags=_FLAGS)  # "les étudiants": étudiants
            phrase = clean_inline(raw, max_chars=100)
            if not phrase or not has_letters(phrase):
                continue
            if pattern is _AUDIENCE_OPENING and (len(phrase.split()) > 12 or _CHARACTER.match(sentence)):
                continue
            if pattern is _AUDIENCE_VERB and not _PEOPLE_RE.search(phrase):
                continue  # "reaching 10k views" is not an audience
            if pattern is _AUDIENCE_VERB and re.match(r"(?:helps?|lets?)\b", m.group(0), _FLAGS):
                head = _PEOPLE_RE.search(raw)
                if head is None or head.start() > 30:
                    continue
                raw = raw[: head.end()]  # "helps couples manage money": the couples
                phrase = clean_inline(raw, max_chars=100)
            if _negated(sentence, m.start()):
                continue
            spans.append((m.start(), m.start("a") + len(raw)))
            draft.audience.offer(phrase, strength, order)
            return


def _audience_clauses(text: str) -> str:
    """'gen z runners, esp women, 18-24' stays whole; 'millennials, playful + bright, 20s' stops at the comma."""
    clauses = text.split(",")
    kept = clauses[0]
    for clause in clauses[1:]:
        if not _AUDIENCE_QUALIFIER.match(clause):
            break
        kept += "," + clause
    return kept


_AUDIENCE_QUALIFIER = re.compile(
    r"^\s*(?:esp\.?|especially|mostly|mainly|aged|ages|age|in their|who|between|from|living|based|\d{1,2}\s?[-–+]|"
    r"(?:and\s+)?(?:[\w'’-]+\s+){0,2}(?:" + _PEOPLE + r")\b)",
    _FLAGS,
)


def _product(sentence: str, order: int, draft: _Draft, spans: list[Span]) -> None:
    label = _PRODUCT_LABEL.search(sentence)
    if label:
        product = _product_phrase(label.group("p"), allow_people=True)
        if product:
            spans.append(label.span())
            draft.product.offer(product, LABELLED, order)
            _category(product, label.group("p"), order, draft, LABELLED)
            _camel_name(product, order, draft)
            return
    for pattern in (_PRODUCT_OUR_NEW, _PRODUCT_INTRO, _PRODUCT_FOREIGN, _PRODUCT_OUR_NAMED):
        for m in _matches(pattern, sentence):
            if _negated(sentence, m.start()):
                continue
            if pattern is _PRODUCT_OUR_NAMED and _names_a_person(m.group("p")):
                continue  # "our mascot Penny", "our dentist Dr Patel": people, not products
            raw = _POSSESSIVE_OWNER.sub("", m.group("p").strip(), count=1)
            product = _product_phrase(raw)
            if not product:
                continue
            name = _product_name(raw)
            full = _with_name(product, name)
            if name and not _TITLE_QUOTE.search(raw[:160]):
                draft.product_name.offer(name, WEAK, order)  # "my bakery, Sweet Crumbs": the brand too
            elif all(word[:1].isupper() or not word[:1].isalpha() for word in product.split()):
                draft.product_name.offer(product, WEAK, order)
            elif _LEADING_NAME.match(product) and product.split()[0] not in _CAPITALISED_STOP:
                draft.product_name.offer(_LEADING_NAME.match(product).group("n"), WEAK, order)  # type: ignore[union-attr]
            else:
                _camel_name(product, order, draft)
            at = m.group("p").lower().find(product.lower())
            if at >= 0:
                read = at + len(product) + (len(name) + 6 if name else 0)
            else:
                read = len(m.group("p")) - len(raw) + len(product) + (len(name) + 6 if name else 0)
            spans.append((m.start(), min(m.end("p"), m.start("p") + read)))
            # "our new X" in passing is weaker than "an ad for X": "use our new logo" keeps the product.
            strength = WEAK if pattern is _PRODUCT_OUR_NEW else PLAIN
            if draft.product.offer(full, strength, order):
                _category(product, raw[:100], order, draft, PLAIN)
            is_new = pattern is _PRODUCT_OUR_NEW or re.match(
                r"(?:\S+\s+){0,3}?(?:brand[- ])?new\b", raw, _FLAGS
            )
            if is_new:
                draft.goal.offer("launch", WEAK, order)
            return


_OF_OUR = re.compile(r"^[\w' -]{2,40}?\s(?:of|from)\s+(?:our|my)\s+(?:(?:brand[- ])?new\s+)?", _FLAGS)
# "our app Budgetly helps couples...": a kind, then its name.
_PRODUCT_OUR_NAMED = re.compile(
    r"\b(?i:our|my)\s+(?P<p>(?:[a-z][\w-]*\s+){0,2}[a-z][\w-]*\s+[A-Z][\w&'’-]+(?:\s+[A-Z][\w&'’-]+){0,2})"
)
_PERSON_HEAD = re.compile(
    rf"(?:{_CHARACTER_NOUNS}|{_ROLES}|dentist|mascot|character|cto|team|staff|client|customer|partner|boss|"
    r"intern|colleague|editor|agency|designer|stylist|therapist|vet|surgeon|lawyer|pharmacist|trainer|"
    r"instructor|guide|ambassador|spokesperson|influencer|creator|chef)",
    _FLAGS,
)


def _names_a_person(phrase: str) -> bool:
    """'head chef Marco' names a person; 'app Budgetly' and 'dog toy Chewy' name products."""
    words = phrase.split()
    first_name = next((i for i, word in enumerate(words) if word[:1].isupper()), 0)
    return first_name > 0 and _PERSON_HEAD.fullmatch(words[first_name - 1]) is not None


_POSSESSIVE_OWNER = re.compile(r"^(?:[A-Z][\w&.-]*\s+){0,3}[A-Z][\w&.-]*['’]s\s+")
_TITLE_QUOTE = re.compile(r"[“\"](?P<t>[^”\"\n]{2,120})[”\"]")


_LEADING_NAME = re.compile(r"^(?P<n>[A-Z][\w'’-]*(?:\s+(?:&\s+|and\s+|of\s+)?[A-Z][\w'’-]*){0,3})\s+[a-z]")
_CAMEL_NAME = re.compile(r"[A-Z][a-z]+[A-Z][A-Za-z]*\b")


def _camel_name(product: str, order: int, draft: _Draft) -> None:
    """ "HydraBoost water bottle": a CamelCase word is a name, and the brand when none is given."""
    match = _CAMEL_NAME.match(product)
    if match:
        draft.product_name.offer(match.group(0), WEAK, order)


_TRAILING_NAME = re.compile(
    r"^(?P<desc>(?:[a-z][\w-]*\s+)+)(?P<name>[A-Z][\w&'’.-]*(?:\s+[A-Z][\w&'’.-]*){0,2})$"
)


def _product_phrase(raw: str, *, allow_people: bool = False) -> str | None:
    raw = re.split(r"[“\"]", raw, maxsplit=1)[0]  # a quoted title is the name, read separately
    owned = _OF_OUR.search(raw[:60])
    if owned:
        raw = raw[owned.end() :]  # "the spring drop of our Trailblazer shoes": the shoes
    phrase = _PRODUCT_STOP_RE.split(" " + raw.strip() + " ", maxsplit=1)[0]
    phrase = re.split(r"[,!?;]", phrase)[0]
    phrase = _strip_det(phrase)
    words = phrase.split()
    if not words:
        return None
    phrase = " ".join(words[:6])
    trailing = _TRAILING_NAME.match(phrase)
    if trailing:
        # "meal kit service FreshFork": the name goes first
        phrase = _with_name(trailing.group("desc").strip(), trailing.group("name"))
        words = phrase.split()
    head = words[-1].lower().strip("'’")
    if head in _GENERIC_PRODUCTS and len(words) == 1:
        return None
    if words[0].lower() in _STOPWORDS:
        return None
    if not allow_people and (
        _PEOPLE_RE.fullmatch(head)
        or _PEOPLE_RE.fullmatch(phrase.lower())
        or _FOREIGN_PEOPLE_RE.fullmatch(head)
    ):
        return None
    if any(p.search(phrase) for p, _, _ in _PLATFORM_RES) and len(words) <= 2:
        return None
    if _DURATION_NUM.search(phrase):
        return None
    return clean_inline(phrase, max_chars=60) or None


def _product_name(raw: str) -> str | None:
    """A proper name given beside the description: a quoted title, 'serum, Glow Drops,', 'app called Budgetly'."""
    title = _TITLE_QUOTE.search(raw[:160])
    if title and title.start() < 40:
        name = re.split(r"[:–—|]", title.group("t"))[0]
        return clean_inline(name, max_chars=50)
    named = _PRODUCT_NAMED.search(raw[:120])
    if named:
        return clean_inline(named.group("n"), max_chars=50)
    first = raw.split(",", 1)
    if len(first) == 2:
        appositive = _APPOSITIVE_NAME.match("," + first[1])
        if appositive:
            name = appositive.group("n")
            if name.split()[0].strip("\"“‘'") not in _CAPITALISED_STOP:
                return clean_inline(name, max_chars=50)
    return None


def _with_name(product: str, name: str | None) -> str:
    if not name or name.lower() in product.lower():
        return product
    if product[:1].isupper() and not _EVENT_WORDS.search(product):
        return product  # already a proper name ("Glow Drops")
    described = re.sub(
        r"(?:\s+(?:service|services|company|brand|business|product|range|line))+$", "", product
    )
    head = described.split()[-1]
    if head.lower() in name.lower():
        return name
    # "Launchpad savings account" reads well; "Glow Drops vitamin C serum" is too long: "Glow Drops serum".
    return f"{name} {described if len(described.split()) <= 2 else head}"


def _category(product: str, context: str, order: int, draft: _Draft, strength: int) -> None:
    """The product's shape from its own words first, then from the words around it."""
    category = _category_of(product) or _category_of(context)
    if category:
        draft.category.offer(category, strength, order)


# "a testimonial ad", "launch video": the kind of ad named outright.
_GOAL_AD = re.compile(
    r"\b(?P<g>testimonial|review|ugc|launch|app[- ]install|awareness|brand awareness|offer|sale|promo|discount)"
    r"[- ](?:ad|ads|video|spot|campaign|creative|clip)\b",
    _FLAGS,
)


def _goal(sentence: str, order: int, draft: _Draft, spans: list[Span]) -> None:
    label = _GOAL_LABEL.search(sentence)
    if label:
        for signal, pattern, _ in _GOAL_SIGNALS:
            if pattern.search(label.group("g")) or signal.replace("_", " ") in label.group("g").lower():
                spans.append(label.span())
                draft.goal.offer(signal, LABELLED, order)
                return
        if re.search(
            r"\b(?:donat\w*|fundrais\w*|raise money|sign-?ups?|registrations?|leads|traffic|reach)\b",
            label.group("g"),
            _FLAGS,
        ):
            draft.goal.offer("awareness", LABELLED, order)
            spans.append(label.span())
            return
        if re.search(r"\b(?:downloads?|installs?)\b", label.group("g"), _FLAGS):
            draft.goal.offer("app_install", LABELLED, order)
            spans.append(label.span())
            return
    named = _GOAL_AD.search(sentence)
    if named:
        spans.append(named.span())
        word = named.group("g").lower()
        goal: Goal = (
            "testimonial"
            if word.startswith(("testimonial", "review", "ugc"))
            else "launch"
            if word.startswith("launch")
            else "app_install"
            if word.startswith("app")
            else "offer"
            if word in ("offer", "sale", "discount")
            else "awareness"
        )
        draft.goal.offer(goal, LABELLED, order)
        return
    for goal, pattern, strength in _GOAL_SIGNALS:
        m = pattern.search(sentence)
        if m and not _negated(sentence, m.start()):
            spans.append(m.span())
            draft.goal.offer(goal, strength, order)
            return


def _must_and_avoid(sentence: str, draft: _Draft, spans: list[Span]) -> None:
    for m in _matches(_OFFER_TEXT, sentence):
        on_sale = _ON_SALE.match(m.group("x"))
        if on_sale and draft.product.value is None:
            draft.product.offer(on_sale.group("p"), WEAK, -1)  # "40% off all plants": the plants
            _category(on_sale.group("p"), "", -1, draft, WEAK)
        if not _negated(sentence, m.start()):
            _add(draft.must_include, clean_inline(m.group("x"), max_chars=60), "must_include")
            spans.append(m.span())
    for m in _matches(_PROMO_CODE, sentence):
        if re.search(r"\d", m.group("c")) or m.group(0)[:1].lower() in "pdc":
            _add(draft.must_include, f"code {m.group('c')}", "must_include")
            spans.append(m.span())
    quoted = [q.span() for q in _matches(_QUOTED, sentence)] + [
        q.span() for q in re.finditer(r"“[^”]{2,120}”|\"[^\"]{2,120}\"", sentence)
    ]
    for m in list(_matches(_MUST, sentence)) + list(_matches(_INCLUDE_IMPERATIVE, sentence)):
        if _inside(m.start(), quoted) or (_overlaps(m.span(), spans) and m.re is _INCLUDE_IMPERATIVE):
            continue
        items = _list_items(m.group("x"))
        spans.append(m.span())
        for item in items:
            if re.fullmatch(
                r"(?:the )?(?:cta|call to action|url|link|it|that|this|everything|them)", item, _FLAGS
            ):
                continue
            _add(draft.must_include, item, "must_include")
    for m in _matches(_NOT_ADJECTIVE, sentence):
        x = m.group("x")
        if (
            _inside(m.start(), quoted)
            or x.split()[0].lower() in _NOT_ADJECTIVE_SKIP
            or _overlaps(m.span("x"), spans)
        ):
            continue
        if re.match(r"(?:\d|only|just|on|in|at|for|to|from|with|by|until|before|after)\b", x, _FLAGS):
            continue
        spans.append(m.span())
        x = re.sub(r"\s+(?:one|ones|thing|stuff)$", "", x, flags=_FLAGS)
        _remove(draft.tone, _TONE_OF.get(x.lower(), x))
        _add(draft.avoid, clean_inline(x, max_chars=60), "avoid")
    for m in _matches(_AVOID, sentence):
        if _inside(m.start(), quoted):
            continue
        x = m.group("x")
        lead = m.group(0)[: m.start("x") - m.start()].strip().lower()
        if lead == "no" and (
            _NO_STOP.match(x) or re.match(r"\s*,", sentence[m.end("x") - len(x) - 1 : m.start("x")])
        ):
            continue
        if lead == "no" and re.search(
            r"\b(?:or|and|yes)\s*$", sentence[max(0, m.start() - 8) : m.start()], _FLAGS
        ):
            continue
        if _overlaps(m.span("x"), [s for s in spans if s[0] >= m.start("x")]) and _colour_only(x):
            spans.append(m.span())
            continue
        items = _list_items(_AVOID_LEAD.sub("", x))
        spans.append(m.span())
        for item in items:
            if _TONE_OF.get(item.lower()):
                _remove(draft.tone, _TONE_OF[item.lower()])
            if item.lower() in _COLOURS:
                _remove(draft.palette, _COLOURS[item.lower()])
            for platform in list(draft.platforms):
                if platform.lower() == item.lower():
                    _remove(draft.platforms, platform)
            _remove(draft.must_include, item)
            _drop_characters(draft, item)
            _add(draft.avoid, item, "avoid")


def _drop_characters(draft: _Draft, item: str) -> None:
    """'no dog' / 'remove the dog' takes 'Max the dog' out of the cast."""
    words = item.lower().split()
    if not words or len(words) > 3:
        return
    head = re.escape(words[-1].rstrip("s"))
    draft.characters[:] = [c for c in draft.characters if not re.search(rf"\b{head}s?\b", c, _FLAGS)]


def _inside(position: int, spans: list[Span]) -> bool:
    return any(start <= position < end for start, end in spans)


def _colour_only(text: str) -> bool:
    words = [w for w in re.split(r"[\s,/]+|\band\b|\bor\b", text.lower()) if w]
    return bool(words) and all(w in _COLOURS for w in words)


def _list_items(text: str) -> list[str]:
    """'the logo, the price and a 5-star review' -> three items; a trailing clause is cut off.

    A bare "and" splits only in a comma list or before a determiner ("the oven and the
    mimosas"), so "App Store and Google Play badges" stays one item.
    """
    text = re.split(
        r"\s(?:but|because|since|so that|as|otherwise|unless|though|—|–)\s|\s-\s", text, maxsplit=1
    )[0]
    text = re.sub(r"\([^()]*\)", lambda m: m.group(0).replace(",", "\u0000"), text)  # "(a, b)" stays one item
    if "," in text:
        pattern = r",\s*(?:and\s+|or\s+)?|\s+&\s+|\s+and\s+|\s+or\s+|\s*\+\s*"
    else:
        pattern = r"\s+(?:and|or|&|\+)\s+(?=(?:the|a|an|our|some|any|no)\s|[\"'“‘])"
    parts = [p for p in re.split(pattern, text) if p.strip()]
    items: list[str] = []
    for i, part in enumerate(parts):
        words = part.split()
        if i > 0 and (len(words) > 6 or (words and words[0].lower() in _CLAUSE_STARTS)):
            break
        item = _LIST_LEAD.sub("", part.strip())
        item = _LIST_TAIL.sub("", item)
        if len(item.split()) > 1:
            item = _strip_det(item)
        item = clean_inline(item.replace("\u0000", ","), max_chars=80)
        if item and has_letters(item):
            items.append(item)
    return items[:4]


_LIST_LEAD = re.compile(r"^(?:(?:and|or|also|plus|no|avoid|never|definitely|absolutely)\s+)+", _FLAGS)
_LIST_TAIL = re.compile(
    r"(?:\s+(?:please|pls|plz|though|too|thanks|thx|either|as well|at all|ok|okay|if possible|lol|lmao|haha|"
    r"obviously|obvs|ofc|tbh|imo|\W+))+\s*$",
    _FLAGS,
)


_CLAUSE_STARTS = _words(
    "we i you it let's lets let keep make maybe please then so also just it's that's they end use add we're "
    "we've i'm they're you're there's here's which who since because though"
)


# -- language and what was not understood --


def _detect_language(text: str, draft: _Draft, *, editing: bool) -> None:
    sample = text[:20_000]
    letters = [ch for ch in sample if ch.isalpha()]
    if not letters:
        return
    for pattern, lang in _SCRIPT_RES:
        count = len(pattern.findall(sample))
        if count >= 3 and count >= 0.3 * len(letters):
            if lang == "zh" and _SCRIPT_RES[0][0].search(sample):
                lang = "ja"
            draft.language.offer(lang, PLAIN, 10**9)
            return
    words = [w.lower() for w in _WORD.findall(sample)]
    if not words:
        return
    english = sum(1 for w in words if w in _ENGLISH_HINTS)
    best, best_count = "en", english
    for lang, hints in _LANGUAGE_HINTS.items():
        count = sum(1 for w in words if w in hints)
        if count > best_count:
            best, best_count = lang, count
    if best != "en" and best_count >= 3 and best_count >= 1.5 * english and best_count >= 0.12 * len(words):
        draft.language.offer(best, PLAIN, 10**9)
    elif editing and best == "en" and english >= 5:
        draft.language.offer("en", PLAIN, 10**9)


_FIELD_WORDS = _words(
    """brand colours colors colour color palette tone vibe mood audience target cta link url length duration
    platform platforms product goal brief seconds secs sec bot cutroom please thanks version cut format
    feed ratio aspect"""
)


def _known_words(draft: _Draft) -> set[str]:
    """Words already captured in a field: a sentence that only repeats them needs no note."""
    values: list[str] = [
        str(slot.value)
        for slot in (draft.product, draft.audience, draft.cta, draft.url, draft.brand)
        if slot.value
    ]
    values += draft.characters + draft.must_include + draft.avoid + draft.tone + draft.platforms
    return set(_CONTENT_WORD.findall(" ".join(values).lower()))


def _keep_if_unread(sentence: str, spans: list[Span], draft: _Draft, *, force: bool = False) -> None:
    """What no matcher read is kept: the sentence, or only its unread clauses; never bare chatter."""
    known = _known_words(draft)
    clauses: list[tuple[int, int]] = []
    start = 0
    for m in _matches(_CLAUSE_BREAK, sentence, limit=40):
        clauses.append((start, m.start()))
        start = m.end()
    clauses.append((start, len(sentence)))
    unread: list[str] = []
    unread_words = 0
    for begin, end in clauses:
        residue = sentence[begin:end]
        for s_start, s_end in sorted(spans, reverse=True):
            lo, hi = max(s_start, begin) - begin, min(s_end, end) - begin
            if lo < hi:
                residue = residue[:lo] + " " + residue[hi:]
        content = [
            w
            for w in _CONTENT_WORD.findall(residue.lower())
            if w not in _STOPWORDS and w not in _FIELD_WORDS and w not in known
        ]
        non_latin = sum(1 for ch in residue if ch.isalpha() and ord(ch) > 0x24F)
        if content or non_latin >= 4:
            unread.append(sentence[begin:end].strip())
            unread_words += len(content) + non_latin // 2
    if unread_words < (2 if spans else 1) and not force:
        return  # one word left beside what was read is chatter; a lone unread word is kept
    if force or len(unread) == len(clauses) or len(clauses) <= 2:
        note = clean_inline(sentence, max_chars=MAX_NOTE_CHARS)
    else:
        note = clean_inline(" ... ".join(unread), max_chars=MAX_NOTE_CHARS)
    if not note or note in draft.notes:
        return
    if len(draft.notes) >= MAX_NOTES or draft.notes_chars + len(note) > MAX_NOTES_TOTAL_CHARS:
        draft.dropped_notes += 1
        return
    draft.notes.append(note)
    draft.notes_chars += len(note)


_CLAUSE_BREAK = re.compile(r",\s+|\s+[—–-]\s+|\s+\+\s+")


# ── the result ──────────────────────────────────────────────────────────────────────────


def _finish(draft: _Draft, base: Brief | None) -> Extraction:
    notices = list(dict.fromkeys(draft.notices))
    duration = 30 if draft.duration.value is None else int(draft.duration.value)
    if draft.several_lengths:
        notices.append(draft.several_lengths)
    if duration < MIN_DURATION_S or duration > MAX_DURATION_S:
        clamped = max(MIN_DURATION_S, min(MAX_DURATION_S, duration))
        notices.append(
            f"You asked for {duration} s; Cutroom makes ads from {MIN_DURATION_S} to {MAX_DURATION_S} s, "
            f"so this one is {clamped} s."
        )
        duration = clamped
    if draft.dropped_notes:
        notices.append(
            f"{draft.dropped_notes} more remark(s) were left out of the notes to keep the brief short "
            f"(the notes keep at most {MAX_NOTES} remarks)."
        )
    category = draft.category.value or "generic"
    if draft.category.value is None and draft.product.value:
        category = _category_of(str(draft.product.value)) or "generic"
    product = draft.product.value
    brand_name = draft.brand.value or draft.product_name.value
    brief = Brief.model_validate(
        dict(
            product=product,
            product_category=category,
            audience=draft.audience.value,
            goal=draft.goal.value or "awareness",
            tone=draft.tone,
            duration_s=duration,
            platforms=draft.platforms,
            aspect_ratios=draft.aspects or ["9:16"],
            call_to_action=draft.cta.value,
            url=draft.url.value,
            brand={"name": brand_name, "palette": draft.palette, "logo": draft.logo, "font": draft.font},
            characters=draft.characters,
            must_include=draft.must_include,
            avoid=draft.avoid,
            language=draft.language.value or (base.language if base else "en"),
            notes=draft.notes,
        )
    )
    missing = [name for name in ESSENTIALS if not getattr(brief, name)]
    if missing and brief.language != "en":
        # The rules read English best: say so, or a Spanish thread silently loses its product.
        language = _LANGUAGE_NAMES.get(brief.language, "a language other than English")
        examples = " or ".join(_CORRECTION_EXAMPLES[name] for name in missing[:2])
        notices.append(
            f"The thread is in {language}, which Cutroom understands only in part, so this brief may be "
            f"incomplete. Check it and correct anything missing or wrong by replying, for example {examples}."
        )
    return Extraction(brief=brief, missing=missing, question=follow_up_question(missing), notices=notices)


_CORRECTION_EXAMPLES = {
    "product": "“Product: oat latte”",
    "audience": "“Audience: students”",
    "call_to_action": "“CTA: Order now”",
}
_LANGUAGE_NAMES = {
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "pt": "Portuguese",
    "it": "Italian",
    "ja": "Japanese",
    "ko": "Korean",
    "zh": "Chinese",
    "ru": "Russian",
    "el": "Greek",
    "ar": "Arabic",
    "he": "Hebrew",
    "th": "Thai",
    "hi": "Hindi",
}


def _category_of(text: str) -> str | None:
    for pattern, category in _CATEGORY_RES:
        if pattern.search(text):
            return category
    return None


_ASKS: dict[str, tuple[str, str]] = {
    # field: (when asked first, when asked after another)
    "product": ("What are we advertising", "what are we advertising"),
    "audience": ("Who is the ad for", "who is it for"),
    "call_to_action": (
        "What should viewers do at the end (e.g. “Shop now” and a link)",
        "what should viewers do at the end (e.g. “Shop now” and a link)",
    ),
}


def follow_up_question(missing: Sequence[str]) -> str | None:
    """One short question that asks for every missing essential at once."""
    if not missing:
        return None
    parts = [_ASKS[name][0 if i == 0 else 1] for i, name in enumerate(missing)]
    if len(parts) == 1:
        return parts[0] + "?"
    return (
        ", ".join(parts[:-1]) + ", and " + parts[-1] + "?"
        if len(parts) > 2
        else f"{parts[0]}, and {parts[1]}?"
    )
