"""The domain model: JSON in and out, and validation errors a marketer can read."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from cutroom.core.errors import explain
from cutroom.core.models import Brief, CallToAction, Entity, Plan, Shot, StyleBible


def _plan(durations: list[float], *, fps: int = 30, total: int = 15, entities: list[str] | None = None) -> Plan:
    shots = [
        Shot(index=i, duration_s=d, description=f"scene {i}", entities=entities or [])
        for i, d in enumerate(durations, start=1)
    ]
    return Plan(
        title="T", hook="H", brief=Brief(duration_s=total), shots=shots, cta=CallToAction(),
        bible=StyleBible(palette=["#112233"], entities=[Entity(id="hero", name="Hero", kind="character")]), fps=fps,
    )


def test_plan_round_trips_through_json_and_exports_a_schema() -> None:
    plan = _plan([5, 5, 5], entities=["hero"])
    assert Plan.model_validate_json(plan.model_dump_json()) == plan
    schema = Plan.model_json_schema()
    assert "shots" in schema["properties"] and "Shot" in json.dumps(schema)
    assert plan.total_frames == 15 * 30
    assert plan.bible.entity_seeds["hero"] >= 0


def test_brief_length_out_of_range_reads_as_a_sentence() -> None:
    with pytest.raises(ValidationError) as err:
        Brief(duration_s=90)
    assert explain(err.value) == "The length must be at most 60 s."


def test_durations_that_do_not_add_up_name_the_problem() -> None:
    with pytest.raises(ValidationError) as err:
        _plan([5, 5, 4])
    message = explain(err.value)
    assert "14 s in total" in message and "15 s" in message
    assert "add 1 s, e.g. to shot 1 (5 s)" in message
    with pytest.raises(ValidationError) as err:
        _plan([4, 8, 8])
    assert "take 5 s off, e.g. shot 2 (8 s)" in explain(err.value)


def test_a_duration_off_the_frame_grid_names_the_shot() -> None:
    with pytest.raises(ValidationError) as err:
        _plan([5.01, 4.99, 5])
    assert "Shot 1" in explain(err.value)


def test_unknown_entity_and_bad_colour_are_explained() -> None:
    with pytest.raises(ValidationError) as err:
        _plan([5, 5, 5], entities=["villain"])
    assert "villain" in explain(err.value)
    with pytest.raises(ValidationError) as err:
        Brief.model_validate({"brand": {"palette": ["blue-ish"]}})
    assert "hex colour" in explain(err.value)


def test_negative_shot_duration_names_the_shot() -> None:
    with pytest.raises(ValidationError) as err:
        Plan.model_validate(
            {**_plan([5, 5, 5]).model_dump(), "shots": [{"index": 1, "duration_s": -2, "description": "x"}]}
        )
    assert explain(err.value) == "Shot 1's length must be more than 0 s."
