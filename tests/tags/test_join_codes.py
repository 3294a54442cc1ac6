"""Join codes: staff make them; a learner who writes one joins the cohort, once, and is told.

The worker's turn runs against a stand-in for Rasa's REST channel (the
network edge): what matters here is what the worker sends to Rasa (nothing
for a known learner, a greeting for a new one) and what lands in the
outbox and the tags.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import make_engine, make_session_factory
from bot.learners.cohorts import join, match_code
from bot.messaging.rasa_client import RasaClient
from bot.messaging.worker import run_turns_once
from bot.models import InboundMessage, OutboxMessage
from bot.privacy.erasure import erase_learner
from bot.staff.models import AuditLog, JoinCodeUse, LearnerTag
from bot.tags.joincodes import CodeError, codes_with_counts, create_code, find, set_active
from bot.vocab import InboundStatus, LearnerStatus
from tests.builders import NOW, add_inbound, add_learner
from tests.dashboard.conftest import PASSWORD, USERS
from tests.dashboard.pages import log_in
from tests.fakes import StandInServer, rasa_echo


@pytest.fixture
def sessions(settings) -> Iterator[sessionmaker[Session]]:  # type: ignore[no-untyped-def]
    engine = make_engine(settings.app.database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def colon(db_session):  # type: ignore[no-untyped-def]
    code = create_code(db_session, "Colon24", "site-colon", NOW, None)
    db_session.commit()
    return code


def onboarded(db_session, settings, number: str, language: str = "es"):  # type: ignore[no-untyped-def]
    learner = add_learner(db_session, settings, number=number, language=language)
    learner.consent_at, learner.course_key = NOW, "entrepreneurship"
    db_session.commit()
    return learner


def tags_of(db_session, learner) -> set[str]:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    return set(db_session.scalars(select(LearnerTag.tag).filter_by(learner_id=learner.id)))


def bodies(db_session, learner) -> list[str | None]:  # type: ignore[no-untyped-def]
    db_session.expire_all()
    query = select(OutboxMessage.body).filter_by(learner_id=learner.id).order_by(OutboxMessage.id)
    return list(db_session.scalars(query))


def run_turns(sessions, settings) -> tuple[dict[str, int], list[str]]:  # type: ignore[no-untyped-def]
    with StandInServer(rasa_echo) as rasa:
        client = RasaClient(settings.with_overrides({"rasa.url": rasa.url}))
        try:
            done = run_turns_once(sessions, client, settings, NOW)
        finally:
            client.close()
        return done, [request.json()["message"] for request in rasa.requests]


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "empty"),
        ("COLON 24", "shape"),  # a space
        ("CÓLON", "shape"),  # an accent: learners' keyboards differ
        ("AB", "shape"),
        ("12345", "shape"),  # digits alone read like an answer
        ("stop", "keyword"),
        ("Ayuda", "keyword"),
        ("colon24", "taken"),
    ],
)
def test_a_code_that_cannot_work_is_refused_with_why(db_session, colon, typed, problem):
    with pytest.raises(CodeError) as refused:
        create_code(db_session, typed, "site-x", NOW, None)
    assert refused.value.problem == problem and refused.value.field == "code"


def test_a_bad_tag_is_named(db_session):
    with pytest.raises(CodeError) as refused:
        create_code(db_session, "DAVID25", "Site David", NOW, None)
    assert (refused.value.field, refused.value.problem) == ("tag", "tag")


def test_the_code_matches_whole_messages_in_any_case_and_only_while_active(db_session, colon):
    assert match_code(db_session, "  colon24 ").code == "COLON24"
    assert match_code(db_session, "colon24 please") is None
    assert match_code(db_session, None) is None
    set_active(db_session, colon, False, NOW, None)
    assert match_code(db_session, "COLON24") is None
    actions = db_session.scalars(
        select(AuditLog.action).where(AuditLog.action.like("join_code.%")).order_by(AuditLog.id)
    ).all()
    assert actions == ["join_code.create", "join_code.deactivate"]


def test_joining_twice_tags_once_and_counts_once(db_session, settings, colon):
    learner = add_learner(db_session, settings)
    match = match_code(db_session, "COLON24")
    assert join(db_session, learner.id, match, NOW) is True
    assert join(db_session, learner.id, match, NOW + timedelta(days=1)) is False
    db_session.commit()
    assert tags_of(db_session, learner) == {"site-colon"}
    (row,) = codes_with_counts(db_session)
    assert (row.code, row.tag, row.joined, row.active) == ("COLON24", "site-colon", 1, True)


def test_a_known_learner_who_writes_the_code_joins_and_rasa_is_not_asked(
    db_session, settings, sessions, colon
):
    learner = onboarded(db_session, settings, "+50761111111", language="fr")
    message = add_inbound(db_session, learner, "colon24")

    done, sent = run_turns(sessions, settings)

    assert done == {"answered": 1} and sent == []
    assert tags_of(db_session, learner) == {"site-colon"}
    assert bodies(db_session, learner) == [
        "Tu fais maintenant partie du groupe COLON24. Bienvenue !"
    ]
    db_session.expire_all()
    assert db_session.get(InboundMessage, message.id).status == InboundStatus.DONE


def test_a_new_learner_who_writes_the_code_joins_then_signs_up(
    db_session, settings, sessions, colon
):
    learner = add_learner(db_session, settings, language=None, status=LearnerStatus.NEW)
    add_inbound(db_session, learner, "COLON24")

    done, sent = run_turns(sessions, settings)

    assert done == {"answered": 1}
    assert sent == ["/greet"]  # onboarding starts as with any first message
    assert tags_of(db_session, learner) == {"site-colon"}
    assert bodies(db_session, learner) == [
        "Ya estás en el grupo COLON24. ¡Te damos la bienvenida!",  # the default language
        "echo: /greet",
    ]


def test_other_messages_and_opted_out_learners_go_to_rasa_as_before(
    db_session, settings, sessions, colon
):
    talking = onboarded(db_session, settings, "+50761111111")
    add_inbound(db_session, talking, "colon 24 por favor")
    gone = onboarded(db_session, settings, "+50762222222")
    gone.status = LearnerStatus.OPTED_OUT
    db_session.commit()
    add_inbound(db_session, gone, "COLON24")

    done, sent = run_turns(sessions, settings)

    assert done == {"answered": 2}
    assert sorted(sent) == ["COLON24", "colon 24 por favor"]
    assert tags_of(db_session, talking) == set() and tags_of(db_session, gone) == set()


def test_an_erasure_removes_the_learners_joins(db_session, settings, colon):
    learner = add_learner(db_session, settings)
    join(db_session, learner.id, match_code(db_session, "COLON24"), NOW)
    erase_learner(db_session, learner, NOW)
    db_session.commit()
    assert db_session.scalars(select(JoinCodeUse)).all() == []
    assert find(db_session, "colon24").code == "COLON24"  # the code itself stays


def test_the_overview_counts_who_joined_with_each_code_under_the_5_rule(
    db_session, settings, app, colon
):
    david = create_code(db_session, "DAVID25", "site-david", NOW, None)
    db_session.commit()
    for n in range(6):
        learner = add_learner(db_session, settings, number=f"+5076100000{n}")
        join(db_session, learner.id, match_code(db_session, "COLON24"), NOW)
    first = add_learner(db_session, settings, number="+50762000000")
    join(db_session, first.id, match_code(db_session, david.code), NOW)
    db_session.commit()

    client = app.test_client()
    assert log_in(client, USERS["coordinator"], PASSWORD).status_code == 302
    day = NOW.date().isoformat()
    csv_text = client.get(f"/dashboard/export/overview/by_join_code.csv?start={day}&end={day}")
    lines = csv_text.get_data(as_text=True).splitlines()
    assert lines[1:] == ["COLON24,site-colon,6", "DAVID25,site-david,<5"]
