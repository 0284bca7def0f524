"""Shared test settings.

Tests import their helpers as ``tests.builders`` (this folder is a package), so they run
the same from any working folder and under any pytest import mode. A failing Hypothesis
property prints the blob that reproduces it (``@reproduce_failure``).
"""

from __future__ import annotations

import pytest
from hypothesis import settings

settings.register_profile("adsim", print_blob=True)
settings.load_profile("adsim")


@pytest.fixture(autouse=True)
def _fixed_date(monkeypatch: pytest.MonkeyPatch) -> None:
    """Results carry their date (provenance): fixed, so that two runs compare equal."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # 2026-01-01T00:00:00Z
