"""Join codes with the real Rasa server and action server: at sign-up, and later.

A new learner whose first message is a code is told they joined and is then
asked their language, as any first message would start sign-up; a learner
who finished sign-up writes a code and gets the confirmation in their
language, and the bot goes on as before afterwards.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.clock import utc_now
from bot.staff.models import LearnerTag
from bot.tags.joincodes import create_code, find
from bot.text.i18n import gettext_for
from bot.text.languages import LANGUAGES

pytestmark = pytest.mark.rasa


def code(phone, text: str, tag: str) -> None:  # type: ignore[no-untyped-def]
    with phone.sessions() as session:
        if find(session, text) is None:
            create_code(session, text, tag, utc_now(), None)
            session.commit()


def tags(phone) -> set[str]:  # type: ignore[no-untyped-def]
    with phone.sessions() as session:
        learner = phone.learner(session)
        assert learner is not None
        return set(session.scalars(select(LearnerTag.tag).filter_by(learner_id=learner.id)))


def test_a_code_as_the_first_message_joins_and_sign_up_starts(new_phone) -> None:
    phone = new_phone()
    code(phone, "COLON24", "site-colon")
    _ = gettext_for("es")

    replies = phone.say("colon24")

    assert replies[0] == _("You are now in the group %(code)s. Welcome!") % {"code": "COLON24"}
    assert "Kreyòl" in "\n".join(replies[1:])  # the language question: sign-up goes on
    assert tags(phone) == {"site-colon"}


@pytest.mark.parametrize("language", ["en", "ht"])
def test_a_signed_up_learner_joins_later_in_their_language(new_phone, language) -> None:
    phone = new_phone(channel="whatsapp")
    code(phone, "DAVID25", "site-david")
    phone.onboard(
        language=str(LANGUAGES.index(language) + 1), yes={"en": "yes", "ht": "wi"}[language]
    )
    phone.received()
    _ = gettext_for(language)

    assert phone.say("DAVID25") == [
        _("You are now in the group %(code)s. Welcome!") % {"code": "DAVID25"}
    ]
    assert tags(phone) == {"site-david"}
    assert phone.say("DAVID25") == [
        _("You are now in the group %(code)s. Welcome!") % {"code": "DAVID25"}
    ]
    assert tags(phone) == {"site-david"}  # once

    after = "\n".join(phone.say("menu"))
    assert after and "DAVID25" not in after  # the bot answers as before, not with a join
