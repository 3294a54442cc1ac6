"""`make bench`: lessonbot against bare Rasa and Rasa's own Twilio connector.

Not part of the app: a measuring harness that starts the real processes on
loopback ports, loads them, stops them and writes ``bench/results.json``.
Entry point: ``python -m bench.run`` (see ``bench/run.py``).
"""
