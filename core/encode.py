"""Streaming H.264 encoding with the ffmpeg binary that imageio-ffmpeg ships.

Frames go to ffmpeg's stdin as raw RGB from a writer thread, so Python computes frame
n+1 while ffmpeg (its own process, its own cores) encodes frame n. Nothing here holds more
than a few frames, which keeps memory flat whatever the ad's length.

Every file is written under a temporary name and renamed when complete: a crash, a kill or
a cancel never leaves a half-written file under the final name.
"""

from __future__ import annotations

import contextlib
import os
import queue
import secrets
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

import numpy as np

from cutroom.core.errors import Cancelled, RenderError
from cutroom.core.lifetime import child_options


def ffmpeg_exe() -> str:
    """The imageio-ffmpeg binary (a known, recent build), else the system's ffmpeg."""
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except Exception:  # pragma: no cover - imageio-ffmpeg is a dependency
        found = shutil.which("ffmpeg")
        if not found:
            raise RenderError(
                "ffmpeg is not installed; install it (apt-get install ffmpeg) and retry."
            ) from None
        return found


def ffmpeg_head() -> list[str]:
    """ffmpeg, quiet and non-interactive, overwriting its output (which is always a temp name)."""
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error"]


def rawvideo_input(pix_fmt: str, size: tuple[int, int], fps: int) -> list[str]:
    """Frames piped on stdin as raw ``pix_fmt`` pixels of ``size`` at ``fps``."""
    width, height = size
    return ["-f", "rawvideo", "-pix_fmt", pix_fmt, "-s", f"{width}x{height}", "-r", str(fps), "-i", "-"]


def x264_args(*, preset: str, crf: int, fps: int) -> list[str]:
    """Encoder settings shared by segments and the bench's floor, so the two compare fairly."""
    return [
        "-c:v",
        "libx264",
        "-preset",
        preset,
        "-crf",
        str(crf),
        "-pix_fmt",
        "yuv420p",
        "-g",
        str(fps * 2),
        "-bf",
        "0",
        "-threads",
        "0",
    ]


def temp_name(final: Path) -> Path:
    """A sibling name that keeps the suffix (ffmpeg picks the muxer from it).

    Unique per call, not only per process: a retry must never write into a file a leftover of
    an earlier attempt might still hold, even in a container where pids repeat.
    """
    return final.with_name(f".{final.stem}.part-{os.getpid()}-{secrets.token_hex(4)}{final.suffix}")


def run_ffmpeg(
    args: Sequence[str],
    *,
    what: str,
    timeout: float | None = None,
    should_cancel: Callable[[], bool] | None = None,
) -> str:
    """Run ffmpeg to completion; a failure becomes a RenderError with ffmpeg's last words.

    ``should_cancel`` is polled every 0.1 s; when it turns true ffmpeg is killed and
    Cancelled raised.
    """
    cmd = [*ffmpeg_head(), *args]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, **child_options()
    )
    waited = 0.0
    while True:
        try:
            _, stderr = proc.communicate(timeout=0.1)
            break
        except subprocess.TimeoutExpired:
            waited += 0.1
            if (should_cancel is not None and should_cancel()) or (timeout is not None and waited > timeout):
                proc.kill()
                proc.communicate()
                if timeout is not None and waited > timeout:
                    raise RenderError(f"ffmpeg took too long while {what}.") from None
                raise Cancelled("The render was cancelled.") from None
    if proc.returncode != 0:
        tail = (stderr or "").strip().splitlines()[-3:]
        raise RenderError(f"ffmpeg failed while {what}: {' '.join(tail) or 'no message'}")
    return stderr or ""


def reencode_at_bitrate(
    source: Path, out: Path, *, video_kbps: int, audio_kbps: int, height: int | None = None
) -> None:
    """A smaller H.264/AAC copy at a target bitrate (for upload limits); ``height`` rescales."""
    scale = ["-vf", f"scale=-2:{height}"] if height else []
    run_ffmpeg(
        [
            "-i", str(source), *scale,
            "-c:v", "libx264", "-preset", "veryfast",
            "-b:v", f"{video_kbps}k", "-maxrate", f"{video_kbps}k", "-bufsize", f"{max(video_kbps // 2, 100)}k",
            "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", f"{audio_kbps}k", "-movflags", "+faststart", str(out),
        ],
        what="making the video smaller",
        timeout=600,
    )  # fmt: skip


class FrameWriter:
    """Encode frames (RGBA by default) to ``path`` as they come, atomically.

    ``write(frame)`` returns as soon as the frame is queued; a writer thread feeds ffmpeg.
    ``should_cancel`` is checked on every frame so a cancel stops within a frame's time.
    """

    def __init__(
        self,
        path: Path,
        *,
        size: tuple[int, int],
        fps: int,
        preset: str = "veryfast",
        crf: int = 20,
        extra_args: Sequence[str] = (),
        should_cancel: Callable[[], bool] = lambda: False,
        queue_frames: int = 3,
        pix_fmt: str = "rgba",
    ) -> None:
        self.path = path
        self.size = size
        self.fps = fps
        self.should_cancel = should_cancel
        self.frames_written = 0
        self.channels = {"rgba": 4, "rgb0": 4, "bgra": 4, "rgb24": 3, "bgr24": 3}[pix_fmt]
        self._tmp = temp_name(path)
        width, height = size
        cmd = [
            *ffmpeg_head(),
            *rawvideo_input(pix_fmt, (width, height), fps),
            *x264_args(preset=preset, crf=crf, fps=fps),
            *extra_args,
            "-an",
            str(self._tmp),
        ]
        self._proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            bufsize=0,
            **child_options(),
        )
        self._queue: queue.Queue[bytes | memoryview | None] = queue.Queue(maxsize=queue_frames)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._pump, name="ffmpeg-writer", daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        assert self._proc.stdin is not None
        while True:
            item = self._queue.get()
            if item is None:
                break
            if self._error is not None:
                continue  # drain so the producer never blocks
            try:
                self._proc.stdin.write(item)
            except (BrokenPipeError, OSError) as exc:
                self._error = exc

    def write(self, frame: np.ndarray) -> None:
        if self.should_cancel():
            raise Cancelled("The render was cancelled.")
        if self._error is not None:
            raise RenderError(f"ffmpeg stopped accepting frames: {self._stderr_tail()}")
        height, width = frame.shape[:2]
        if (
            (width, height) != self.size
            or frame.dtype != np.uint8
            or frame.ndim != 3
            or frame.shape[2] != self.channels
        ):
            raise RenderError(
                f"A frame of {width}x{height} does not fit a {self.size[0]}x{self.size[1]} video."
            )
        # ascontiguousarray copies only when needed; the queue owns the buffer from here.
        self._queue.put(memoryview(np.ascontiguousarray(frame)).cast("B"))  # type: ignore[arg-type]  # ndarray is a buffer
        self.frames_written += 1

    def close(self) -> Path:
        """Finish the stream and move the file to its final name."""
        self._queue.put(None)
        self._thread.join()
        assert self._proc.stdin is not None
        with contextlib.suppress(OSError):
            self._proc.stdin.close()
        code = self._proc.wait()
        if code != 0 or self._error is not None:
            message = self._stderr_tail()
            self._tmp.unlink(missing_ok=True)
            raise RenderError(f"ffmpeg could not encode the video: {message or f'exit code {code}'}")
        os.replace(self._tmp, self.path)
        return self.path

    def close_in_background(self) -> threading.Thread:
        """Let ffmpeg flush its last frames while the caller starts on the next shot.

        Join the returned thread, then call ``finished()`` to learn whether it succeeded.
        """
        self._closer_error: BaseException | None = None

        def finish() -> None:
            try:
                self.close()
            except BaseException as exc:  # re-raised by finished()
                self._closer_error = exc

        thread = threading.Thread(target=finish, name="ffmpeg-finish", daemon=True)
        thread.start()
        return thread

    def finished(self) -> Path:
        error = getattr(self, "_closer_error", None)
        if error is not None:
            raise error
        return self.path

    def abort(self) -> None:
        """Stop ffmpeg and remove the partial file (quickly: nothing here waits on a full pipe)."""
        self._error = self._error or RuntimeError("aborted")
        with contextlib.suppress(Exception):
            self._proc.kill()
        # Make room for the end marker so the writer thread wakes up and ends.
        while True:
            try:
                self._queue.put_nowait(None)
                break
            except queue.Full:
                with contextlib.suppress(queue.Empty):
                    self._queue.get_nowait()
        with contextlib.suppress(Exception):
            self._proc.wait(timeout=5)
        self._thread.join(timeout=5)
        self._tmp.unlink(missing_ok=True)

    def _stderr_tail(self) -> str:
        with contextlib.suppress(Exception):
            if self._proc.poll() is None:
                return ""
            assert self._proc.stderr is not None
            return " ".join(self._proc.stderr.read().decode(errors="replace").strip().splitlines()[-3:])
        return ""

    def __enter__(self) -> FrameWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def concat_and_mux(
    segments: Sequence[Path], audio: Path | None, out: Path, *, audio_bitrate: str = "160k", duration_s: float
) -> Path:
    """Join finished segments without re-encoding (concat demuxer, -c copy) and add the audio.

    Writes ``out`` atomically, with the moov atom first (+faststart) so players start at once.
    """
    listing = out.with_name(f".{out.stem}.segments.txt")
    lines = [
        f"file '{str(seg.resolve()).replace(chr(39), chr(39) + chr(92) + chr(39) + chr(39))}'"
        for seg in segments
    ]
    listing.write_text("\n".join(lines) + "\n")
    tmp = temp_name(out)
    args = ["-f", "concat", "-safe", "0", "-i", str(listing)]
    if audio is not None:
        args += ["-i", str(audio)]
    args += ["-map", "0:v:0"]
    if audio is not None and audio.suffix in (".m4a", ".aac", ".mp4"):
        args += ["-map", "1:a:0", "-c:a", "copy"]  # already AAC: no second encode
    elif audio is not None:
        args += ["-map", "1:a:0", "-c:a", "aac", "-b:a", audio_bitrate, "-ar", "48000"]
    args += ["-c:v", "copy", "-t", f"{duration_s:.6f}", "-movflags", "+faststart", str(tmp)]
    try:
        run_ffmpeg(args, what="joining the shots and adding the sound")
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
        listing.unlink(missing_ok=True)
    return out


def encode_aac(
    wav: Path, out: Path, *, bitrate: str = "160k", should_cancel: Callable[[], bool] | None = None
) -> Path:
    """The mix as AAC 48 kHz, ready to be muxed without another encode."""
    tmp = temp_name(out)
    try:
        run_ffmpeg(
            ["-i", str(wav), "-c:a", "aac", "-aac_coder", "fast", "-b:a", bitrate, "-ar", "48000", str(tmp)],
            what="encoding the sound",
            should_cancel=should_cancel,
        )
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def extract_frame(video: Path, at_s: float, out: Path) -> Path:
    """One decoded frame as PNG (the thumbnail), written atomically."""
    tmp = temp_name(out)
    try:
        run_ffmpeg(
            ["-ss", f"{max(0.0, at_s):.3f}", "-i", str(video), "-frames:v", "1", str(tmp)],
            what="saving the thumbnail",
        )
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def extract_frames(video: Path, times_s: Sequence[float], *, size: tuple[int, int]) -> list[np.ndarray]:
    """RGB frames at ``times_s``, scaled to ``size`` (w, h), from one ffmpeg run.

    Each time is its own input with a fast seek, so ffmpeg decodes only from the keyframe
    before it (segments start on one) instead of the whole video: scoring stays cheap.
    """
    if not times_s:
        return []
    width, height = size
    args: list[str] = []
    for at in times_s:
        args += ["-ss", f"{max(0.0, at):.6f}", "-i", str(video)]
    chains = [
        f"[{i}:v:0]trim=end_frame=1,setpts=PTS-STARTPTS,scale={width}:{height}:flags=area,setsar=1[f{i}]"
        for i in range(len(times_s))
    ]
    joined = "".join(f"[f{i}]" for i in range(len(times_s)))
    graph = ";".join([*chains, f"{joined}concat=n={len(times_s)}:v=1:a=0[out]"])
    with tempfile.TemporaryDirectory(prefix="cutroom-frames-") as folder:
        raw = Path(folder) / "frames.rgb"
        run_ffmpeg(
            [
                *args,
                "-filter_complex",
                graph,
                "-map",
                "[out]",
                "-fps_mode",
                "passthrough",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "rgb24",
                str(raw),
            ],
            what="reading frames back for the consistency report",
            timeout=60,
        )
        data = np.fromfile(raw, dtype=np.uint8)
    frame_bytes = width * height * 3
    if data.size != frame_bytes * len(times_s):
        raise RenderError(
            f"ffmpeg returned {data.size // frame_bytes} of {len(times_s)} frames for the consistency report."
        )
    return list(data.reshape(len(times_s), height, width, 3))
