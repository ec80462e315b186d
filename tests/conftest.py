"""Fixtures shared by the widget tests live in widget_helpers.py; importing
them here makes pytest offer them to every test module (a test module that
imported them itself would look to a linter like an unused import)."""

from widget_helpers import sent, widgets_made  # noqa: F401
