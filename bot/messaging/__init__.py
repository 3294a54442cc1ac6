"""The message pipeline: from Twilio's webhook to Rasa and back to the phone.

- ``inbound``: Twilio's webhook form as a typed message; ``ingest`` stores it
  (group commit); ``webhooks``: the signed inbound and status endpoints.
- ``claims``: each learner's rows in order; ``keywords``: the fast path to an
  intent, with ``optout`` reading a request to stop in the learner's words;
  ``turns``: one message, one Rasa turn (``rasa_client``);
  ``worker``: the turn and sender loops.
- ``outbox``: the only module that changes outbox rows; ``sender`` sends them
  through a ``channels`` implementation (Twilio, local) and asks the outbox to
  record what happened; ``status``: Twilio's delivery callbacks.
- Scheduled sends that write outbox rows: ``dispatch`` (a due lesson's Rasa
  turn), ``templates`` (WhatsApp window templates), ``reminders``. Who is due
  and when is decided in ``bot.learners``.
"""
