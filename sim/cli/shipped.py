"""What ships with adsim, out of the package: ``adsim examples DIR`` and ``adsim schema``."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from sim.cli import command
from sim.cli.common import say
from sim.io.errors import InputError

FOLDERS = ("scenarios", "events")  # laid out as in the repository: events name
# their scenarios as ../scenarios/NAME.yaml, and study files name ../events/NAME.yaml


def shipped_files() -> dict[str, bytes]:
    """The example scenarios, the public events and the weapon catalogue, by the path
    (relative to the folder they are copied into) they are copied to."""
    files: dict[str, bytes] = {}
    for folder in FOLDERS:
        entries = (resources.files("sim.examples") / folder).iterdir()
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name.endswith(".yaml"):
                files[f"{folder}/{entry.name}"] = entry.read_bytes()
    catalogue = resources.files("sim.catalogue") / "weapons.yaml"
    files["weapons.yaml"] = catalogue.read_bytes()
    return files


@command()
def examples(
    folder: Annotated[
        Path,
        typer.Argument(help="Folder to copy them into (made if missing).", metavar="DIR"),
    ],
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite files of the same name.")
    ] = False,
) -> None:
    """Copy the bundled scenarios, public events and weapon catalogue into DIR."""
    files = shipped_files()
    if folder.exists() and not folder.is_dir():
        raise InputError(str(folder), "", "exists and is not a folder; expected a folder")
    there = [name for name in files if (folder / name).exists()]
    if there and not force:
        raise InputError(
            str(folder / there[0]),
            "",
            f"exists ({len(there)} of the {len(files)} files do); add --force to overwrite, "
            "or choose another folder",
        )
    try:
        for name, data in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
    except OSError as exc:
        raise InputError(str(folder), "", f"cannot write there: {exc.strerror}") from None
    first = folder / "scenarios" / "teach-channel-saturation.yaml"
    say(f"{len(files)} files in {folder}/: try `adsim run {first}`")


@command()
def schema(
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Write it to this file instead of printing it."),
    ] = None,
) -> None:
    """Print the JSON Schema of the scenario format (for editors that validate YAML)."""
    from sim.io.schema import schema_text

    text = schema_text()
    if out_file is None:
        typer.echo(text, nl=False)
        return
    try:
        out_file.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InputError(str(out_file), "", f"cannot write it: {exc.strerror}") from None
    say(f"JSON Schema of the scenario format written to {out_file}")
