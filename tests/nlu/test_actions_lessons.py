"""Lessons and quizzes: delivery, grading once per message, progress, the end of a course."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot.models import Enrollment, LessonDelivery, QuizAttempt
from lessons import Lesson
from nlu.actions.info import ActionShowProgress
from nlu.actions.lessons_flow import ActionDeliverLesson, ActionGradeAnswer, ActionRepeatLesson
from tests.nlu.helpers import FIXED_NOW, add_learner, reload, run, tracker

pytestmark = pytest.mark.usefixtures("action_context")


def course_lessons(action_context, key: str = "entrepreneurship") -> tuple[Lesson, ...]:  # type: ignore[no-untyped-def]
    return action_context.catalog().course(key).lessons


def answer(learner, text, sid=None, entity=None):  # type: ignore[no-untyped-def]
    metadata = {"message_sid": sid} if sid else None
    entities = {"option": entity} if entity else None
    return tracker(learner, text, intent="choose_option", entities=entities, metadata=metadata)


def next_lesson(db_session, domain, learner) -> list[dict]:  # type: ignore[no-untyped-def]
    return run(
        ActionDeliverLesson(), tracker(learner, "siguiente", intent="next_lesson"), domain
    ).messages


def test_next_delivers_the_first_lesson_and_its_question(db_session, domain, action_context):
    learner = add_learner(db_session)
    messages = next_lesson(db_session, domain, learner)

    first = course_lessons(action_context)[0]
    assert [m["kind"] for m in messages] == ["lesson", "quiz"]
    assert messages[0]["text"] == f"{first.title['es']}\n{first.body['es']}"
    assert messages[1]["options"] == [o.text["es"] for o in first.questions[0].options]
    stored = reload(db_session, learner)
    assert (stored.pending_lesson_key, stored.pending_question_key) == (
        first.key,
        first.questions[0].key,
    )
    assert stored.last_lesson_at == FIXED_NOW


def test_next_again_delivers_the_following_lesson(db_session, domain, action_context):
    learner = add_learner(db_session)
    next_lesson(db_session, domain, learner)
    messages = next_lesson(db_session, domain, learner)

    second = course_lessons(action_context)[1]
    assert messages[0]["text"].startswith(second.title["es"])
    keys = db_session.scalars(select(LessonDelivery.lesson_key).order_by(LessonDelivery.id))
    assert list(keys) == [course_lessons(action_context)[0].key, second.key]


def test_right_answer_gets_its_feedback(db_session, domain, action_context):
    learner = add_learner(db_session, language="en")
    next_lesson(db_session, domain, learner)
    question = course_lessons(action_context)[0].questions[0]

    result = run(ActionGradeAnswer(), answer(learner, str(question.correct_number)), domain)

    right = question.options[question.correct_number - 1]
    assert result.messages[0] == {
        "text": right.feedback["en"],
        "options": [],
        "kind": "feedback",
        "allow_when_opted_out": False,
    }
    attempt = db_session.scalars(select(QuizAttempt)).one()
    assert (attempt.correct, attempt.chosen_option, attempt.attempt_number) == (
        True,
        question.correct_number,
        1,
    )


def test_wrong_answer_gets_its_feedback_and_the_right_answer(db_session, domain, action_context):
    learner = add_learner(db_session, language="es")
    next_lesson(db_session, domain, learner)
    question = course_lessons(action_context)[0].questions[0]
    wrong = 1 if question.correct_number != 1 else 2
    letter = "abcd"[wrong - 1]

    result = run(ActionGradeAnswer(), answer(learner, f"la {letter}"), domain)

    right = question.options[question.correct_number - 1]
    assert result.messages[0]["text"] == (
        question.options[wrong - 1].feedback["es"]
        + f"\nLa respuesta correcta es la {question.correct_number}: {right.text['es']}"
    )
    assert db_session.scalars(select(QuizAttempt.correct)).one() is False


def test_answer_moves_to_the_next_question_then_ends_the_lesson(db_session, domain, action_context):
    learner = add_learner(db_session, language="fr")
    next_lesson(db_session, domain, learner)
    lesson = course_lessons(action_context)[0]

    replies = []
    for question in lesson.questions:
        result = run(ActionGradeAnswer(), answer(learner, str(question.correct_number)), domain)
        replies.append(result.messages)

    for index, messages in enumerate(replies[:-1]):
        following = lesson.questions[index + 1]
        assert messages[1]["kind"] == "quiz"
        assert messages[1]["text"] == following.prompt["fr"]
    total = len(lesson.questions)
    assert replies[-1][1]["text"] == (
        f"Leçon terminée ! Score : {total} sur {total}.\n"
        "Ta prochaine leçon arrive à 19:00. Pas envie d'attendre ? Écris SUIVANT."
    )
    stored = reload(db_session, learner)
    assert (stored.pending_lesson_key, stored.pending_question_key) == (None, None)


def test_a_replayed_message_is_graded_once_and_answered_the_same(
    db_session, domain, action_context
):
    learner = add_learner(db_session)
    next_lesson(db_session, domain, learner)
    question = course_lessons(action_context)[0].questions[0]
    wrong = 1 if question.correct_number != 1 else 2

    first = run(ActionGradeAnswer(), answer(learner, str(wrong), sid="SMreplay1"), domain)
    again = run(ActionGradeAnswer(), answer(learner, str(wrong), sid="SMreplay1"), domain)

    assert again.messages == first.messages
    assert db_session.scalar(select(func.count(QuizAttempt.id))) == 1


def test_an_answer_that_is_no_option_gets_the_question_again(db_session, domain, action_context):
    learner = add_learner(db_session)
    next_lesson(db_session, domain, learner)
    question = course_lessons(action_context)[0].questions[0]

    result = run(ActionGradeAnswer(), answer(learner, "7"), domain)

    assert result.texts == [
        "Por favor, responde con el número de una opción.",
        question.prompt["es"],
    ]
    assert db_session.scalar(select(func.count(QuizAttempt.id))) == 0


def test_the_option_entity_is_used_when_present(db_session, domain, action_context):
    learner = add_learner(db_session)
    next_lesson(db_session, domain, learner)
    question = course_lessons(action_context)[0].questions[0]

    text = "creo que es la segunda"  # no single option in the text: the NLU's entity decides
    run(ActionGradeAnswer(), answer(learner, text, entity=str(question.correct_number)), domain)

    assert db_session.scalars(select(QuizAttempt.correct)).one() is True


def test_the_workers_shortcut_for_a_bare_option(db_session, domain, action_context):
    learner = add_learner(db_session)
    next_lesson(db_session, domain, learner)
    question = course_lessons(action_context)[0].questions[0]
    number = str(question.correct_number)

    shortcut = '/choose_option{"option":"' + number + '"}'
    run(ActionGradeAnswer(), answer(learner, shortcut, entity=number), domain)

    assert db_session.scalars(select(QuizAttempt.correct)).one() is True


def test_no_question_waiting(db_session, domain):
    learner = add_learner(db_session, language="ht")
    result = run(ActionGradeAnswer(), answer(learner, "2"), domain)

    assert result.texts == [
        "Pa gen okenn kesyon k ap tann repons. Ekri PWOCHEN pou pwochen leson ou."
    ]


def test_repeat_sends_the_lesson_again_without_a_new_delivery(db_session, domain, action_context):
    learner = add_learner(db_session)
    next_lesson(db_session, domain, learner)
    first = course_lessons(action_context)[0]
    run(ActionGradeAnswer(), answer(learner, "1"), domain)

    result = run(ActionRepeatLesson(), tracker(learner, "repetir", intent="repeat_lesson"), domain)

    assert result.texts == [
        f"{first.title['es']}\n{first.body['es']}",
        first.questions[0].prompt["es"],
    ]
    assert db_session.scalar(select(func.count(LessonDelivery.id))) == 1
    assert reload(db_session, learner).pending_question_key == first.questions[0].key


def test_progress_counts_lessons_done_and_right_answers(db_session, domain, action_context):
    learner = add_learner(db_session, language="en")
    lesson = course_lessons(action_context)[0]
    next_lesson(db_session, domain, learner)
    for index, question in enumerate(lesson.questions):
        chosen = question.correct_number if index == 0 else (question.correct_number % 2) + 1
        run(ActionGradeAnswer(), answer(learner, str(chosen)), domain)

    result = run(ActionShowProgress(), tracker(learner, "progress", intent="progress"), domain)

    title = action_context.catalog().course("entrepreneurship").title["en"]
    total = len(course_lessons(action_context))
    answered = len(lesson.questions)
    assert result.texts == [
        f'Course: "{title}"\nLessons done: 1 of {total}\nRight answers: 1 of {answered}'
    ]


def deliver_all_but_last(db_session, learner, lessons) -> None:  # type: ignore[no-untyped-def]
    for lesson in lessons[:-1]:
        db_session.add(
            LessonDelivery(
                learner_id=learner.id,
                course_key=lesson.course_key,
                lesson_key=lesson.key,
                delivered_at=FIXED_NOW - timedelta(days=30),
            )
        )
    db_session.commit()


def test_last_answer_of_a_course_offers_the_other_course(db_session, domain, action_context):
    learner = add_learner(db_session)
    lessons = course_lessons(action_context)
    deliver_all_but_last(db_session, learner, lessons)
    next_lesson(db_session, domain, learner)  # the last lesson

    for question in lessons[-1].questions:
        result = run(ActionGradeAnswer(), answer(learner, str(question.correct_number)), domain)

    course = action_context.catalog().course("entrepreneurship").title["es"]
    other = action_context.catalog().course("digital_safety").title["es"]
    db_session.rollback()
    enrollment = db_session.scalars(select(Enrollment)).one()
    assert enrollment.completed_at is not None
    assert result.messages[-1]["text"] == (
        f'¡Felicidades! Terminaste el curso "{course}".\n'
        f"Tu código de finalización es {enrollment.verification_code}. "
        "Nuestro equipo puede verificarlo por ti.\n"
        f'¿Quieres empezar "{other}"? Escribe SIGUIENTE.'
    )
    assert reload(db_session, learner).next_lesson_at is None

    messages = next_lesson(db_session, domain, learner)  # NEXT after the offer

    first_other = course_lessons(action_context, "digital_safety")[0]
    assert messages[0]["text"] == f'Empecemos el curso "{other}".'
    assert messages[1]["text"].startswith(first_other.title["es"])
    assert reload(db_session, learner).course_key == "digital_safety"


def test_a_scheduled_turn_leaves_the_slot_to_the_scheduler(db_session, domain, action_context):
    slot = datetime(2026, 3, 2, 0, 0)
    learner = add_learner(db_session, next_lesson_at=slot)
    due = tracker(learner, "", intent="EXTERNAL_lesson_due", metadata={"is_external": True})

    result = run(ActionDeliverLesson(), due, domain)

    assert [m["kind"] for m in result.messages] == ["lesson", "quiz"]
    stored = reload(db_session, learner)
    assert stored.next_lesson_at == slot  # moved by the scheduler once the outbox has it
    assert stored.last_lesson_at is None


def test_a_retried_scheduled_turn_sends_the_same_lesson(db_session, domain, action_context):
    slot = datetime(2026, 3, 2, 0, 0)
    learner = add_learner(db_session, next_lesson_at=slot)
    due = {"intent": "EXTERNAL_lesson_due", "metadata": {"is_external": True}}

    first = run(ActionDeliverLesson(), tracker(learner, "", **due), domain)
    retried = run(ActionDeliverLesson(), tracker(learner, "", **due), domain)

    assert retried.messages == first.messages
    assert db_session.scalar(select(func.count(LessonDelivery.id))) == 1


def test_a_scheduled_turn_after_the_end_of_the_course_says_nothing_new(
    db_session, domain, action_context
):
    learner = add_learner(db_session, next_lesson_at=FIXED_NOW)
    lessons = course_lessons(action_context)
    deliver_all_but_last(db_session, learner, lessons)
    next_lesson(db_session, domain, learner)
    for _question in lessons[-1].questions:
        run(ActionGradeAnswer(), answer(learner, "1"), domain)
    due = tracker(learner, "", intent="EXTERNAL_lesson_due")

    assert run(ActionDeliverLesson(), due, domain).messages == []


def test_no_lesson_after_stop(db_session, domain):
    learner = add_learner(db_session, status="opted_out", next_lesson_at=FIXED_NOW)
    due = tracker(learner, "", intent="EXTERNAL_lesson_due")

    assert run(ActionDeliverLesson(), due, domain).messages == []
    assert db_session.scalar(select(func.count(LessonDelivery.id))) == 0
