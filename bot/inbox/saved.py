"""Saved replies: short texts staff insert into the reply box, in the learner's language.

The msgids are English; the catalogs hold them in es, en, fr and ht, and the
page offers each in the learner's language (``bot.text.i18n``), so staff who
do not speak Creole can still answer a Creole speaker politely.
"""

from __future__ import annotations

from bot.text.i18n import gettext_for


def N_(message: str) -> str:
    """Mark a text for the catalogs; it is translated when the page is shown."""
    return message


SAVED_REPLIES = (
    N_("Thank you for writing. We are looking into it and will answer you soon."),
    N_("Could you tell us a little more about your question, please?"),
    N_(
        "Our team is out of the office now. Your message is saved and we will"
        " answer on the next working day."
    ),
    N_(
        "Thank you for talking with us. We are closing this conversation and the"
        " lessons go on as before. You can write to us again at any time."
    ),
)


def saved_replies(language: str) -> list[str]:
    """The saved replies in ``language`` (a learner's language)."""
    _ = gettext_for(language)
    return [_(text) for text in SAVED_REPLIES]
