"""``adsim app`` in a real browser: headless Chromium (Debian's) driven through Playwright.

The tests start the app on a scenario with an uncertain kill probability and open the page.
One moves the slider with the keyboard, waits for the answer to change, and checks the
page's numbers against ``adsim run`` with the same overrides and seed (read from the page's
URL). One watches a larger run fill in: the page shows replications so far before the end.
One uploads bad files through the page's file input and sees the command line's one-line
error, with no run started, then a good file that runs. They skip where Chromium or the app
extra is missing, unless ADSIM_REQUIRE_BROWSER is set (CI sets it, so there they run or
fail). Waits are for conditions on the page, with generous bounds: a loaded machine is slow.
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
from typing import Any
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


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    _need(CHROMIUM is not None, "no chromium on PATH")
    for module in ("panel", "playwright"):
        try:
            __import__(module)
        except ImportError:
            _need(False, f"{module} is not installed (pip install '.[app]' playwright)")
    tmp_path = tmp_path_factory.mktemp("app")
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


# Panel draws its widgets in shadow roots: conditions waited for look inside them
FIND = """const find = (root, sel) => {
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
const countAll = (root, sel) => {
    let n = root.querySelectorAll(sel).length;
    for (const el of root.querySelectorAll('*')) {
        if (el.shadowRoot) n += countAll(el.shadowRoot, sel);
    }
    return n;
};
"""
WAIT_MS = 120_000  # a bound, not a pause: conditions are polled until they hold


def _wait(page: Any, condition: str, arg: object = None) -> Any:
    """Wait until the JavaScript function ``condition(arg)`` returns something true (it can
    use ``find(root, selector)`` and ``countAll(root, selector)``, which look inside shadow
    roots); return that."""
    script = f"(arg) => {{ {FIND} return ({condition})(arg); }}"
    return page.wait_for_function(script, arg=arg, timeout=WAIT_MS, polling=50).json_value()


def _count(page: Any) -> dict[str, int]:
    """The page's replication counter: done, total, and how many runs the page started."""
    el = page.locator(".adsim-count")
    return {k: int(el.get_attribute(f"data-{k}") or -1) for k in ("done", "total", "started")}


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
            done.wait_for(timeout=WAIT_MS)
            assert done.get_attribute("data-value") == "200"
            first = page.locator(".adsim-leaked").get_attribute("data-value")
            handle = page.locator(".noUi-handle").first
            handle.focus()
            for _ in range(30):
                handle.press("ArrowLeft")  # a lower kill probability: more leakers
            # the new numbers and the view they are of, read at once (the URL follows the
            # page a moment later, and a key press still on its way may start another run)
            shown = _wait(
                page,
                """(old) => {
                    const leaked = find(document, '.adsim-leaked');
                    const casualties = find(document, '.adsim-casualties');
                    const done = find(document, '.adsim-done');
                    if (!leaked || !casualties || !done || leaked.dataset.value === old) {
                        return null;
                    }
                    return {leaked: leaked.dataset.value, casualties: casualties.dataset.value,
                            query: done.dataset.query};
                }""",
                first,
            )
            leaked, casualties = float(shown["leaked"]), float(shown["casualties"])
            final_url = url.split("?")[0] + shown["query"]
            # and the page's URL holds the view whose numbers it shows
            _wait(
                page,
                """() => {
                    const done = find(document, '.adsim-done');
                    return done && location.search === done.dataset.query;
                }""",
            )
        finally:
            browser.close()
    assert f"uncertainties.{PK}" in parse_qs(urlparse(final_url).query)["set"][0]
    assert leaked > float(first or "nan")
    assert (leaked, casualties) == _cli_means(scenario, final_url)


def test_the_distributions_fill_in_while_the_run_goes_on(app_url) -> None:  # noqa: ANN001
    from playwright.sync_api import sync_playwright

    _, url = app_url
    runs = 4000  # several chunks (about 2 ms a replication here): seconds, even on a fast machine
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            page.goto(url.replace("runs=200", f"runs={runs}"))
            # replications so far, before the end: counted, and summed up
            partial = _wait(
                page,
                """() => {
                    const count = find(document, '.adsim-count');
                    const status = find(document, '.adsim-so-far');
                    if (!count || !status) return null;
                    const done = +count.dataset.done, total = +count.dataset.total;
                    const text = status.textContent;
                    const live = countAll(document, 'canvas');  // Bokeh draws on canvases
                    return 0 < done && done < total && text.includes('so far') && live >= 3
                        ? {done, total, text, live} : null;
                }""",
            )
            # then the end: every replication, and the run's own three figures (images)
            page.locator(".adsim-done").wait_for(timeout=WAIT_MS)
            page.locator("img").nth(2).wait_for(timeout=WAIT_MS)
            final = _count(page)
        finally:
            browser.close()
    assert partial["total"] == runs and 0 < partial["done"] < runs
    assert "mean leakers" in partial["text"]
    assert partial["live"] >= 3  # the three live figures
    assert final["done"] == final["total"] == runs


def _cli_line(folder: Path, *args: str) -> str:
    """The one error line the command line prints for ``args`` run in ``folder``."""
    from typer.testing import CliRunner

    from sim.cli import app

    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 2, result.output
    return result.output.strip()


def test_a_bad_upload_is_told_as_the_command_line_tells_it(app_url) -> None:  # noqa: ANN001
    from playwright.sync_api import sync_playwright

    scenario, url = app_url
    folder = scenario.parent / "uploads"
    folder.mkdir(exist_ok=True)
    for name in ("syntax-error.yaml", "negative-count.yaml", "notes.txt"):
        shutil.copy(HERE / "uploads" / name, folder)
    shutil.copy(HERE.parent / "scenarios" / "study-al-asad-pk-channels.yaml", folder / "study.yaml")
    # the upload has no path: the page names it by its file name, as the command line does
    # in the folder holding it (adsim check, or adsim run for a study file: check has no
    # study-file message of its own)
    expected = {
        name: _cli_line(folder, "check", name)
        for name in ("syntax-error.yaml", "negative-count.yaml", "notes.txt")
    }
    expected["study.yaml"] = _cli_line(folder, "run", "study.yaml", "--out", str(folder / "o"))
    assert "use adsim sweep" in expected["study.yaml"]
    good = folder / "good.yaml"
    good.write_text((HERE / "scenarios" / "valid-small.yaml").read_text())
    shown = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            page = browser.new_page()
            page.goto(url)
            page.locator(".adsim-done").wait_for(timeout=WAIT_MS)
            before, address = _count(page), page.url
            for name, line in expected.items():
                page.locator("input[type=file]").set_input_files(str(folder / name))
                shown[name] = _wait(
                    page,
                    """(line) => {
                        const el = find(document, '.adsim-error');
                        return el && el.textContent.includes(line) ? el.textContent : null;
                    }""",
                    line,
                )
                assert page.locator(".adsim-error").is_visible()
            after, address_after = _count(page), page.url
            page.locator("input[type=file]").set_input_files(str(good))
            _wait(
                page,
                """(started) => {
                    const count = find(document, '.adsim-count');
                    return count && +count.dataset.started > started
                        && find(document, '.adsim-done') !== null
                        && location.search.includes('scenario=good');
                }""",
                before["started"],
            )
            error_hidden = not page.locator(".adsim-error").is_visible()
            good_done = page.locator(".adsim-done").get_attribute("data-value")
        finally:
            browser.close()
    assert {k: v.strip() for k, v in shown.items()} == expected  # the CLI's line, on the page
    assert after == before and address_after == address  # no run started, the view kept
    assert error_hidden and good_done == "200"  # then a good upload runs
