"""Scenarios uploaded to the what-if page get the command line's one-line errors (no browser).

The page names an upload by its file name (it has no path on the server), so its error line
is what ``adsim run NAME`` (and ``adsim check NAME``) prints in the folder that holds the
file.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.app.upload import error_line, read_upload
from sim.cli import app
from sim.io.errors import InputError

HERE = Path(__file__).parent
UPLOADS = HERE / "uploads"
STUDY = HERE.parent / "scenarios" / "study-al-asad-pk-channels.yaml"
runner = CliRunner()


def _cli_line(folder: Path, *args: str) -> str:
    """The one line the command line prints for ``args`` run in ``folder``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


BAD = {  # an upload, and what its error says
    "syntax-error.yaml": "YAML syntax error at line 6",
    "negative-count.yaml": "threats.srbm.count: expected a non-negative integer",
    "study.yaml": "this is a study file (study: sweep): use adsim sweep",
    "notes.txt": "expected a mapping of scenario keys",
    "picture.png": "cannot read the file as UTF-8 text",
}


def _bad_file(folder: Path, name: str) -> Path:
    path = folder / name
    if name == "study.yaml":
        shutil.copy(STUDY, path)
    elif name == "picture.png":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    else:
        shutil.copy(UPLOADS / name, path)
    return path


@pytest.mark.parametrize("name", list(BAD))
def test_a_bad_upload_says_what_the_command_line_says(tmp_path: Path, name: str) -> None:
    path = _bad_file(tmp_path, name)
    with pytest.raises(InputError) as caught:
        read_upload(name, path.read_bytes())
    line = error_line(caught.value)
    assert line.startswith(f"adsim: error: {name}: ") and BAD[name] in line
    assert line == _cli_line(tmp_path, "run", name, "--no-figures", "--out", str(tmp_path / "o"))
    assert line == _cli_line(tmp_path, "check", name)


def test_a_good_upload_is_named_by_its_file() -> None:
    data = (HERE / "scenarios" / "valid-small.yaml").read_bytes()
    name, raw = read_upload("my scenario.yaml", data)
    assert name == "my scenario" and raw["name"] == "valid-small"
