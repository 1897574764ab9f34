"""A simulated hosted engine: every clip takes ``latency_s`` and costs nothing (bench/fanout.py, tests).

The task id carries its own submit time, so any process (another worker) can answer its
status; the "download" is a small clip ffmpeg draws locally.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from cutroom.core.clips.engines import ClipFailed, ClipRequest, TaskStatus, engine_spec, engines
from cutroom.core.encode import ffmpeg_exe


class SimEngine:
    name = "sim"

    def __init__(self, *, latency_s: float = 2.0, model: str | None = None, **_: Any) -> None:
        self.spec = engine_spec("sim")
        self.model = model or self.spec.default_model
        self.latency_s = float(latency_s)

    def submit(self, request: ClipRequest) -> str:
        return f"sim.{time.time():.3f}.{request.duration_s}.{uuid.uuid4().hex[:8]}"

    def status(self, task_id: str) -> TaskStatus:
        try:
            _, start, frac, duration, _tag = task_id.split(".")
            elapsed = time.time() - float(f"{start}.{frac}")
        except ValueError:
            return TaskStatus(state="failed", message="unknown task")
        if elapsed < self.latency_s:
            return TaskStatus(state="running", progress=min(0.99, elapsed / self.latency_s), raw="RUNNING")
        return TaskStatus(state="succeeded", progress=1.0, output_url=f"sim://{duration}", raw="SUCCEEDED")

    def cancel(self, task_id: str) -> bool:
        return True

    def download(self, status: TaskStatus, dest: Path, *, max_bytes: int) -> Path:
        duration = (status.output_url or "sim://2").removeprefix("sim://")
        cached = Path(tempfile.gettempdir()) / f"cutroom-sim-{self.spec.fps}-{duration}.mp4"
        if cached.is_file():  # a provider's file is fetched, not made: copy, as a download would
            shutil.copyfile(cached, dest)
            return dest
        part = dest.with_name(f".{dest.name}.part.mp4")
        result = subprocess.run(
            [ffmpeg_exe(), "-y", "-loglevel", "error", "-f", "lavfi", "-i",
             f"testsrc2=size=128x72:rate={self.spec.fps}:duration={duration}",
             "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", str(part)],
            capture_output=True, check=False,
        )
        if result.returncode != 0:
            raise ClipFailed(f"The simulated engine could not draw its clip: {result.stderr[-200:]!r}")
        spare = cached.with_name(f".{cached.name}.{uuid.uuid4().hex[:6]}")
        shutil.copyfile(part, spare)
        spare.replace(cached)
        part.replace(dest)
        return dest


@engines.register("sim")
def _create(**options: Any) -> SimEngine:
    return SimEngine(**options)
