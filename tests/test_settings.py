"""Settings read from the environment as the README writes them."""

from __future__ import annotations

import pytest

from cutroom.settings import Settings


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("U012AB3CD, S0614TZR7", ["U012AB3CD", "S0614TZR7"]), ('["U1","S2"]', ["U1", "S2"]), ("", [])],
)
def test_id_lists_are_comma_separated_or_json(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: list[str]
) -> None:
    monkeypatch.setenv("CUTROOM_APPROVERS", raw)
    monkeypatch.setenv("CUTROOM_ALLOWED_CHANNELS", raw)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.approvers == expected and settings.allowed_channels == expected


def test_placeholder_secrets_count_as_unset_and_say_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "changeme")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.anthropic_api_key is None
    with pytest.raises(ValueError, match="ANTHROPIC_API_KEY is not set"):
        settings.require("anthropic_api_key")


def test_every_bot_limit_comes_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from cutroom.bots.policy import Limits

    monkeypatch.setenv("CUTROOM_REQUESTS_PER_USER_PER_MINUTE", "2")
    monkeypatch.setenv("CUTROOM_REQUESTS_PER_WORKSPACE_PER_MINUTE", "9")
    monkeypatch.setenv("CUTROOM_RENDERS_PER_WORKSPACE_PER_DAY", "7")
    limits = Limits.from_settings(Settings(_env_file=None))  # type: ignore[call-arg]
    assert (limits.requests_per_user_per_minute, limits.requests_per_workspace_per_minute) == (2, 9)
    assert limits.renders_per_workspace_per_day == 7


def test_render_options_mean_the_same_in_every_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI, the playground and the workers all take their RenderOptions from here."""
    from cutroom.wiring import render_options

    monkeypatch.setenv("CUTROOM_VOICE_BACKEND", "none")
    monkeypatch.setenv("CUTROOM_FPS", "24")
    options = render_options(Settings(_env_file=None))  # type: ignore[call-arg]
    assert options.voice_backend is None and options.face_backend is None and options.fps == 24
    assert render_options(Settings(_env_file=None), fps=15).fps == 15  # type: ignore[call-arg]

    monkeypatch.setenv("CUTROOM_VOICE_BACKEND", "elevenlabs")
    monkeypatch.setenv("ELEVENLABS_API_KEY", "xi-key")
    options = render_options(Settings(_env_file=None))  # type: ignore[call-arg]
    assert options.voice_backend == "elevenlabs"
    assert options.backend_options["voice"]["api_key"] == "xi-key"
    assert "xi-key" not in str(options.public())
