"""Text as learners get it: the languages, gettext catalogs, SMS encoding, channel rendering.

A leaf: nothing here imports the rest of the app or the lessons, so the
lessons (and anything else) may use it without pulling in the database,
the settings or the message pipeline.
"""
