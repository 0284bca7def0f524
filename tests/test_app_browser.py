"""``adsim app`` in a real browser: headless Chromium (Debian's) driven through Playwright.

The test starts the app on a scenario with an uncertain kill probability, opens the page,
moves the slider with the keyboard, waits for the answer to change, and checks the page's
numbers against ``adsim run`` with the same overrides and seed (read from the page's URL).
It skips where Chromium or the app extra is missing, unless ADSIM_REQUIRE_BROWSER is set (CI
sets it, so there it runs or fails).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

HERE = Path(__file__).parent
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PK = "defense.batteries.upper.pk.srbm"


def _need(ok: bool, why: str) -> None:
    if not ok:
        if os.environ.get("ADSIM_REQUIRE_BROWSER"):
            pytest.fail(f"the browser test cannot run: {why}")
        pytest.skip(why)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def app_url(tmp_path: Path):  # noqa: ANN201
    _need(CHROMIUM is not None, "no chromium on PATH")
    for module in ("panel", "playwright"):
        try:
            __import__(module)
        except ImportError:
            _need(False, f"{module} is not installed (pip install '.[app]' playwright)")
    scenario = tmp_path / "whatif.yaml"
    scenario.write_text(
        (HERE / "scenarios" / "valid-small.yaml").read_text()
        + f"uncertainties:\n  {PK}: {{uniform: [0.2, 0.9]}}\n"
    )
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "app", str(scenario), "--port", str(port), "--no-show"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("the app did not start")
        yield scenario, f"http://127.0.0.1:{port}/?scenario=whatif&runs=200&seed=3"
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _cli_means(scenario: Path, url: str) -> tuple[float, float]:
    q = parse_qs(urlparse(url).query)
    args = [sys.executable, "-m", "sim", "run", str(scenario), "--json", "--no-figures"]
    args += ["--runs", q["runs"][0], "--seed", q["seed"][0], "--workers", "1"]
    for s in q.get("set", []):
        args += ["--set", s]
    with_out = subprocess.run(
        [*args, "--out", str(scenario.parent / "cli")], capture_output=True, text=True, timeout=120
    )
    assert with_out.returncode == 0, with_out.stderr
    m = json.loads(with_out.stdout)["metrics"]
    return m["leaked"]["mean"], m["casualties"]["mean"]


def test_slider_moves_the_answer_and_matches_adsim_run(app_url) -> None:  # noqa: ANN001
    from playwright.sync_api import sync_playwright

    scenario, url = app_url
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            page.goto(url)
            done = page.locator(".adsim-done")
            done.wait_for(timeout=60_000)
            assert done.inner_text() == "200"
            first = page.locator(".adsim-leaked").inner_text()
            handle = page.locator(".noUi-handle").first
            handle.focus()
            for _ in range(30):
                handle.press("ArrowLeft")  # a lower kill probability: more leakers
            page.wait_for_function(
                """(old) => {
                    const find = (root, sel) => {
                        const hit = root.querySelector(sel);
                        if (hit) return hit;
                        for (const el of root.querySelectorAll('*')) {
                            if (el.shadowRoot) {
                                const inner = find(el.shadowRoot, sel);
                                if (inner) return inner;
                            }
                        }
                        return null;
                    };
                    const el = find(document, '.adsim-leaked');
                    return el && el.textContent !== old && location.search.includes('set=');
                }""",
                arg=first,
                timeout=60_000,
            )
            leaked = float(page.locator(".adsim-leaked").inner_text())
            casualties = float(page.locator(".adsim-casualties").inner_text())
            final_url = page.url
        finally:
            browser.close()
    assert f"uncertainties.{PK}" in parse_qs(urlparse(final_url).query)["set"][0]
    assert leaked > float(first)
    assert (leaked, casualties) == _cli_means(scenario, final_url)
