"""A learner's life: status, schedule and time zone, progress through the courses.

- ``lifecycle``: the only writer of ``Learner.status`` (and ``opted_out_at``).
- ``schedule``: the only writer of ``next_lesson_at`` and the other schedule
  fields; ``localtime``: quiet hours and slots in the learner's own zone;
  ``due``: who needs a lesson or a reminder now; ``zones``: countries and their
  time zones.
- ``progress``: enrolments, lessons delivered, graded answers; ``delivery``:
  which lesson comes next; ``catchup``: a lesson the phone never got;
  ``completion``: completion codes.

Nothing here imports the message pipeline, privacy or the Rasa actions.
"""
