"""``adsim report`` and ``adsim run --report``: one self-contained HTML page per folder."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.io.load import load
from sim.report import KINDS, Report, build_report, register, report_html
from sim.report.content import inline_svg
from tests.builders import small_calibration

HERE = Path(__file__).parent
VALID = HERE / "scenarios" / "valid-small.yaml"
PK = "defense.batteries.upper.pk.srbm"
runner = CliRunner()
URL_ATTR = re.compile(r"""\b(?:src|href|action|data)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


def _ok(*args: str) -> None:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output


def _self_contained(html: str) -> None:
    assert not URL_ATTR.search(html), URL_ATTR.search(html)
    assert "<script" not in html.lower() and "<link" not in html.lower()
    assert "@import" not in html and "url(http" not in html
    assert "<?xml" not in html and "<!DOCTYPE svg" not in html


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report") / "run"
    _ok("run", str(VALID), "--runs", "60", "--workers", "1", "--out", str(out), "--report")
    return out


def test_run_report_is_one_self_contained_page(run_folder: Path) -> None:
    html = (run_folder / "report.html").read_text()
    _self_contained(html)
    svgs = sorted((run_folder / "figures").glob("*.svg"))
    assert svgs and html.count("<svg") == len(svgs)
    for svg in svgs:
        assert f"<strong>{svg.name}.</strong>" in html
    assert '<meta name="viewport"' in html and "<style>" in html


def test_report_holds_question_assumptions_metrics_provenance(run_folder: Path) -> None:
    html = (run_folder / "report.html").read_text()
    assert "The question" in html and "how many threats would get through" in html
    assert "# A small valid scenario used by the input-validation" in html  # its comments
    assert "leaked" in html and "casualties" in html and "95% CI" in html
    assert load(VALID).digest in html
    summary = json.loads((run_folder / "summary.json").read_text())
    assert summary["provenance"]["date"] in html


def test_figure_ids_are_unique_on_the_page(run_folder: Path) -> None:
    ids = re.findall(r'\bid="([^"]+)"', (run_folder / "report.html").read_text())
    assert len(ids) == len(set(ids))


def test_report_command_rewrites_it_and_a_new_run_removes_it(run_folder: Path) -> None:
    (run_folder / "report.html").unlink()
    _ok("report", str(run_folder))
    assert (run_folder / "report.html").is_file()
    _ok("run", str(VALID), "--runs", "30", "--workers", "1", "--no-figures", "--out",
        str(run_folder))  # fmt: skip
    assert not (run_folder / "report.html").exists()  # never a report of other numbers
    html = report_html(run_folder)
    assert "no figures" in html


def test_sweep_and_calibration_reports(tmp_path: Path) -> None:
    sweep = tmp_path / "sw"
    _ok("sweep", str(VALID), "--vary", f"{PK}=0.2:0.8:2", "--runs", "20", "--workers", "1",
        "--out", str(sweep))  # fmt: skip
    _ok("report", str(sweep))
    html = (sweep / "report.html").read_text()
    _self_contained(html)
    assert PK in html and "The points" in html and "<svg" in html
    cal = small_calibration(tmp_path)
    out = tmp_path / "c"
    _ok("calibrate", str(cal), "--out", str(out), "--predictive-runs", "20", "--no-figures")
    report = build_report(out)
    assert report.kind == "calibration"
    assert [t.title for t in report.tables][:2] == [
        "The evidence (what was observed)",
        "The unknowns: prior and posterior",
    ]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: None, "holds no finished results"),
        (lambda p: (p / "summary.json").write_text("{not json"), "cannot read it as JSON"),
        (lambda p: (p / "summary.json").write_text("[1]"), "expected a mapping"),
    ],
)
def test_bad_folders_exit_2_in_one_line(tmp_path: Path, make, expected: str) -> None:  # noqa: ANN001
    make(tmp_path)
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("adsim: error: ") and expected in lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "report.html").exists()


def test_missing_folder_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "is not a folder" in result.output


def test_a_new_kind_plugs_in(tmp_path: Path) -> None:
    (tmp_path / "validation.json").write_text("{}")
    register("test-validation", "validation.json")(
        lambda folder: Report("test-validation", "checked", "Does it match?")
    )
    try:
        html = report_html(tmp_path)
    finally:
        del KINDS["test-validation"]
    assert "Does it match?" in html and "test-validation report" in html


def test_inline_svg_drops_prologue_and_prefixes_ids() -> None:
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"\n'
        '  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
        '<svg xmlns="http://www.w3.org/2000/svg"><metadata><x href="http://a"/></metadata>'
        '<g id="a" clip-path="url(#c)"><use xlink:href="#m"/></g></svg>'
    )
    out = inline_svg(text, "f3")
    assert out.startswith("<svg") and "metadata" not in out
    assert 'id="f3-a"' in out and "url(#f3-c)" in out and 'href="#f3-m"' in out


def test_table_numbers_are_estimates_to_about_three_figures() -> None:
    from sim.report.kinds import number

    assert number(28_606_562.0, True) == "28.6 M"  # a campaign's cost: millions
    assert number(-1_250_000.0, True) == "-1.2 M"
    assert number(999_999.0, True) == "999,999"
    assert number(0.70123, True) == "0.701"
    assert number(42) == "42" and number(1_234_567) == "1,234,567"  # counts stay exact
    assert number(None) == "—"
