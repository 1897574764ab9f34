"""The playground in headless Chromium: fill the form, draw, redo buttons per scene, approve, play.

The screenshot of the finished page goes to the test's temporary folder; with
CUTROOM_UPDATE_DOCS=1 it replaces docs/playground.png (the README shows it), so an ordinary
run never changes a tracked file.
"""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import pytest

from cutroom.playground.app import serving
from tests.support.browser import chromium_page, require_chromium
from tests.test_playground import SCALE, quick_settings

DOCS_SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "playground.png"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fill(page: object, elem_id: str, value: str) -> None:
    box = page.locator(f"#{elem_id} textarea, #{elem_id} input").first  # type: ignore[attr-defined]
    box.fill(value)


@pytest.mark.slow
def test_fill_the_form_approve_and_a_video_plays(tmp_path: Path) -> None:
    require_chromium()
    settings = quick_settings(tmp_path / "data")
    screenshot = DOCS_SCREENSHOT if os.environ.get("CUTROOM_UPDATE_DOCS") == "1" else tmp_path / "playground.png"
    with (
        serving(settings, host="127.0.0.1", port=free_port(), render_scale=SCALE) as (_demo, url),
        chromium_page() as page,
    ):
        page.set_default_timeout(30_000)
        page.goto(url)
        page.wait_for_selector("#make-storyboard")
        # The per-scene redo buttons under the gallery: none until there is a storyboard.
        redo_buttons = page.get_by_role("button", name=re.compile(r"^Redo \d+$"))
        assert redo_buttons.filter(visible=True).count() == 0

        # An example fills the thread and the whole form in one click.
        page.get_by_role("button", name="Restaurant").click()
        page.wait_for_function(
            "document.querySelector('#product textarea, #product input').value.includes('brunch')"
        )
        assert "nonnarosa.com" in page.locator("#thread textarea").input_value()

        # The thread box and "Read the thread" fill the form; then the user corrects it.
        fill(
            page,
            "thread",
            "maya: 15s TikTok ad for our Glow Drops vitamin C serum, for women 28-45.\n"
            "jonas: Tone premium but warm. Brand colours #F7C948 and navy #1B2A4A.\n"
            "maya: CTA: Shop now at lumina.com/glow",
        )
        page.click("#read-thread")
        page.wait_for_function(
            "document.querySelector('#product textarea, #product input').value.includes('Glow Drops')"
        )
        fill(page, "audience", "women 28-45 who want simple skincare that works")
        fill(page, "cta", "Shop now")
        fill(page, "brand", "Lumina")
        page.click("#make-storyboard")
        page.wait_for_selector("#panels img", timeout=120_000)
        scenes = page.locator("#panels img").count()
        assert scenes >= 3
        page.wait_for_selector("#shots table")
        # The cast under the panels (the sheet's cast row): each recurring entity's reference, named.
        page.wait_for_selector("#cast img")
        cast_text = page.locator("#cast").inner_text()
        cast_alts = page.locator("#cast img").evaluate_all("imgs => imgs.map(i => i.alt || '')")
        labels = re.findall(r"[^\n·]+ · (?:character|product)", cast_text + "\n" + "\n".join(cast_alts))
        assert any("Glow Drops" in label and label.endswith("· product") for label in labels), (cast_text, cast_alts)
        assert page.locator("#cast img").count() >= len(set(labels)) >= 1
        # One "Redo n" button per scene, 1..n, once the storyboard is shown.
        page.wait_for_function(
            "n => [...document.querySelectorAll('button.cr-redo')].filter(b => b.offsetParent).length === n",
            arg=scenes,
        )
        visible = redo_buttons.filter(visible=True)
        assert visible.count() == scenes
        assert visible.all_inner_texts() == [f"Redo {n}" for n in range(1, scenes + 1)]

        page.click("#approve")
        page.wait_for_selector("#variant-0 video", state="attached", timeout=240_000)
        playing = page.evaluate(
            """async () => {
                const v = document.querySelector('#variant-0 video');
                v.muted = true;
                const started = new Promise(ok => v.addEventListener('playing', () => ok(true), {once: true}));
                await v.play();
                await Promise.race([started, new Promise(ok => setTimeout(() => ok(false), 10000))]);
                const t0 = v.currentTime;
                await new Promise(ok => setTimeout(ok, 700));
                return {ready: v.readyState, t0, t1: v.currentTime, duration: v.duration,
                        width: v.videoWidth, height: v.videoHeight};
            }"""
        )
        assert playing["ready"] >= 2, playing
        assert playing["t1"] > playing["t0"], playing
        assert playing["duration"] == pytest.approx(15, abs=0.5), playing
        assert (playing["width"], playing["height"]) == (180, 320), playing

        # The per-shot QC table under the videos: a header row and one row per scene.
        qc = page.locator("#variants-summary").inner_text()
        assert "QC · A (9:16):" in qc and "consistency" in qc, qc
        table = qc[qc.index("shot ") :].splitlines()
        assert table[0].split()[:3] == ["shot", "palette", "ΔE"], table[:3]
        assert [row.split()[0] for row in table[2 : 2 + scenes]] == [str(n) for n in range(1, scenes + 1)]

        page.evaluate("document.querySelector('#variant-0 video').pause()")
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 20_000
