"""The whole-thread pass on phrasings written for these tests (none copied from the labelled corpus)."""

from __future__ import annotations

import pytest

from cutroom.core.extract import extract_brief
from cutroom.core.models import Brief, Message


def brief_of(*texts: str) -> Brief:
    return extract_brief([Message(author=f"user{i % 2}", text=t) for i, t in enumerate(texts)]).brief


def has(items: list[str], fact: str) -> bool:
    return any(fact.lower() in item.lower() for item in items)


@pytest.mark.parametrize(
    ("text", "fact"),
    [
        (
            "Ad for our pottery classes. Every class comes with a 30-day money-back guarantee.",
            "money-back guarantee",
        ),
        ("We're open 8am-8pm every day, make that clear.", "8am-8pm"),
        ("Video for the cider, it's 5.4% and strictly over 18s.", "over 18s"),
        ("Promo for the bootcamp. Payment plans available, terms apply.", "terms apply"),
        ("Quick reel for our ISA: capital at risk, and the tax rules can change.", "capital at risk"),
        ("spot for the night market, 12-14 March 2027 at the docks", "12-14 March 2027"),
        ("Remember we're a registered charity 1187654, people ask", "1187654"),
        ("The loyalty card: buy 5 coffees, get the 6th free", "get the 6th free"),
        ("Has to be in it: Nimbus is regulated by the FCA.", "regulated by the FCA"),
    ],
)
def test_facts_to_show_are_read_wherever_they_are_said(text: str, fact: str) -> None:
    assert has(brief_of(text).must_include, fact), brief_of(text).must_include


@pytest.mark.parametrize(
    "text",
    [
        "Feel free to change the music, it's your call.",
        "Are you free on Tuesday to review the cut?",
    ],
)
def test_free_in_chatter_is_no_fact(text: str) -> None:
    assert not has(brief_of("30s ad for our new tent.", text).must_include, "free")


def test_a_free_trial_call_to_action_is_not_also_a_fact() -> None:
    brief = brief_of(
        "Ad for Tallyho, our invoicing app.", 'End with "Start your free trial" at tallyho.example'
    )
    assert not has(brief.must_include, "start your free trial")


@pytest.mark.parametrize(
    ("text", "avoid"),
    [
        ("Please no sad kids in the ad.", "sad kids"),
        ("Keep away from stock photos of cash.", "stock photos of cash"),
        ("The ad shouldn't feature any real brands.", "real brands"),
        ("Let's not use drone shots this time.", "drone shots"),
        ("Make sure there's no smoking in any scene.", "smoking"),
        ("Not a fan of the corporate handshake stuff, leave it out.", "corporate handshake stuff"),
        ("pls leave out balloons and anything that looks like a bank ad", "bank ad"),
    ],
)
def test_things_to_avoid_are_read_from_real_avoid_cues(text: str, avoid: str) -> None:
    brief = brief_of("30s ad for our Tallyho invoicing app.", text)
    assert has(brief.avoid, avoid) and len(brief.avoid) <= 2, brief.avoid  # said whole, nothing padded


@pytest.mark.parametrize(
    "text",
    [
        "Key message: no setup fee, no contract, cancel any time.",
        "It's a limited drop on Friday, so hype it up.",
        "Aimed at students without a laptop of their own.",
        "Honestly nothing gets past our support team.",
    ],
)
def test_benefits_drops_and_audiences_are_not_avoided(text: str) -> None:
    assert brief_of("30s ad for our Tallyho invoicing app.", text).avoid == []


def test_two_things_to_avoid_in_one_phrase_are_two_items_and_no_duplicates() -> None:
    brief = brief_of("Tallyho ad, 20s.", "avoid messy desks and crying toddlers. Also no toddlers")
    assert "messy desks" in brief.avoid and "crying toddlers" in brief.avoid
    assert "toddlers" not in brief.avoid


@pytest.mark.parametrize(
    ("texts", "product", "brand"),
    [
        (
            ["Brief: a barista oat drink called Frothly, by Greenfield Dairy. 20 seconds for Reels."],
            "Frothly",
            "Greenfield Dairy",
        ),
        (
            ["Hi, Marta here from Copperline. We're launching the Arc 2 kettle in March."],
            "Arc 2 kettle",
            "Copperline",
        ),
        (["new video pls: 'Sunday Roast Box' from our meal kit brand Forkly"], "Sunday Roast Box", "Forkly"),
        (["can we do an ad for the greenhouse kits (Sprout & Co)?"], "greenhouse kits", "Sprout & Co"),
        (
            ["The Ridgeline 3 backpack from Summitco needs a launch ad, 30s for YouTube."],
            "Ridgeline 3 backpack",
            "Summitco",
        ),
        (["we want to advertise our home battery, the SunVault 10, to homeowners"], "SunVault 10", None),
        (
            ["We're a B2B startup in Berlin. Our product, Ledgerline, does expense reports."],
            "Ledgerline",
            None,
        ),
        (
            ["ok so. 'nightjar' is our new decaf blend, from Ember Roasters. 15s tiktok"],
            "nightjar",
            "Ember Roasters",
        ),
        (
            ["hi, i write for Verdant Labs. we make a plant food named GrowGood for balcony gardeners."],
            "GrowGood",
            "Verdant Labs",
        ),
        (
            ["The client, Osprey Insurance, wants a spot for its new pet policy, PetGuard Plus."],
            "PetGuard Plus",
            "Osprey Insurance",
        ),
        (
            ["anna: we need the ad for the lunchbox thing", "yes BentoBuddy, the kids' lunchbox by Packwell"],
            "BentoBuddy",
            "Packwell",
        ),
        (["lol who ate my sandwich", "anyway the ad is for our running club app, Pacer"], "Pacer", None),
    ],
)
def test_product_and_brand_from_many_shapes(texts: list[str], product: str, brand: str | None) -> None:
    brief = brief_of(*texts)
    assert brief.product == product
    if brand is not None:
        assert brief.brand.name == brand
    else:
        assert not brief.brand.name or brief.brand.name in (brief.product or "")


@pytest.mark.parametrize(
    ("texts", "wrong"),
    [
        (["Ad for the spring menu. Thanks, Dave."], "Dave"),
        (["Morning! It's for Christmas: our gift cards."], "Christmas"),
        (["Shoot in Leeds, ad for our bakery's new sourdough."], "Leeds"),
        (["The testimonial is from Kofi, who bought a flat with us. KeyNest Mortgages ad."], "Kofi"),
    ],
)
def test_people_places_and_dates_are_never_product_or_brand(texts: list[str], wrong: str) -> None:
    brief = brief_of(*texts)
    assert brief.product != wrong and brief.brand.name != wrong


@pytest.mark.parametrize(
    ("texts", "want"),
    [
        (
            ["Star of the ad: Nadia, 30s, short black bob, yellow raincoat. She should be in every shot."],
            [("Nadia", ["short black bob", "yellow raincoat"])],
        ),
        (
            ["Recurring character: Grandma Rose — silver hair in a bun, pink cardigan, reading glasses."],
            [("Grandma Rose", ["silver hair in a bun", "pink cardigan", "reading glasses"])],
        ),
        (
            ["can we keep one presenter all the way through? bald, glasses, orange jumper pls"],
            [("presenter", ["bald", "glasses", "orange jumper"])],
        ),
        (
            ["We want a tall woman with braids called Ada to be in every shot.", "she wears a mustard coat"],
            [("Ada", ["braids", "mustard coat"])],
        ),
        (
            ["Main character is Oscar, a grumpy grey cat with a tiny bow tie. Keep him consistent."],
            [("Oscar", ["grey cat", "bow tie"])],
        ),
        (
            ["Cast: Leo (8, freckles, red cap) and his dad Sam (beard, flannel shirt). Both in every scene."],
            [("Leo", ["freckles", "red cap"]), ("Sam", ["beard", "flannel shirt"])],
        ),
        (
            ["Characters:\n- Jo: 30s, hijab, green overalls\n- Finn: 20s, blond mullet, denim jacket"],
            [("Jo", ["hijab", "green overalls"]), ("Finn", ["blond mullet", "denim jacket"])],
        ),
    ],
)
def test_characters_keep_their_looks(texts: list[str], want: list[tuple[str, list[str]]]) -> None:
    brief = brief_of("30s ad for our Tallyho app.", *texts)
    assert len(brief.characters) == len(want), brief.characters
    for name, looks in want:
        found = next(c for c in brief.characters if name.lower() in c.lower())
        look = f"{found} {brief.character_looks.get(found, '')}".lower()
        assert all(part in look for part in looks), look


@pytest.mark.parametrize(
    ("text", "facts"),
    [
        ("Use code SPRING15 for 15% off, ends 30 April.", ["SPRING15", "15% off", "30 April"]),
        ("We're at Unit 4, Riverside Park, open Mon-Sat.", ["Unit 4, Riverside Park"]),
        ("Dr. Patel will be speaking, e.g. about sleep. Tickets £10.", ["Dr. Patel", "£10"]),
        ("Important: prices from $49/month, billed annually", ["$49/month", "billed annually"]),
        ("it must show the 5-year guarantee", ["5-year guarantee"]),
        ("Representative 19.9% APR. Only £4.99 a month after that.", ["19.9% APR", "£4.99"]),
    ],
)
def test_facts_survive_sentence_splitting_and_are_not_padded(text: str, facts: list[str]) -> None:
    must = brief_of("30s ad for our Tallyho app.", text).must_include
    assert all(has(must, fact) for fact in facts), must
    assert len(must) <= len(facts) + 2


def test_a_correction_lead_does_not_hide_a_label() -> None:
    brief = brief_of("Product: Lumen desk lamp", "scratch that — product is the Lumen Pro floor lamp")
    assert brief.product == "Lumen Pro floor lamp"


def test_say_colon_is_a_fact_to_show() -> None:
    brief = brief_of('End card: "Try it free for 30 days" then the logo', "Also say: no card needed.")
    assert has(brief.must_include, "no card needed")


@pytest.mark.parametrize(
    ("text", "aspects"),
    [
        ("Instagram feed (square) and Stories", {"1:1", "9:16"}),
        ("LinkedIn video, landscape", {"16:9"}),
        ("Facebook feed 4:5 and Reels", {"4:5", "9:16"}),
        ("Reels, TikTok, and a 16x9 version for YouTube", {"9:16", "16:9"}),
    ],
)
def test_a_shape_said_beside_a_platform_is_that_platforms_shape(text: str, aspects: set[str]) -> None:
    assert set(brief_of("30s ad for our Tallyho app.", text).aspect_ratios) == aspects


@pytest.mark.parametrize(
    ("texts", "want"),
    [
        (
            ["Our mascot is Fizz.", "Fizz is a purple hedgehog with a yellow backpack."],
            [("Fizz", ["purple hedgehog", "yellow backpack"])],
        ),
        (
            ["Marco should be in every scene.", "Marco: 50s, grey moustache, white chef's jacket"],
            [("Marco", ["grey moustache", "white chef's jacket"])],
        ),
        (
            ["We'll follow Priya through the whole ad", "looks: long dark hair, ivory jumpsuit, gold hoops"],
            [("Priya", ["long dark hair", "ivory jumpsuit"])],
        ),
        (
            ["keep the same dog in every shot — a scruffy brown terrier with a red bandana"],
            [("dog", ["scruffy brown terrier", "red bandana"])],
        ),
    ],
)
def test_looks_said_in_the_next_line_stay_with_the_character(
    texts: list[str], want: list[tuple[str, list[str]]]
) -> None:
    test_characters_keep_their_looks(texts, want)


def test_the_writer_who_casts_themself_is_the_character() -> None:
    result = extract_brief(
        [
            Message(author="coach_rae", text="20s promo for our boxing gym, Reels"),
            Message(author="coach_rae", text="me in it obvs, shaved head, red gloves, grey hoodie"),
        ]
    )
    assert result.brief.characters == ["coach_rae"]
    look = result.brief.character_looks["coach_rae"]
    assert "shaved head" in look and "red gloves" in look


def test_a_role_before_a_name_is_the_same_person() -> None:
    brief = brief_of(
        "30s ad for our Tallyho app.",
        "Every scene features our delivery rider, Sam: tall, bike helmet, orange jacket.",
    )
    assert brief.characters == ["Sam"]
    assert "orange jacket" in brief.character_looks["Sam"]


@pytest.mark.parametrize(
    ("text", "brand", "product"),
    [
        ("Hi from the Brightwater team! We need a reel for our new filter jug.", "Brightwater", "filter jug"),
        ("Kettle & Crumb marketing here — ad for our new scone box", "Kettle & Crumb", "scone box"),
        (
            "Ad for our new oat latte. Thanks!\n— Jane, Social @ Copper Kettle Cafe",
            "Copper Kettle Cafe",
            "oat latte",
        ),
        (
            "Our company, Greyline Analytics, is launching Pulse, a dashboard for ops teams.",
            "Greyline Analytics",
            "Pulse",
        ),
    ],
)
def test_the_company_is_the_brand_and_not_the_product(text: str, brand: str, product: str) -> None:
    brief = brief_of(text)
    assert (brief.brand.name, brief.product) == (brand, product)


@pytest.mark.parametrize(
    "text",
    [
        "Our budget is £500 for this one.",
        "last campaign cost us £2k lol",
        "We got 30% more signups last year from video.",
        "The shoot is on 12 March, can you deliver by 20 March?",
    ],
)
def test_numbers_about_making_the_ad_are_not_facts_to_show(text: str) -> None:
    assert brief_of("30s ad for our Tallyho app.", text).must_include == []


def test_a_price_for_the_end_card_is_a_fact_even_beside_a_cta_cue() -> None:
    assert has(
        brief_of("Ad for our honey.", "Put the price on the end card — £3.50 a jar.").must_include, "£3.50"
    )


def test_every_quoted_line_and_a_stated_number_under_a_must_label() -> None:
    must = brief_of(
        "Ad for our ISA.", "Mandatory: 'Capital at risk.' plus our FCA number 123456"
    ).must_include
    assert has(must, "Capital at risk") and has(must, "123456")
    must = brief_of(
        "Ad for Bloomly.", "Has to be in it: 'Free delivery over £30' and 'Order by 10pm for next-day'"
    ).must_include
    assert has(must, "Free delivery over £30") and has(must, "Order by 10pm for next-day")


@pytest.mark.parametrize(
    ("texts", "product"),
    [
        (
            [
                "Hey! Quick one from Fernleaf: we need an ad for our invoicing app for freelancers",
                "it's Fernleaf Invoice btw",
            ],
            "Fernleaf Invoice",
        ),
        (["we make Bramble, a period-tracking app for teens"], "Bramble"),
        (["Ad time! Our thing is Hoptail — craft alcohol-free beer."], "Hoptail"),
    ],
)
def test_a_name_given_in_passing_is_the_product(texts: list[str], product: str) -> None:
    assert brief_of(*texts).product == product


@pytest.mark.parametrize(
    ("text", "audience"),
    [
        ("Reach: over-60s who are new to smartphones", "over-60s who are new to smartphones"),
        ("ideal customer = first-time home buyers in their 30s", "first-time home buyers in their 30s"),
    ],
)
def test_audience_labels_in_more_words_and_ages_kept(text: str, audience: str) -> None:
    assert brief_of(text).audience == audience


@pytest.mark.parametrize(
    ("texts", "goal"),
    [
        (
            ["Spot for Quillo, the note-taking app. 20s, TikTok.", 'CTA: "Get it on the App Store"'],
            "app_install",
        ),
        (
            [
                "We need a reel for the winter shelter appeal.",
                "Every £10 gives someone a warm bed. Donate at shelterly.example",
            ],
            "donation",
        ),
        (
            [
                "Teaser for our supper club on Friday 14 May, doors open 7pm.",
                "Grab your tickets at supperclub.example",
            ],
            "event",
        ),
        (
            [
                "Ad for Ledgerbird, bookkeeping software for sole traders.",
                'End with "Start your 14-day free trial"',
            ],
            "signup",
        ),
        (["Our summer sale: 30% off all linen shirts until Sunday.", "use code SUN30 at checkout"], "offer"),
        (["Introducing Pebble 2, our new smart thermostat, out 3 March.", "16:9 for YouTube"], "launch"),
        (
            [
                "Little video for the barber shop, we're on Kettle Row.",
                "Open Tue-Sat, walk-ins welcome, pop in!",
            ],
            "local_business",
        ),
        (
            [
                "Brand film for Woodmere. No product, no offer.",
                "It's about getting our name out there, pure awareness.",
            ],
            "awareness",
        ),
        (["Quick ad: our new lip oil drops next Friday.", "Pre-order at glossworks.example"], "launch"),
        (
            [
                "Ad for the gym. Not a sale, no discount, we never do discounts.",
                "Book your free induction session",
            ],
            "signup",
        ),
    ],
)
def test_the_goal_is_the_strongest_evidence_in_the_whole_thread(texts: list[str], goal: str) -> None:
    assert brief_of(*texts).goal == goal


def test_a_stated_goal_beats_the_threads_other_cues() -> None:
    brief = brief_of(
        "Ad for our new running shoe, 20% off this week.", "Goal: app downloads, the shoe is sold in our app."
    )
    assert brief.goal == "app_install"


def test_a_negated_cue_is_no_evidence() -> None:
    from cutroom.core.extract.fields import goal_scores

    assert goal_scores("We never do discounts and this is not a sale.", None)["offer"] == 0
    assert goal_scores("Everything is on sale this week.", None)["offer"] > 0


@pytest.mark.parametrize(
    ("texts", "words"),
    [
        (
            ["Reel for Crumbly, our gluten-free flapjacks.", "We're going after coeliacs and gym-goers."],
            ["coeliacs"],
        ),
        (
            ["Ad for Tidyhive, a chore app.", "Our customers are mostly busy mums juggling two jobs."],
            ["busy mums"],
        ),
        (
            [
                "New feature video for Stackd.",
                "It should speak to small business owners who hate spreadsheets.",
            ],
            ["small business owners"],
        ),
        (
            ["Spot for Moss & Main candles.", "Aimed squarely at millennials decorating their first flat."],
            ["millennials"],
        ),
        (["Audience: new dads", "skews 25-34, mostly urban"], ["new dads", "25-34"]),
        (
            ["Promo for the climbing wall.", "perfect for the total beginner who's never been up a wall"],
            ["beginner"],
        ),
        (
            ["Ad for Bramble, a pension app for freelancers.", "Think Gen Z and younger millennials."],
            ["freelancers"],
        ),
    ],
)
def test_audience_from_cues_anywhere_with_ages_added(texts: list[str], words: list[str]) -> None:
    audience = brief_of(*texts).audience or ""
    assert all(w.lower() in audience.lower() for w in words), audience


@pytest.mark.parametrize(
    "texts",
    [
        ["Ad for the hotel, £249 per couple, 30s.", "did anyone see the match last night"],
        ["Tasting menu ad, $45 per person, 15 seconds.", "end with 'Book now'"],
    ],
)
def test_prices_per_person_and_chatter_are_no_audience(texts: list[str]) -> None:
    audience = (brief_of(*texts).audience or "").lower()
    assert "per couple" not in audience and "per person" not in audience and "anyone" not in audience, (
        audience
    )


def test_a_corrected_audience_label_drops_the_earlier_one() -> None:
    brief = brief_of("Audience: students", "Actually, change that, audience: retirees")
    assert "retirees" in (brief.audience or "") and "students" not in (brief.audience or "")


@pytest.mark.parametrize(
    ("texts", "words"),
    [
        (["Ad for Glowpath serum, 20s TikTok.", "Target demo: women 30-45 with dry skin"], ["women 30-45"]),
        (
            ["Short for Loopline bikes.", "Ideal viewer: a 30-something urban commuter sick of the tube"],
            ["commuter"],
        ),
        (
            ["Ad for Lumen Lab, an AI tutor.", "We're after parents of teenagers sitting exams"],
            ["parents of teenagers"],
        ),
        (["Ad for Sprig salads", "targeting office lunch crowds in Canary Wharf"], ["office lunch crowds"]),
        (["New ad for Clarion hearing aids.", "Speaks to people in their 60s and 70s"], ["60s and 70s"]),
    ],
)
def test_audience_labels_and_cues_in_other_words(texts: list[str], words: list[str]) -> None:
    audience = brief_of(*texts).audience or ""
    assert all(w.lower() in audience.lower() for w in words), audience


def test_a_target_demo_or_a_promo_video_says_nothing_about_the_goal() -> None:
    assert brief_of("Promo video for Ironbark boots.", "Target demo: tradies and farmers").goal == "awareness"


@pytest.mark.parametrize(
    ("texts", "goal"),
    [
        (
            [
                "Ad for Vireo, our first electric scooter, out in April.",
                "CTA: Reserve yours at vireo.example",
            ],
            "launch",
        ),
        (["We're bringing out a limited edition pumpkin spice granola next week", "30s reel"], "launch"),
        (["Video for our annual open studios, Sat 5 Oct, 10am-5pm, free entry"], "event"),
        (["Video for Snip & Style salon", "We want more people walking through the door"], "local_business"),
        (["Ad for Tapstone pizza: two large pizzas for £20 every Tuesday", "end with 'Order now'"], "offer"),
        (["Ad for Plotline, our gardening app", "End card: Free on iOS and Android"], "app_install"),
    ],
)
def test_the_goal_from_less_common_wording(texts: list[str], goal: str) -> None:
    assert brief_of(*texts).goal == goal


@pytest.mark.parametrize(
    ("texts", "product", "brand"),
    [
        (["Kora is launching SNAPFIT, a modular phone case."], "SNAPFIT", "Kora"),
        (
            ["ok so Fable Candles — we're pushing the Quiet Hours candle for Christmas"],
            "Quiet Hours",
            "Fable Candles",
        ),
        (
            ["Northside Coffee here. We want an ad for our new Brightbrew cans."],
            "Brightbrew",
            "Northside Coffee",
        ),
        (
            ["We're Greenleaf Farms. The ad is about the Harvest Box, a weekly veg box."],
            "Harvest Box",
            "Greenleaf Farms",
        ),
        (["Ad for Mirelle. The hero is Duo, a 2-in-1 cleanser."], "Duo", "Mirelle"),
        (["Sprout is a savings app for kids. Need a TikTok ad."], "Sprout", None),
        (["Bean & Burrow's Velvet Roast coffee beans", "20s, Instagram"], "Velvet Roast", "Bean & Burrow"),
    ],
)
def test_product_and_brand_from_heads_subjects_and_heroes(
    texts: list[str], product: str, brand: str | None
) -> None:
    brief = brief_of(*texts)
    assert product in (brief.product or ""), brief.product
    if brand:
        assert brief.brand.name == brand
    else:
        assert not brief.brand.name or brief.brand.name in (brief.product or "")


def test_a_business_named_after_my_shop_is_the_brand() -> None:
    assert brief_of("ad for my bakery, The Daily Crumb, on Mill Road").brand.name == "The Daily Crumb"


@pytest.mark.parametrize(
    ("texts", "want"),
    [
        (
            [
                "Ad for Tallyho.",
                "Our main character is Priya, a freelance designer in her late 20s with a nose ring and a yellow beanie.",
            ],
            {"Priya": ["nose ring", "yellow beanie"]},
        ),
        (
            ["Spot for Crumbs bakery", "Feature our baker Tom - big ginger beard, flour-dusted apron"],
            {"Tom": ["ginger beard"]},
        ),
        (
            [
                "Ad for Kindle Kafe",
                "Two characters: Ana (30s, curly hair, denim jacket) and Ben (60s, bald, cardigan)",
            ],
            {"Ana": ["curly hair", "denim jacket"], "Ben": ["bald", "cardigan"]},
        ),
    ],
)
def test_people_named_by_role_or_with_looks_in_brackets(texts: list[str], want: dict[str, list[str]]) -> None:
    brief = brief_of(*texts)
    assert len(brief.characters) == len(want), brief.characters
    for name, looks in want.items():
        match = next(c for c in brief.characters if name in c)
        look = brief.character_looks.get(match, "")
        assert all(item in look for item in looks), look
        assert not look.startswith("-") and not look.endswith("and")


@pytest.mark.parametrize(
    ("text", "product"),
    [
        ("Video needed: Ridgeway Flex hiking poles, lightest we've made", "Ridgeway Flex"),
        ("hi team, Cadence launches on the 4th, it's a habit tracker", "Cadence"),
        ("the SolarEdge Pro panel kit is what we're advertising", "SolarEdge Pro"),
        ("Brief: Sleepwell mattress, 30 secs, YouTube", "Sleepwell"),
    ],
)
def test_a_product_after_an_ad_heading_or_before_launches(text: str, product: str) -> None:
    got = brief_of(text).product or ""
    assert product in got and not got.lower().startswith(("video", "brief")), got


def test_a_business_with_no_product_named_is_read_as_the_product_and_the_question_asks() -> None:
    result = extract_brief(
        [
            Message(author="jo", text="Ironworks Gym here, we wanna do a new yr promo vid"),
            Message(author="jo", text="CTA: Join today at ironworks.example"),
        ]
    )
    assert result.brief.product == "Ironworks Gym"
    assert result.question and "Ironworks Gym" in result.question and "is that the product" in result.question


@pytest.mark.parametrize(
    ("texts", "brand"),
    [
        (
            [
                "Ad for the Forever Red bouquet from the lovely folks at Petal Post",
                "End with Order now at petalpost.shop",
            ],
            "Petal Post",
        ),
        (
            ["Spokes & Sprockets winter service, £35", "cta: book at spokesandsprockets.co.uk"],
            "Spokes & Sprockets",
        ),
        (
            ["Hi from Maya! We need a reel for the Drift sofa by Oakhaven.", "link: oakhaven.example/drift"],
            "Oakhaven",
        ),
    ],
)
def test_the_brand_is_the_name_the_web_address_spells(texts: list[str], brand: str) -> None:
    assert brief_of(*texts).brand.name == brand


def test_a_web_address_that_spells_no_name_in_the_thread_gives_no_brand_from_it() -> None:
    from cutroom.core.extract.fields import name_of_domain

    assert name_of_domain("Ad for the Lumen lamp. Link: bit.ly/xyz", "bit.ly/xyz") is None
    assert name_of_domain("Maya here, ad for Lumen", "lumen.example") == "Lumen"


@pytest.mark.parametrize(
    ("texts", "name", "look"),
    [
        (
            ["Ad for Loam skincare.", "Presented by our founder, Jane — 50s, grey bob, linen shirt."],
            "Jane",
            "grey bob",
        ),
        (
            [
                "Ad for Gusto vans",
                "Follow a plumber, Mo, through his day. He's 40ish, stocky, navy overalls.",
            ],
            "Mo",
            "navy overalls",
        ),
    ],
)
def test_a_role_then_a_comma_then_a_name_is_someone_cast(texts: list[str], name: str, look: str) -> None:
    brief = brief_of(*texts)
    match = next(c for c in brief.characters if name in c)
    assert look in brief.character_looks.get(match, "")


def test_a_voice_over_or_a_wish_for_real_people_casts_nobody() -> None:
    assert (
        brief_of(
            "Ad for Tallyho.", "VO: warm female voice, British.", "No people on screen, just the app UI."
        ).characters
        == []
    )


def test_questions_labels_and_remarks_are_not_facts_to_show() -> None:
    brief = brief_of(
        "Ad for Ledgerline. Goal = demo bookings.",
        "Must include: 'No card needed' and the price £12/month. Should we say it works with Xero?",
        "The price and the address are essential.",
    )
    assert has(brief.must_include, "£12")
    assert not any(
        item.rstrip().endswith("?") or item.lower().startswith("goal") for item in brief.must_include
    )
    assert not has(brief.must_include, "are essential")


def test_a_business_known_only_from_its_web_address_is_read_as_the_product_and_asked() -> None:
    result = extract_brief(
        [
            Message(
                author="sam",
                text="20s reel please, for office workers nearby. Everyone loves Harbour Lane Deli sandwiches",
            ),
            Message(author="sam", text="end with Pop in today, harbourlanedeli.example"),
        ]
    )
    assert result.brief.brand.name == "Harbour Lane Deli"
    assert result.brief.product == "Harbour Lane Deli"
    assert result.question and "is that the product" in result.question


def test_who_the_ad_is_for_is_not_the_product_and_a_vibe_is_not_the_audience() -> None:
    brief = brief_of(
        "20s reel for office workers nearby, cosy vibe",
        "Harbour Lane Deli, pop in today, harbourlanedeli.example",
    )
    assert brief.product == "Harbour Lane Deli"
    assert brief.audience == "office workers nearby"


def test_a_reply_that_names_no_product_keeps_the_briefs_product() -> None:
    """Editing: a CTA-only reply must not lose the product the brief already had."""
    from cutroom.core.extract import extract_brief
    from cutroom.core.models import Message

    base = extract_brief(
        [Message(author="ana", text="A 20 second ad for Trailmix Bars for weekend hikers. CTA Buy now")]
    ).brief
    edited = extract_brief(
        [Message(author="ben", text="CTA Order today at trailmix.example/shop")], base=base
    ).brief
    assert edited.product == base.product == "Trailmix Bars"
    assert edited.url and "trailmix.example" in edited.url


def test_an_ad_for_a_product_for_people_reads_the_people_as_the_audience() -> None:
    from cutroom.core.extract import extract_brief
    from cutroom.core.models import Message

    brief = extract_brief(
        [Message(author="ana", text="Need a 15s ad for Kettle Pro for first-time renters, friendly.")]
    ).brief
    assert brief.product == "Kettle Pro"
    assert brief.audience == "first-time renters"
