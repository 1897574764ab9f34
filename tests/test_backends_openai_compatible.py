"""The LLM path on any OpenAI-compatible server (vLLM, Ollama, llama.cpp's server).

A loopback fake shaped like such a server: it ignores ``tool_choice`` and answers with JSON in
the message content, may need no key, and may want ``max_tokens`` instead of
``max_completion_tokens``. Driven through the official ``openai`` SDK. Also: a scene redo with
a hosted planner configured goes to that planner, not the embedded one.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cutroom.core.backends import Backends, extractors, planners
from cutroom.core.errors import BackendError, TransientError
from cutroom.core.pipeline import make_storyboard, redo_scene
from cutroom.storage.artifacts import LocalArtifactStore
from tests.support.fake_providers import OpenAIFake, serving
from tests.test_backends_llm import BRIEF, EXTRACTION, THREAD, plan_arguments


@pytest.fixture
def local_server() -> Iterator[OpenAIFake]:
    """A server that needs no key: it accepts whatever the SDK sends."""
    with serving(OpenAIFake(api_key=None)) as fake:
        yield fake  # type: ignore[misc]


def _local(kind: str, fake: OpenAIFake, **options: Any) -> Any:
    registry = extractors if kind == "extractor" else planners
    return registry.create("openai", base_url=fake.url + "/v1", model="llama3.1", **options)


def test_json_in_the_content_is_accepted_when_the_server_ignores_the_forced_tool(
    local_server: OpenAIFake,
) -> None:
    fenced = "Here is the brief:\n```json\n" + json.dumps(EXTRACTION) + "\n```"
    local_server.script(local_server.content_answer(fenced))

    result = _local("extractor", local_server, max_tokens_param="max_tokens", max_tokens=2048).extract(THREAD)

    assert result.brief.product == "Glow serum" and result.brief.call_to_action == "Shop now"
    [request] = local_server.requests
    body = request.json
    assert request.path == "/v1/chat/completions"
    assert body["tool_choice"] == {"type": "function", "function": {"name": "record_brief"}}  # still asked
    assert body["max_tokens"] == 2048 and "max_completion_tokens" not in body
    # No key configured: the placeholder goes to the local server, never a real secret.
    assert request.headers["authorization"] == "Bearer sk-no-key-needed"


def test_content_json_is_validated_and_gets_one_repair_turn(local_server: OpenAIFake) -> None:
    bad = dict(EXTRACTION, brief=dict(EXTRACTION["brief"], duration_s=900))
    local_server.script(
        local_server.content_answer(json.dumps(bad)),
        local_server.content_answer(json.dumps(EXTRACTION)),
    )

    result = _local("extractor", local_server).extract(THREAD)

    assert result.brief.duration_s == 30
    first, second = local_server.requests
    assert first.json["max_completion_tokens"] == 8192  # the default name, for OpenAI itself
    repair = second.json["messages"][-1]
    assert repair["role"] == "user" and "did not fit the form" in repair["content"]


def test_text_without_json_twice_is_a_backend_error_in_words(local_server: OpenAIFake) -> None:
    local_server.script(
        local_server.content_answer("Sure! The product is Glow serum."),
        local_server.content_answer("As I said, Glow serum."),
    )
    with pytest.raises(BackendError, match="held no JSON object"):
        _local("extractor", local_server).extract(THREAD)


def test_the_planner_also_takes_json_from_the_content(local_server: OpenAIFake) -> None:
    local_server.script(local_server.content_answer(json.dumps(plan_arguments())))

    plan = _local("planner", local_server, max_tokens_param="none").plan(BRIEF, seed=3)

    assert abs(sum(s.duration_s for s in plan.shots) - BRIEF.duration_s) < 0.05
    body = local_server.requests[0].json
    assert not {"max_tokens", "max_completion_tokens"} & set(body)


def test_the_responses_api_is_a_setting_and_its_output_text_is_read(local_server: OpenAIFake) -> None:
    local_server.script(local_server.output_text(json.dumps(EXTRACTION)))

    result = _local("extractor", local_server, api="responses").extract(THREAD)

    assert result.brief.product == "Glow serum"
    [request] = local_server.requests
    assert request.path == "/v1/responses"
    assert request.json["max_output_tokens"] == 8192


def test_errors_name_the_url_that_was_tried(local_server: OpenAIFake) -> None:
    local_server.script(local_server.error(404, "model 'llama3.1' not found"))
    with pytest.raises(BackendError) as caught:
        _local("extractor", local_server, max_retries=0).extract(THREAD)
    assert local_server.url in str(caught.value) and "404" in str(caught.value)

    unreachable = extractors.create(
        "openai", base_url="http://127.0.0.1:9/v1", model="m", max_retries=0, timeout_s=2.0
    )
    with pytest.raises(TransientError, match=r"tried http://127\.0\.0\.1:9/v1"):
        unreachable.extract(THREAD)


def test_an_unknown_token_parameter_name_is_refused_in_words() -> None:
    with pytest.raises(BackendError, match="max_tokens"):
        extractors.create("openai", base_url="http://127.0.0.1:9/v1", model="m", max_tokens_param="n_predict")


def test_settings_carry_the_api_token_name_timeout_and_retries_to_the_backend() -> None:
    from cutroom.settings import Settings
    from cutroom.wiring import llm_options

    settings = Settings(
        openai_base_url="http://127.0.0.1:11434/v1",
        openai_model="llama3.1",
        openai_api="responses",
        openai_max_tokens_param="max_tokens",
        llm_timeout_s=30.0,
        llm_max_retries=5,
    )
    options = llm_options(settings, "openai")
    assert options["api"] == "responses" and options["max_tokens_param"] == "max_tokens"
    assert (options["timeout_s"], options["max_retries"]) == (30.0, 5)
    model = extractors.create("openai", **options)
    assert model.model.client.timeout == 30.0 and model.model.client.max_retries == 5  # type: ignore[attr-defined]


def test_a_scene_redo_uses_the_configured_hosted_planner(local_server: OpenAIFake, tmp_path: Path) -> None:
    first = plan_arguments()
    second = plan_arguments()
    for shot in second["shots"]:
        shot["description"] = "A new take: " + shot["description"]
    local_server.script(
        local_server.content_answer(json.dumps(first)), local_server.content_answer(json.dumps(second))
    )
    backends = dataclasses.replace(Backends.embedded(), planner=_local("planner", local_server), voice=None)
    store = LocalArtifactStore(tmp_path / "artifacts")

    board = make_storyboard(BRIEF, store, backends=backends, seed=7)
    redone = redo_scene(board, 2, store, backends=backends, seed=8)

    assert len(local_server.requests) == 2  # the redo asked the hosted planner, not the embedded one
    old, new = board.plan.shots, redone.plan.shots
    assert new[1].description.startswith("A new take: ")
    assert new[1].duration_s == old[1].duration_s and new[1].role == old[1].role
    assert [s.description for i, s in enumerate(new) if i != 1] == [
        s.description for i, s in enumerate(old) if i != 1
    ]
    assert redone.version == board.version + 1
