"""The playground over HTTP: a real Gradio server on loopback, driven by gradio_client.

Brief -> storyboard -> edit a shot -> redo a scene (its own button) -> approve -> variants, with the videos
checked by ffprobe, and every kind of bad input answered in words with the page's state kept.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from PIL import Image

from cutroom.playground.app import HEAVY, MAX_SCENES, TABLE_HEADERS, build_app, serving
from cutroom.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[1] / "playground" / "examples"
SCALE = 0.1667  # 180x320 for 9:16
MAX_VIDEOS_OUT = 4  # the page has four video slots, then downloads, summary, status

#: A 15 s brief with everything the form asks, in the form's field order.
FORM: dict[str, Any] = {
    "product": "Glow Drops vitamin C serum",
    "brand": "Lumina",
    "audience": "women 28-45 who want simple skincare",
    "goal": "launch",
    "tone": "premium, warm",
    "length": 15,
    "platforms": ["TikTok"],
    "formats": ["9:16"],
    "cta": "Shop now",
    "url": "lumina.com/glow",
    "colours": "#F7C948, #1B2A4A",
    "characters": "a woman in her 30s",
    "must_include": "the dropper",
    "avoid": "medical claims",
    "category": "bottle",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def quick_settings(data_dir: Path, **extra: Any) -> Settings:
    """Small, fast renders; no Redis (in-process) unless ``redis_url`` is given."""
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "redis_url": None,
        "fps": 12,
        "encoder_preset": "ultrafast",
        "render_workers": 1,
        "playground_concurrency": 2,
        **extra,
    }
    return Settings(**values)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    settings = quick_settings(tmp_path_factory.mktemp("playground"))
    with serving(settings, host="127.0.0.1", port=free_port(), render_scale=SCALE) as (_demo, url):
        yield url, settings


@pytest.fixture
def client(server: tuple[str, Settings]) -> Client:
    """A new visitor (its own session and page state)."""
    return Client(server[0], verbose=False, download_files=True)


def storyboard(client: Client, **changes: Any) -> tuple[Any, ...]:
    return client.predict(  # type: ignore[no-any-return]
        **{**FORM, **changes}, logo=None, character_refs=None, product_refs=None, api_name="/storyboard"
    )


def table(rows: list[list[Any]]) -> dict[str, Any]:
    """The shot list as the Dataframe takes it over the API."""
    return {"headers": TABLE_HEADERS, "data": rows, "metadata": None}


def gallery_paths(gallery: list[Any]) -> list[Path]:
    paths = []
    for item in gallery:
        image = item.get("image", item) if isinstance(item, dict) else item[0]
        if isinstance(image, dict):
            image = image.get("path")
        paths.append(Path(str(image)))
    return paths


def changed_panels(before: list[Path], after: list[Path]) -> list[int]:
    """The scene numbers whose panel image differs, byte for byte, between two galleries."""
    assert len(before) == len(after)
    return [
        n for n, (b, a) in enumerate(zip(before, after, strict=True), 1) if b.read_bytes() != a.read_bytes()
    ]


def ffprobe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)  # type: ignore[no-any-return]


# ── the brief ───────────────────────────────────────────────────────────────────────────


def test_read_thread_fills_the_form(client: Client) -> None:
    data = json.loads((EXAMPLES / "skincare_launch.json").read_text())
    text = "\n".join(f"{m['author']}: {m['text']}" for m in data["messages"])
    out = client.predict(text, api_name="/read_thread")
    product, brand, audience, goal, tone, length, platforms, formats, cta, url, colours = out[:11]
    assert "Glow Drops" in product
    assert length == 20  # the thread changed its mind from 30 s to 20 s
    assert "4:5" in formats and "9:16" in formats
    assert "#f7c948" in colours and "#1b2a4a" in colours
    assert "Shop now" in cta
    assert "Read 9 messages" in out[-1]


def test_empty_thread_and_empty_brief_are_told_in_words(client: Client) -> None:
    with pytest.raises(AppError, match="thread is empty"):
        client.predict("   ", api_name="/read_thread")
    choices = ("goal", "category")
    empty = {k: ("" if isinstance(v, str) and k not in choices else v) for k, v in FORM.items()}
    with pytest.raises(AppError, match="brief is empty"):
        storyboard(client, **empty)
    with pytest.raises(AppError, match="not a colour"):
        storyboard(client, colours="#F7C948, sunshine")


def test_bad_logos_are_refused_with_reasons(client: Client, tmp_path: Path) -> None:
    notes = tmp_path / "logo.png"
    notes.write_text("this is a text file called logo.png")
    with pytest.raises(AppError, match="not a picture"):
        client.predict(
            **FORM,
            logo=handle_file(str(notes)),
            character_refs=None,
            product_refs=None,
            api_name="/storyboard",
        )
    huge = tmp_path / "huge-logo.png"
    huge.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * (6 * 1024 * 1024))
    with pytest.raises(AppError, match=r"6\.0 MB.*under 5 MB"):
        client.predict(
            **FORM,
            logo=handle_file(str(huge)),
            character_refs=None,
            product_refs=None,
            api_name="/storyboard",
        )


def test_edits_need_a_storyboard_first(client: Client) -> None:
    with pytest.raises(AppError, match="no storyboard yet"):
        client.predict(table([[1, "hook", 3, "static", "", ""]]), api_name="/apply_edits")
    with pytest.raises(AppError, match="no storyboard yet"):
        client.predict(["9:16"], 1, api_name="/approve")


# ── the whole path ──────────────────────────────────────────────────────────────────────


@pytest.mark.slow
def test_brief_storyboard_edit_redo_approve_variants(client: Client, tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGBA", (120, 60), (27, 42, 74, 255)).save(logo)
    gallery, shots, status, _scene, _render_formats = client.predict(
        **FORM, logo=handle_file(str(logo)), character_refs=None, product_refs=None, api_name="/storyboard"
    )
    panels = gallery_paths(gallery)
    rows = shots["data"] if isinstance(shots, dict) else shots
    assert len(panels) == len(rows) >= 3
    assert all(Image.open(p).size[1] > Image.open(p).size[0] for p in panels)  # 9:16 panels
    assert sum(float(r[2]) for r in rows) == pytest.approx(15)
    assert "v1" in status

    # A negative duration, then durations that no longer add up: words, and nothing changes.
    bad = [list(r) for r in rows]
    bad[1][2] = -2
    with pytest.raises(AppError, match="Scene 2 lasts -2 s"):
        client.predict(table(bad), api_name="/apply_edits")
    bad = [list(r) for r in rows]
    bad[0][2] = float(bad[0][2]) + 2
    with pytest.raises(AppError, match=r"last 17 s but the ad is 15 s.*take 2 s off"):
        client.predict(table(bad), api_name="/apply_edits")
    bad = [list(r) for r in rows]
    bad[0][3] = "zoom wildly"
    with pytest.raises(AppError, match="camera move 'zoom wildly'"):
        client.predict(table(bad), api_name="/apply_edits")

    # A good edit: move a second from scene 1 to scene 2 and change the words of scene 1.
    good = [list(r) for r in rows]
    good[0][2], good[1][2] = float(good[0][2]) - 1, float(good[1][2]) + 1
    good[0][4] = "Meet your glow"
    good[0][3] = "push in"
    gallery2, table2, status2, *_ = client.predict(table(good), api_name="/apply_edits")
    rows2 = table2["data"] if isinstance(table2, dict) else table2
    assert "v2" in status2
    assert rows2[0][4] == "Meet your glow" and rows2[0][3] == "push_in"
    assert float(rows2[1][2]) == pytest.approx(float(rows[1][2]) + 1)

    # Redo scene 2 with its own button under the gallery: a new take of that panel only.
    with pytest.raises(AppError, match=r"no scene 99|greater than maximum value 4"):
        client.predict(99, api_name="/redo_scene")
    with pytest.raises(AppError, match=rf"no scene {MAX_SCENES}; .* scenes 1 to {len(rows)}"):
        client.predict(api_name=f"/redo_scene_{MAX_SCENES}")
    gallery3, _table3, status3, *_ = client.predict(api_name="/redo_scene_2")
    before, after = gallery_paths(gallery2), gallery_paths(gallery3)
    assert "v3" in status3 and "Scene 2 redrawn" in status3
    assert changed_panels(before, after) == [2]

    # The scene box and its button still redo the scene it names.
    gallery4, _table4, status4, *_ = client.predict(1, api_name="/redo_scene")
    after4 = gallery_paths(gallery4)
    assert "v4" in status4 and "Scene 1 redrawn" in status4
    assert changed_panels(after, after4) == [1]

    # Approve twice at once: one render; the second click is told.
    jobs = [client.submit(["9:16"], 1, api_name="/approve") for _ in range(2)]
    results = [job.result(timeout=240) for job in jobs]
    statuses = [r[-1] for r in results]
    assert sum("variant(s) ready" in s for s in statuses) == 1, statuses
    assert sum(s.startswith("Already render") for s in statuses) == 1, statuses
    done = next(r for r in results if "variant(s) ready" in r[-1])
    video = done[0]
    video_path = Path(video["value"]["video"] if isinstance(video["value"], dict) else video["value"])
    info = ffprobe(video_path)
    kinds = {s["codec_type"] for s in info["streams"]}
    assert kinds == {"video", "audio"}
    v = next(s for s in info["streams"] if s["codec_type"] == "video")
    assert (v["width"], v["height"]) == (180, 320)
    assert float(info["format"]["duration"]) == pytest.approx(15, abs=0.3)
    downloads = [Path(p) for p in done[MAX_VIDEOS_OUT]]
    assert {p.suffix for p in downloads} == {".mp4", ".srt"}
    summary = done[MAX_VIDEOS_OUT + 1]
    assert "9:16" in summary and "180×320" in summary and "Render" in summary
    assert "Consistency bible" in summary and "#f7c948" in summary

    # A later click gets the same videos at once.
    again = client.predict(["9:16"], 1, api_name="/approve")
    assert again[-1].startswith("Already rendered")


@pytest.mark.slow
def test_two_visitors_are_served_at_once(server: tuple[str, Settings]) -> None:
    """Gradio's queue runs storyboards of two sessions side by side (concurrency 2)."""
    url = server[0]
    results: dict[int, Any] = {}

    def visit(n: int) -> None:
        results[n] = storyboard(Client(url, verbose=False), product=f"Visitor {n} oat latte", category="food")

    threads = [threading.Thread(target=visit, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(results) == [0, 1]
    assert all("v1" in r[2] for r in results.values())


def test_the_heavy_buttons_share_one_concurrency_limit(tmp_path: Path) -> None:
    """Gradio gives each listener its own concurrency group: the CPU-heavy ones must share one,
    so CUTROOM_PLAYGROUND_CONCURRENCY=3 means 3 jobs on the page, not 3 per button."""
    demo = build_app(quick_settings(tmp_path, playground_concurrency=3))
    fns = {fn.api_name: fn for fn in demo.fns.values() if fn.api_name}
    per_scene = tuple(f"redo_scene_{n}" for n in range(1, MAX_SCENES + 1))
    heavy = ("storyboard", "apply_edits", "redo_scene", *per_scene, "approve")
    assert {(fns[name].concurrency_id, fns[name].concurrency_limit) for name in heavy} == {(HEAVY, 3)}
    assert fns["read_thread"].concurrency_id != HEAVY
    # What Gradio's queue makes of them: one event queue with room for 3 for all the heavy buttons.
    queue = demo._queue
    for name in heavy:
        queue.create_event_queue_for_fn(fns[name])
    assert [
        (q.concurrency_id, q.concurrency_limit) for q in queue.event_queue_per_concurrency_id.values()
    ] == [(HEAVY, 3)]


def test_ffprobe_is_installed() -> None:
    assert shutil.which("ffprobe"), "ffprobe checks the rendered videos"


@pytest.mark.slow
def test_cutroom_playground_command_serves_the_page_with_analytics_off(tmp_path: Path) -> None:
    import os
    import signal
    import sys
    import time
    import urllib.request

    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CUTROOM_", "GRADIO_", "HF_HUB"))}
    env.pop("REDIS_URL", None)
    env["CUTROOM_DATA_DIR"] = str(tmp_path)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from cutroom.cli import main; main()", "playground", "--port", str(port)],
        cwd=Path(__file__).resolve().parents[1],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        config: dict[str, Any] = {}
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=2) as response:
                    config = json.loads(response.read())
                break
            except OSError:
                time.sleep(0.3)
        assert config, (
            f"the playground did not start: {proc.stdout.read().decode() if proc.poll() is not None else ''}"
        )  # type: ignore[union-attr]
        assert config["analytics_enabled"] is False
        assert config["title"] == "Cutroom playground"
        names = {d.get("api_name") for d in config["dependencies"]}
        assert {"read_thread", "storyboard", "apply_edits", "redo_scene", "redo_scene_2", "approve"} <= names
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)
