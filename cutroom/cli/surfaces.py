"""CLI commands (placeholder: filled in by the issue that owns them)."""

from __future__ import annotations

import typer

from cutroom.cli.app import app, console  # noqa: F401


# ── discord ─────────────────────────────────────────────────────────────────────────────
@app.command("discord")
def discord_bot(
    message_content: bool = typer.Option(
        False,
        "--message-content/--no-message-content",
        envvar="CUTROOM_DISCORD_MESSAGE_CONTENT",
        help="Ask for the privileged Message Content intent (enable it in the Developer Portal first). "
        "Without it /ad and mentions still work; plain replies in a thread are not read.",
    ),
    guild: int | None = typer.Option(
        None,
        "--guild",
        envvar="CUTROOM_DISCORD_GUILD_ID",
        help="Publish /ad to this server only, instantly (global commands can take an hour to appear).",
    ),
    shards: int | None = typer.Option(
        None, "--shards", help="Total shard count (default: Discord's recommendation)."
    ),
    shard_ids: str | None = typer.Option(
        None, "--shard-ids", help="Shards this process runs, e.g. 0,1 (needs --shards)."
    ),
    upload_limit_mb: float | None = typer.Option(
        None,
        "--upload-limit-mb",
        help="Treat uploads above this as too big (default: each server's own limit).",
    ),
) -> None:
    """Run the Discord bot: /ad and mentions in, storyboards and videos back in a thread."""
    import asyncio as _asyncio
    import logging as _logging

    from cutroom.bots.discord import CutroomBot
    from cutroom.bots.engine import EngineConfig, build_engine
    from cutroom.core.errors import CutroomError
    from cutroom.settings import Settings

    settings = Settings()
    if settings.discord_token is None:
        raise CutroomError(
            "DISCORD_TOKEN is not set. Create a bot in the Discord Developer Portal, copy its token, "
            "and put it in the environment or in .env (see README, Discord)."
        )
    if not settings.redis_url:
        raise CutroomError(
            "The Discord bot needs Redis: set REDIS_URL (or run `cutroom up`, which starts one)."
        )
    ids = [int(x) for x in shard_ids.split(",") if x.strip()] if shard_ids else None
    if ids is not None and shards is None:
        raise CutroomError("--shard-ids needs --shards (the total number of shards across all processes).")
    _logging.basicConfig(level=_logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _logging.getLogger("discord.http").setLevel(_logging.WARNING)

    async def engine_for(platform):  # type: ignore[no-untyped-def]
        return await build_engine(
            settings, platform, config=EngineConfig(link_expiry_s=settings.link_expiry_s)
        )

    async def run() -> None:
        bot = CutroomBot(
            engine_factory=engine_for,
            message_content=message_content,
            shard_count=shards,
            shard_ids=ids,
            dev_guild_id=guild,
            upload_limit=int(upload_limit_mb * 1024 * 1024) if upload_limit_mb else None,
        )
        async with bot:
            await bot.start(settings.require("discord_token"), reconnect=True)

    console.print(
        f"[bold]Cutroom on Discord[/] (message content intent: {'on' if message_content else 'off'})"
    )
    try:
        _asyncio.run(run())
    except KeyboardInterrupt:
        console.print("[yellow]Stopped.[/]")


# ── slack ───────────────────────────────────────────────────────────────────────────────
@app.command("slack")
def slack_bot(
    mode: str | None = typer.Option(
        None, "--mode", help="socket (development, no public URL) or http (production). Default: CUTROOM_SLACK_MODE."
    ),
    host: str = typer.Option("0.0.0.0", "--host", help="HTTP mode: the address to listen on."),
    port: int = typer.Option(3000, "--port", envvar="PORT", help="HTTP mode: the port for POST /slack/events."),
) -> None:
    """Run the Slack bot: mentions, /cutroom, reactions and buttons in; storyboards and videos back in the thread."""
    import asyncio as _asyncio
    import logging as _logging

    from cutroom.core.errors import CutroomError
    from cutroom.settings import Settings

    settings = Settings()
    if mode is not None:
        if mode not in ("socket", "http"):
            raise CutroomError(f"--mode must be socket or http, not {mode!r}.")
        settings = settings.model_copy(update={"slack_mode": mode})
    needed = ["slack_bot_token", "slack_app_token" if settings.slack_mode == "socket" else "slack_signing_secret"]
    for name in needed:
        try:
            settings.require(name)
        except ValueError as err:
            raise CutroomError(f"{err} The README's Slack section shows where to find it.") from None
    if not settings.redis_url:
        raise CutroomError("The Slack bot needs Redis: set REDIS_URL (or run `cutroom up`, which starts one).")
    _logging.basicConfig(level=_logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    from cutroom.bots.slack.app import install_redaction, serve

    install_redaction()
    where = "Socket Mode" if settings.slack_mode == "socket" else f"HTTP on {host}:{port}/slack/events"
    console.print(f"[bold]Cutroom on Slack[/] ({where})")
    try:
        _asyncio.run(serve(settings, host=host, port=port))
    except KeyboardInterrupt:
        console.print("[yellow]Stopped.[/]")


# ── playground ──────────────────────────────────────────────────────────────────────────
@app.command("playground")
def playground_web(
    host: str | None = typer.Option(None, "--host", help="Address to listen on (default: CUTROOM_PLAYGROUND_HOST, 127.0.0.1)."),
    port: int | None = typer.Option(
        None, "--port", envvar="PORT", help="Port (default: PORT, else CUTROOM_PLAYGROUND_PORT, 7860)."
    ),
    render_scale: float = typer.Option(
        1.0, "--render-scale", envvar="CUTROOM_RENDER_SCALE", min=0.1, max=1.0,
        help="Below 1 renders smaller frames, for quick demos on a laptop.",
    ),
) -> None:
    """Open the web playground: paste a brief, edit the storyboard, approve, watch the ads."""
    from cutroom.playground.app import build_app, start
    from cutroom.settings import Settings

    settings = Settings()
    where = f"the workers at {settings.redis_url.split('@')[-1]}" if settings.redis_url else "this process"
    console.print(f"[bold]Cutroom playground[/] (work runs in {where}; Ctrl-C stops it)")
    start(build_app(settings, render_scale=render_scale), settings, host=host, port=port, block=True)
