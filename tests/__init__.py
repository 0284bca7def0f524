"""The tests of adsim; helpers in tests/builders.py, shared fixtures in conftest.py."""
