"""Readers of what learners write, used only by the custom actions: options, times, places."""
