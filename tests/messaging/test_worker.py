"""The turn loop: order per learner, retries while Rasa is down, outbox rules.

These tests are about the worker's own logic, so a small loopback server
stands in for Rasa's REST channel (``rasa_echo`` and friends answer the way
the channel does: a list of ``{"recipient_id", "custom"}``). What Rasa and the
actions make of real messages is tested against a real Rasa server in
``tests/integration`` (marked ``rasa``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.messaging.keywords import NOTHING_TO_UNDERSTAND
from bot.messaging.replies import Reply
from bot.messaging.retries import TurnHealth
from bot.messaging.turns import claim_turn, finish_turn, lease
from bot.messaging.worker import TurnRunner, run_turns_once
from bot.models import InboundMessage, Learner, OutboxMessage
from bot.vocab import InboundStatus, LearnerStatus
from tests.builders import NOW, add_inbound, add_learner
from tests.fakes import Answer, Recorded, StandInServer, closed_port_url, rasa_echo


def sent_texts(server: StandInServer, sender: str | None = None) -> list[str]:
    bodies = [request.json() for request in server.requests]
    return [body["message"] for body in bodies if sender in (None, body["sender"])]


def inbound(db_session: Session, message: InboundMessage) -> InboundMessage:
    db_session.expire_all()
    found = db_session.get(InboundMessage, message.id)
    assert found is not None
    return found


def all_rows(db_session: Session) -> list[OutboxMessage]:
    db_session.expire_all()
    return list(db_session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def holding_rows(db_session: Session) -> list[OutboxMessage]:
    return [row for row in all_rows(db_session) if row.kind == "holding"]


def ben_messages(db_session: Session, learner: Learner) -> list[InboundMessage]:
    return list(
        db_session.scalars(select(InboundMessage).where(InboundMessage.learner_id == learner.id))
    )


def outbox_bodies(db_session: Session) -> list[str | None]:
    db_session.expire_all()
    return list(db_session.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id)))


def test_each_learners_messages_reach_rasa_in_order(db_session, settings, sessions, rasa_at):
    ana = add_learner(db_session, settings, number="+50761111111")
    ben = add_learner(db_session, settings, number="+50762222222", channel="whatsapp")
    a1, b1 = add_inbound(db_session, ana, "hola"), add_inbound(db_session, ben, "hi")
    a2, a3 = add_inbound(db_session, ana, "quiero aprender"), add_inbound(db_session, ana, "2")

    with StandInServer(rasa_echo) as rasa:
        done = run_turns_once(sessions, rasa_at(rasa.url), settings, NOW)

    assert done == {"answered": 4}
    assert sent_texts(rasa, ana.public_id) == [
        "hola",
        "quiero aprender",
        '/choose_option{"option":"2"}',
    ]
    first = rasa.requests[0]
    assert first.path == "/webhooks/lessonbot/webhook"
    assert first.json() == {
        "sender": ana.public_id,
        "message": "hola",
        "metadata": {"channel": "sms", "language": "es", "message_sid": a1.message_sid},
    }
    assert rasa.requests[1].json()["metadata"]["channel"] == "whatsapp"
    assert all(b"61111111" not in request.body for request in rasa.requests)  # no phone number
    keys = db_session.scalars(select(OutboxMessage.idempotency_key).order_by(OutboxMessage.id))
    assert list(keys) == [f"{m.message_sid}:0" for m in (a1, b1, a2, a3)]
    assert all(inbound(db_session, m).status == InboundStatus.DONE for m in (a1, a2, a3, b1))


def test_while_rasa_is_down_nothing_is_lost_and_order_holds(
    db_session, settings, sessions, rasa_at
):
    ana = add_learner(db_session, settings, number="+50761111111")
    ben = add_learner(db_session, settings, number="+50762222222", language="fr")
    first = add_inbound(db_session, ana, "uno")
    add_inbound(db_session, ana, "dos")
    add_inbound(db_session, ben, "hola")
    down = rasa_at(closed_port_url())

    # Each waiting message is tried once per pass; an outage costs no attempt.
    assert run_turns_once(sessions, down, settings, NOW) == {"retry": 2}
    waiting = inbound(db_session, first)
    assert (waiting.status, waiting.attempts) == ("pending", 0)
    assert waiting.next_attempt_at == NOW + timedelta(seconds=1)
    assert "cannot connect" in waiting.last_error
    # Ana's second message is not tried while her first one waits.
    assert run_turns_once(sessions, down, settings, NOW) == {}

    # Rasa stays down far longer than max_attempts tries (but within the budget): still waiting.
    later = NOW
    for _ in range(settings.worker.max_attempts + 3):
        later += timedelta(seconds=settings.worker.retry_backoff_cap_seconds)
        run_turns_once(sessions, down, settings, later)
    waiting = inbound(db_session, first)
    assert (waiting.status, waiting.attempts) == ("pending", 0)
    cap = timedelta(seconds=settings.worker.retry_backoff_cap_seconds)
    assert waiting.next_attempt_at - later <= cap
    # One "still working on it" each, in their own language, tied to the waiting message.
    holding = holding_rows(db_session)
    assert [(row.learner_id, row.kind) for row in holding] == [
        (ana.id, "holding"),
        (ben.id, "holding"),
    ]
    assert holding[0].inbound_id == first.id
    assert holding[0].body.startswith("Tenemos un problema técnico")
    assert holding[1].body.startswith("Nous avons un problème technique")

    with StandInServer(rasa_echo) as rasa:
        done = run_turns_once(sessions, rasa_at(rasa.url), settings, later + timedelta(minutes=5))

    assert done == {"answered": 3}
    assert sent_texts(rasa, ana.public_id) == ["uno", "dos"]
    replies = [row.body for row in all_rows(db_session) if row.kind == "reply"]
    assert sorted(replies) == ["echo: dos", "echo: hola", "echo: uno"]


def test_an_outage_longer_than_the_budget_fails_the_message_and_tells_the_learner(
    db_session, settings, sessions, rasa_at
):
    settings = settings.with_overrides(
        {"worker.outage_budget_seconds": 600, "worker.holding_reply_after_seconds": 120}
    )
    ana = add_learner(db_session, settings, number="+50761111111")
    ben = add_learner(db_session, settings, number="+50762222222", language="ht")
    first, second = add_inbound(db_session, ana, "uno"), add_inbound(db_session, ana, "dos")
    add_inbound(db_session, ben, "bonjou")
    down = rasa_at(closed_port_url())

    later = NOW
    while later < NOW + timedelta(seconds=900):
        run_turns_once(sessions, down, settings, later)
        later += timedelta(seconds=30)

    for message in (first, second):
        failed = inbound(db_session, message)
        assert failed.status == InboundStatus.FAILED
        assert "outage budget (600 s)" in failed.last_error and failed.attempts == 0
    notices = {row.inbound_id: row for row in all_rows(db_session) if row.kind == "failure_notice"}
    assert set(notices) == {first.id, second.id} | {m.id for m in ben_messages(db_session, ben)}
    assert notices[first.id].body == (
        "Lo sentimos, no pudimos procesar tu mensaje. Escribe de nuevo más tarde, "
        "o escribe AYUDA para ver el menú."
    )
    ben_notice = next(row for row in notices.values() if row.learner_id == ben.id)
    assert ben_notice.body.startswith("Eskize nou, nou pa t ka trete mesaj ou a.")
    # One holding reply per learner in the whole outage, however many messages waited.
    assert sorted(row.learner_id for row in holding_rows(db_session)) == [ana.id, ben.id]


def test_a_message_rasa_fails_on_while_it_answers_others_is_given_up_after_max_attempts(
    db_session, settings, sessions, rasa_at
):
    def flaky(request: Recorded) -> Answer:
        return (500, {}, {}) if request.json()["message"] == "uno" else rasa_echo(request)

    settings = settings.with_overrides({"worker.max_attempts": 3})
    ana = add_learner(db_session, settings, number="+50761111111")
    ben = add_learner(db_session, settings, number="+50762222222")
    first = add_inbound(db_session, ana, "uno")
    add_inbound(db_session, ana, "dos")
    health = TurnHealth()

    with StandInServer(flaky) as rasa:
        client = rasa_at(rasa.url)
        now = NOW
        for number in range(8):
            add_inbound(db_session, ben, f"hola {number}")  # Rasa answers Ben meanwhile
            run_turns_once(sessions, client, settings, now, health=health)
            now += timedelta(minutes=1)

    failed = inbound(db_session, first)
    assert failed.status == InboundStatus.FAILED and failed.attempts == 3
    assert "failed 3 times: Rasa failed this turn: HTTP 500" in failed.last_error
    # Tried once as a possible outage (nothing answered before it), then three attempts.
    assert sent_texts(rasa, ana.public_id) == ["uno", "uno", "uno", "uno", "dos"]
    assert len(sent_texts(rasa, ben.public_id)) == 8
    notice = [row for row in all_rows(db_session) if row.kind == "failure_notice"]
    assert [(row.inbound_id, row.learner_id) for row in notice] == [(first.id, ana.id)]
    assert "echo: dos" in [row.body for row in all_rows(db_session)]


def test_a_reply_the_worker_cannot_read_fails_at_once_without_running_the_turn_again(
    db_session, settings, sessions, rasa_at
):
    """A malformed payload (``options: 5``): asking Rasa again would run its actions again."""

    def poisoned(request: Recorded) -> Answer:
        body = request.json()
        if body["message"] != "uno":
            return rasa_echo(request)
        payload = {"text": "Lección 1", "kind": "lesson", "options": 5}
        return 200, [{"recipient_id": body["sender"], "custom": payload}], {}

    ana = add_learner(db_session, settings, number="+50761111111", language="en")
    ben = add_learner(db_session, settings, number="+50762222222")
    first, after = add_inbound(db_session, ana, "uno"), add_inbound(db_session, ana, "dos")
    add_inbound(db_session, ben, "hola")

    with StandInServer(poisoned) as rasa:
        done = run_turns_once(sessions, rasa_at(rasa.url), settings, NOW)

    # Ana's next message and Ben's are answered in the same pass.
    assert done == {"failed": 1, "answered": 2}

    failed = inbound(db_session, first)
    assert failed.status == InboundStatus.FAILED and failed.attempts == 1
    assert "Rasa's answer could not be stored: TypeError" in failed.last_error
    assert sent_texts(rasa, ana.public_id) == ["uno", "dos"]  # "uno" ran in Rasa once
    assert inbound(db_session, after).status == InboundStatus.DONE
    rows = {row.idempotency_key: row for row in all_rows(db_session)}
    notice = rows[f"{first.message_sid}:failed"]
    assert (notice.kind, notice.inbound_id) == ("failure_notice", first.id)
    assert notice.body == (
        "Sorry, we could not handle your message. Please write again later, "
        "or write HELP to see the menu."
    )
    assert "Lección 1" not in [row.body for row in rows.values()]


def test_a_message_whose_every_try_lost_its_worker_is_given_up_at_max_attempts(
    db_session, settings, sessions, rasa_at
):
    settings = settings.with_overrides({"worker.max_attempts": 2})
    message = add_inbound(db_session, add_learner(db_session, settings), "hola")
    now = NOW
    for _ in range(2):  # claimed, and the worker dies during the turn
        with sessions() as session, session.begin():
            assert claim_turn(session, settings, now) is not None
        now += lease(settings)

    with StandInServer(rasa_echo) as rasa:
        assert run_turns_once(sessions, rasa_at(rasa.url), settings, now) == {"failed": 1}

    assert rasa.requests == []
    failed = inbound(db_session, message)
    assert (failed.status, failed.attempts) == (InboundStatus.FAILED, 2)
    assert "worker stopped during each of its 2 attempts" in failed.last_error
    assert [row.kind for row in all_rows(db_session)] == ["failure_notice"]


def test_a_request_rasa_rejects_fails_at_once(db_session, settings, sessions, rasa_at):
    learner = add_learner(db_session, settings)
    rejected, after = (
        add_inbound(db_session, learner, "hola"),
        add_inbound(db_session, learner, "ok"),
    )
    answers = iter([(400, {"message": "bad"}, {})])

    with StandInServer(lambda request: next(answers, None) or rasa_echo(request)) as rasa:
        done = run_turns_once(sessions, rasa_at(rasa.url), settings, NOW)

    assert done == {"failed": 1, "answered": 1}
    assert inbound(db_session, rejected).status == InboundStatus.FAILED
    assert "rejected by Rasa: HTTP 400" in inbound(db_session, rejected).last_error
    assert inbound(db_session, after).status == InboundStatus.DONE


def test_an_empty_answer_is_retried(db_session, settings, sessions, rasa_at):
    """The REST channel answers 200 [] when an action failed (action server down)."""
    message = add_inbound(db_session, add_learner(db_session, settings), "hola")
    answers = iter([(200, [], {})])

    with StandInServer(lambda request: next(answers, None) or rasa_echo(request)) as rasa:
        client = rasa_at(rasa.url)
        assert run_turns_once(sessions, client, settings, NOW) == {"retry": 1}
        assert run_turns_once(sessions, client, settings, NOW + timedelta(seconds=1)) == {
            "answered": 1
        }
    assert inbound(db_session, message).status == InboundStatus.DONE


def test_media_only_message_gets_the_fallback(db_session, settings, sessions, rasa_at):
    add_inbound(db_session, add_learner(db_session, settings), "", num_media=1)

    with StandInServer(rasa_echo) as rasa:
        run_turns_once(sessions, rasa_at(rasa.url), settings, NOW)

    assert sent_texts(rasa) == [NOTHING_TO_UNDERSTAND]


def test_a_claim_abandoned_by_a_dead_worker_is_retried_after_its_lease(
    db_session, settings, sessions, rasa_at
):
    message = add_inbound(db_session, add_learner(db_session, settings), "hola")
    with sessions() as session, session.begin():
        assert claim_turn(session, settings, NOW) is not None  # ... and the worker dies

    with StandInServer(rasa_echo) as rasa:
        client = rasa_at(rasa.url)
        assert run_turns_once(sessions, client, settings, NOW) == {}
        done = run_turns_once(sessions, client, settings, NOW + lease(settings))

    assert done == {"answered": 1}
    assert inbound(db_session, message).attempts == 2
    assert outbox_bodies(db_session) == ["echo: hola"]


def test_a_turn_whose_lease_another_worker_took_over_writes_nothing(db_session, settings, sessions):
    message = add_inbound(db_session, add_learner(db_session, settings), "hola")
    with sessions() as session, session.begin():
        slow = claim_turn(session, settings, NOW)  # this worker's Rasa call outlives the lease
    with sessions() as session, session.begin():
        fast = claim_turn(session, settings, NOW + lease(settings))  # another worker's claim
    assert slow is not None and fast is not None

    with sessions() as session, session.begin():
        late = finish_turn(session, slow, [Reply("late answer")], NOW + 2 * lease(settings))
    with sessions() as session, session.begin():
        on_time = finish_turn(session, fast, [Reply("answer")], NOW + lease(settings))

    assert (late, on_time) == (0, 1)
    assert outbox_bodies(db_session) == ["answer"]
    settled = inbound(db_session, message)
    assert (settled.status, settled.attempts) == (InboundStatus.DONE, 2)


def opt_out_in_rasa(sessions: sessionmaker[Session], learner_id: int) -> Callable:
    """Rasa plus action_opt_out: the action opts the learner out during the turn."""

    def answer(request: Recorded) -> Answer:
        with sessions() as session, session.begin():
            session.get(Learner, learner_id).status = LearnerStatus.OPTED_OUT
        sender = request.json()["sender"]
        confirm = {
            "text": "No recibirás más mensajes.",
            "kind": "opt_out",
            "allow_when_opted_out": True,
        }
        menu = {"text": "Menú", "kind": "reply"}
        return 200, [{"recipient_id": sender, "custom": c} for c in (confirm, menu)], {}

    return answer


def test_an_opted_out_learner_gets_only_the_confirmation(db_session, settings, sessions, rasa_at):
    learner = add_learner(db_session, settings)
    stop = add_inbound(db_session, learner, "STOP")

    with StandInServer(opt_out_in_rasa(sessions, learner.id)) as rasa:
        run_turns_once(sessions, rasa_at(rasa.url), settings, NOW)

    assert outbox_bodies(db_session) == ["No recibirás más mensajes."]
    row = db_session.scalars(select(OutboxMessage)).one()
    assert (row.idempotency_key, row.allow_when_opted_out) == (f"{stop.message_sid}:0", True)
    assert inbound(db_session, stop).status == InboundStatus.DONE
    assert inbound(db_session, stop).last_error == "1 replies not written: learner is opted_out"


def test_an_opted_out_learners_message_is_done_without_replies(
    db_session, settings, sessions, rasa_at
):
    learner = add_learner(db_session, settings, status=LearnerStatus.OPTED_OUT)
    message = add_inbound(db_session, learner, "hola?")

    with StandInServer(rasa_echo) as rasa:
        run_turns_once(sessions, rasa_at(rasa.url), settings, NOW)

    assert outbox_bodies(db_session) == []
    assert inbound(db_session, message).status == InboundStatus.DONE


def test_nothing_due_does_nothing(settings, sessions, rasa_at, db_session):
    assert run_turns_once(sessions, rasa_at(closed_port_url()), settings, NOW) == {}
    assert db_session.scalar(select(func.count()).select_from(InboundMessage)) == 0


def test_the_turn_runner_asks_again_after_its_poll_or_when_a_turn_ends(
    db_session, settings, sessions, rasa_at
):
    settings = settings.with_overrides(
        {"worker.idle_poll_seconds": 60.0, "worker.turn_concurrency": 2}
    )
    ana = add_learner(db_session, settings, number="+50761111111")
    with StandInServer(rasa_echo) as server:
        runner = TurnRunner(sessions, rasa_at(server.url), settings)
        try:
            assert runner.step(NOW) == {}  # nothing due: drained

            add_inbound(db_session, ana, "uno")
            assert runner.step(NOW) == {}  # not asked again before the poll
            runner._drained_at = None
            done = run_until_settled(runner)
            assert done == {"answered": 1}

            add_inbound(db_session, ana, "dos")  # a turn ended: the runner asks at once
            assert run_until_settled(runner) == {"answered": 1}
        finally:
            runner.finish()
    assert outbox_bodies(db_session) == ["echo: uno", "echo: dos"]


def run_until_settled(runner: TurnRunner) -> dict[str, int]:
    total: dict[str, int] = {}
    for _ in range(200):
        done = runner.step(NOW)
        for key, count in done.items():
            if key != "running":
                total[key] = total.get(key, 0) + count
        if total and "running" not in done:
            return total
    return total


def test_a_turn_that_crashes_fails_alone_and_the_runner_goes_on(
    db_session, settings, sessions, rasa_at
):
    def poisoned(request: Recorded) -> Answer:
        body = request.json()
        if body["message"] != "uno":
            return rasa_echo(request)
        return 200, [{"recipient_id": body["sender"], "custom": {"text": "x", "options": 5}}], {}

    settings = settings.with_overrides({"worker.turn_concurrency": 2})
    ana = add_learner(db_session, settings, number="+50761111111")
    ben = add_learner(db_session, settings, number="+50762222222")
    first = add_inbound(db_session, ana, "uno")
    add_inbound(db_session, ana, "dos")
    add_inbound(db_session, ben, "hola")
    with StandInServer(poisoned) as server:
        runner = TurnRunner(sessions, rasa_at(server.url), settings)
        try:
            total: dict[str, int] = {}
            for _ in range(3):
                runner._drained_at = None  # ask again at once (no idle poll in a test)
                for key, count in run_until_settled(runner).items():
                    total[key] = total.get(key, 0) + count
        finally:
            runner.finish()

    assert total == {"failed": 1, "answered": 2}
    assert inbound(db_session, first).status == InboundStatus.FAILED
    assert sorted(outbox_bodies(db_session)) == [
        "Lo sentimos, no pudimos procesar tu mensaje. Escribe de nuevo más tarde, "
        "o escribe AYUDA para ver el menú.",
        "echo: dos",
        "echo: hola",
    ]
