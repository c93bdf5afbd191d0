"""Take phone-sized screenshots of a running demo: `python scripts/screenshots.py http://127.0.0.1:5000 out/`."""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.chromium import CHROMIUM, CHROMIUM_ARGS  # noqa: E402


def main(base: str, out: Path, language: str = "zh_Hans") -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for username in ("butler", "supervisor"):
            page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
            page.goto(f"{base}/login")
            page.select_option("#language", language)
            with page.expect_navigation():
                page.click("form.language-form button")
            page.wait_for_load_state("networkidle")
            page.fill("#username", username)
            page.fill("#password", "patrol-demo")
            page.click("form.stack button[type=submit]")
            page.wait_for_selector(".stats")
            page.screenshot(path=str(out / f"{language}-{username}-home.png"), full_page=True)
            if username == "butler":
                page.click(".list a >> nth=3")
                page.wait_for_selector("#checklist")
                page.screenshot(path=str(out / f"{language}-scan.png"))
                page.locator("label.opt-fail").first.click()
                page.wait_for_selector(".finding-detail")
                page.screenshot(path=str(out / f"{language}-scan-fail.png"))
            else:
                page.goto(f"{base}/tasks?state=all")
                page.screenshot(path=str(out / f"{language}-tasks.png"), full_page=True)
                page.click(".list a >> nth=0")
                page.wait_for_selector(".timeline")
                page.screenshot(path=str(out / f"{language}-task.png"), full_page=True)
                page.goto(f"{base}/locations")
                page.click(".list a >> nth=0")
                page.wait_for_selector(".qr-card")
                page.screenshot(path=str(out / f"{language}-location.png"), full_page=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), *(sys.argv[3:4]))
