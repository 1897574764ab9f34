"""The default hosted models are ones the installed SDKs list and have not announced a shutdown for.

Read from the SDKs themselves (openai's ``ChatModel`` literal and its "Deprecated values" note,
anthropic's ``DEPRECATED_MODELS`` table), so an SDK upgrade that deprecates a default fails here.
"""

from __future__ import annotations

import inspect
import re
import typing

import pytest

from cutroom.core.backends.llm import AnthropicTools, OpenAITools
from cutroom.settings import Settings


def _default(cls: type, name: str) -> str:
    value = inspect.signature(cls.__init__).parameters[name].default
    assert isinstance(value, str)
    return value


def test_openai_default_is_listed_and_has_no_announced_shutdown() -> None:
    from openai.types.shared import chat_model

    model = Settings.model_fields["openai_model"].default
    assert model == _default(OpenAITools, "model")
    assert model in typing.get_args(chat_model.ChatModel)
    source = inspect.getsource(chat_model)
    assert "Deprecated values" in source  # the note this test reads is still where it was
    deprecated = set(re.findall(r'"([^"]+)"', source.split("Deprecated values", 1)[1]))
    assert "gpt-4.1-mini" in deprecated  # the old default, shut down 2027-01-14
    assert model not in deprecated


def test_anthropic_default_is_listed_and_not_deprecated() -> None:
    from anthropic._data import DEPRECATED_MODELS
    from anthropic.types.model import Model

    model = Settings.model_fields["anthropic_model"].default
    assert model == _default(AnthropicTools, "model")
    listed = typing.get_args(typing.get_args(Model)[0])
    assert model in listed
    assert model not in DEPRECATED_MODELS


@pytest.mark.parametrize(
    "variable, field",
    [("CUTROOM_OPENAI_MODEL", "openai_model"), ("CUTROOM_ANTHROPIC_MODEL", "anthropic_model")],
)
def test_another_model_is_one_setting_away(
    monkeypatch: pytest.MonkeyPatch, variable: str, field: str
) -> None:
    monkeypatch.setenv(variable, "some-other-model")
    assert getattr(Settings(_env_file=None), field) == "some-other-model"  # type: ignore[call-arg]
