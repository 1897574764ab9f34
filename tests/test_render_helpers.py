"""Plans and probes shared by the render tests (no tests here).

Plans are built by hand so the render tests depend on nothing but the models. Panels come
from the embedded animatic artist when it is installed; until then from ``LayeredPanels``,
a small artist with the same layered shape (backdrop, foreground with alpha, subject box),
importable by worker processes through ``RenderOptions.backend_modules``.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from cutroom.core.backends import PanelArt, images
from cutroom.core.models import BrandKit, Brief, CallToAction, Entity, Plan, Shot, StyleBible
from cutroom.core.render import RenderOptions

LINES = [
    ("Tired of flat mornings?", "Flat mornings?", "push_in", "cut"),
    ("Meet Oat Latte, creamy and smooth.", "Meet Oat Latte", "pan_left", "crossfade"),
    ("Made for students who never stop.", "Made for busy days", "handheld", "whip_pan"),
    ("Barista taste at home, in a minute.", "Barista taste", "crane_up", "dip_to_color"),
    ("Order now at oatlatte dot example.", "", "static", "crossfade"),
]


class LayeredPanels:
    """A stand-in panel artist: a patterned backdrop and an opaque card as the product."""

    def draw(self, plan: Plan, shot: Shot, *, size: tuple[int, int], seed: int) -> PanelArt:
        width, height = size
        rng = np.random.default_rng([seed, shot.index])
        background = Image.new("RGB", size, tuple(int(v) for v in rng.integers(70, 200, 3)))
        draw = ImageDraw.Draw(background)
        for _ in range(10):
            x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
            r = int(rng.integers(max(2, width // 12), max(3, width // 4)))
            draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(int(v) for v in rng.integers(40, 240, 3)))
        foreground = Image.new("RGBA", size, (0, 0, 0, 0))
        box = (int(width * 0.32), int(height * 0.42), int(width * 0.68), int(height * 0.8))
        ImageDraw.Draw(foreground).rounded_rectangle(
            box, radius=max(2, width // 20), fill=(250, 240, 220, 255)
        )
        return PanelArt(background=background, foreground=foreground, subject=box)


images.register("test-layers")(lambda **_: LayeredPanels())


def image_backend_name() -> str:
    return "animatic" if "animatic" in images.names() else "test-layers"


def options(**overrides: object) -> RenderOptions:
    values: dict[str, object] = {
        "image_backend": image_backend_name(),
        "backend_modules": ["tests.test_render_helpers"],
        "preset": "ultrafast",
        "workers": 1,
    }
    values.update(overrides)
    return RenderOptions(**values)  # type: ignore[arg-type]


def make_plan(
    duration_s: int = 15,
    fps: int = 15,
    *,
    lines: list[tuple[str, str, str, str]] | None = None,
    logo: str | None = None,
    font: str | None = None,
    tone: list[str] | None = None,
) -> Plan:
    rows = lines or LINES
    per = duration_s / len(rows)
    brief = Brief(
        product="Oat Latte",
        audience="students",
        tone=tone or ["playful"],
        duration_s=duration_s,
        brand=BrandKit(name="Oat Latte", palette=["#2f6b4f", "#f4c542"], logo=logo, font=font),
        call_to_action="Order now",
        url="oatlatte.example",
    )
    shots = [
        Shot(
            index=i + 1,
            duration_s=per,
            description=text or "end card",
            voice_over=vo,
            on_screen_text=text,
            camera_move=move,
            transition_in=trans,
            is_end_card=i == len(rows) - 1,  # type: ignore[arg-type]
            role="cta" if i == len(rows) - 1 else "benefit",
            entities=["latte"],
        )
        for i, (vo, text, move, trans) in enumerate(rows)
    ]
    bible = StyleBible(
        palette=["#2f6b4f", "#f4c542", "#fff6e5"],
        entities=[Entity(id="latte", name="Oat Latte", kind="product", category="can")],
    )
    return Plan(
        title="Oat Latte",
        hook=rows[0][0],
        brief=brief,
        shots=shots,
        cta=CallToAction(text="Order now", url="oatlatte.example"),
        bible=bible,
        fps=fps,
    )


# ── probes ──────────────────────────────────────────────────────────────────────────────


def ffprobe(path: Path) -> dict:
    done = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_format",
            "-show_streams",
            "-count_frames",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def video_stream(info: dict) -> dict:
    return next(s for s in info["streams"] if s["codec_type"] == "video")


def frame_hashes(path: Path) -> list[str]:
    done = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v", "-f", "framemd5", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return [
        line.rsplit(",", 1)[-1].strip()
        for line in done.stdout.splitlines()
        if line and not line.startswith("#")
    ]


def integrated_loudness(path: Path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) as ffmpeg's ebur128 filter measures them."""
    done = subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-map",
            "0:a",
            "-af",
            "ebur128=peak=true",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = done.stderr[done.stderr.rfind("Summary:") :]
    lufs = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))  # type: ignore[union-attr]
    peak = float(re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1))  # type: ignore[union-attr]
    return lufs, peak


def black_intervals(path: Path) -> list[str]:
    done = subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostats",
            "-i",
            str(path),
            "-map",
            "0:v",
            "-vf",
            "blackdetect=d=0.1:pix_th=0.10",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return [line for line in done.stderr.splitlines() if "black_start" in line]


def top_level_atoms(path: Path) -> list[str]:
    """The MP4's top-level box types in file order (moov before mdat means faststart)."""
    atoms = []
    data = path.read_bytes()
    offset = 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset : offset + 4], "big")
        kind = data[offset + 4 : offset + 8].decode("latin-1")
        if size == 1:
            size = int.from_bytes(data[offset + 8 : offset + 16], "big")
        atoms.append(kind)
        if size < 8:
            break
        offset += size
    return atoms


def parse_srt(path: Path) -> list[tuple[float, float, str]]:
    def seconds(stamp: str) -> float:
        h, m, rest = stamp.split(":")
        s, ms = rest.split(",")
        return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000

    cues = []
    for block in path.read_text().strip().split("\n\n"):
        lines = block.strip().splitlines()
        if len(lines) < 3:
            continue
        start, end = (seconds(part.strip()) for part in lines[1].split("-->"))
        cues.append((start, end, " ".join(lines[2:])))
    return cues


def shot_windows(plan: Plan) -> list[tuple[float, float]]:
    windows, t = [], 0.0
    for shot in plan.shots:
        windows.append((t, t + shot.duration_s))
        t += shot.duration_s
    return windows
