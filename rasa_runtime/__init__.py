"""Rasa's own process, with one narrow, version-checked patch (README: "Rasa runtime patch").

Runs under Rasa's Python 3.10 with Rasa's packages (`.venv-rasa`) and imports
nothing from the app: the app reaches Rasa only over HTTP.
"""
