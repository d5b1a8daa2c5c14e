"""Open mlesym's HTML pages in a real headless Chromium (Playwright driving the system's
Chromium) and report what a reader's browser sees: console errors, failed requests, and
the laid-out size of every MathML element.

Run as a script to retake the screenshot of the Gaussian page kept in ``outputs/``:
``python tests/browser.py``.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOT = ROOT / "outputs" / "gaussian.png"
VIEWPORT = {"width": 1000, "height": 1300}


def chromium_path() -> str | None:
    """The system's Chromium: $MLESYM_CHROMIUM, else chromium or chromium-browser on PATH."""
    return os.environ.get("MLESYM_CHROMIUM") or next(
        filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None
    )


@dataclass
class PageReport:
    """What one page did in the browser."""

    errors: list[str] = field(default_factory=list)  # console errors, page errors, bad loads
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    math: list[dict] = field(default_factory=list)  # per <math>: class, width, height
    math_in_source: int = 0


class Browser:
    """A headless Chromium, started once for many pages."""

    def __init__(self, executable: str) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox"]
        )

    def close(self) -> None:
        self._browser.close()
        self._playwright.stop()

    def open(self, path: Path, screenshot: Path | None = None) -> PageReport:
        report = PageReport(math_in_source=path.read_text(encoding="utf-8").count("<math "))
        page = self._browser.new_page(viewport=VIEWPORT)
        page.on("console", lambda m: m.type == "error" and report.errors.append(m.text))
        page.on("pageerror", lambda e: report.errors.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: report.errors.append(f"failed to load {r.url}"))
        page.on("request", lambda r: report.requests.append(r.url))
        page.goto(path.resolve().as_uri(), wait_until="load")
        report.math = page.eval_on_selector_all(
            "math",
            """elements => elements.map(e => {
                const box = e.getBoundingClientRect();
                return {kind: e.constructor.name, width: box.width, height: box.height};
            })""",
        )
        if screenshot is not None:
            page.screenshot(path=str(screenshot), full_page=False)
        page.close()
        return report


if __name__ == "__main__":
    executable = chromium_path()
    if executable is None:
        sys.exit("no Chromium found: install Debian's chromium or set MLESYM_CHROMIUM")
    browser = Browser(executable)
    try:
        browser.open(ROOT / "outputs" / "gaussian.html", screenshot=SCREENSHOT)
    finally:
        browser.close()
    print(f"wrote {SCREENSHOT.relative_to(ROOT)}")
