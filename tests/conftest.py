"""Shared test settings.

Tests import their helpers as ``tests.builders`` (this folder is a package), so they run
the same from any working folder and under any pytest import mode. A failing Hypothesis
property prints the blob that reproduces it (``@reproduce_failure``).
"""

from __future__ import annotations

from hypothesis import settings

settings.register_profile("adsim", print_blob=True)
settings.load_profile("adsim")
