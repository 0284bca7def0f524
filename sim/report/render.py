"""A ``Report`` as one self-contained HTML page, through the Jinja2 template in the package.

The page has its CSS inline and its figures as inline SVG: it makes no network request and
opens the same from a mail attachment, a USB stick or a phone. Everything from the results
folder is escaped (autoescape); only the SVG that adsim drew is put in as it is.
"""

from __future__ import annotations

import functools

import jinja2

from sim.report.content import Report


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("sim.report", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render(report: Report) -> str:
    """The HTML text of a report."""
    return _environment().get_template("report.html.j2").render(report=report)
