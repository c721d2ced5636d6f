"""Widgets and layout only: no behaviour beyond emitting signals, no image work."""
