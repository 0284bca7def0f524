"""``adsim weapons``: the weapon catalogue, every value with its source."""

from __future__ import annotations

from typing import Annotated

import typer

from sim.catalogue import catalogue
from sim.cli import command
from sim.cli.common import out, results_table
from sim.io.errors import InputError


@command()
def weapons(
    name: Annotated[
        str | None, typer.Argument(help="One class (default: all).", show_default=False)
    ] = None,
) -> None:
    """List the weapon catalogue: each class's values and uncertainties, with sources."""
    cat = catalogue()
    if name is not None and name not in cat.classes:
        names = ", ".join(cat.classes)
        raise InputError("adsim weapons", name, f"unknown class; expected one of: {names}")
    out.print(f"weapon catalogue, version {cat.version} (a threat type says `weapon: NAME`)")
    for wc in cat.classes.values():
        if name is not None and wc.name != name:
            continue
        table = results_table(f"{wc.name}: {wc.description}", collapse_padding=True)
        table.add_column("key", no_wrap=True)
        table.add_column("value", no_wrap=True)
        table.add_column("source")
        for key, entry in wc.values.items():
            table.add_row(key, str(entry.value), entry.source)
        for key, entry in wc.uncertainties.items():
            table.add_row(f"{key} (per attack)", _form(entry.value), entry.source)
        out.print(table)


def _form(value: object) -> str:
    if isinstance(value, dict) and len(value) == 1:
        ((form, args),) = value.items()
        return f"{form} {args}"
    return str(value)
