"""The console's browser tests share one Chromium per module (see test_browser.py)."""

from tests.console.test_browser import browser  # noqa: F401
