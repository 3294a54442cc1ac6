"""Lessons and quizzes: deliver the next lesson, repeat it, grade an answer."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.learners import catchup, progress
from bot.learners.completion import completion_code
from bot.learners.schedule import record_lesson_sent
from bot.models import Learner
from bot.vocab import OutboxKind
from lessons import Course, Lesson, Question
from lessons.render import feedback_message, lesson_message, question_message
from nlu.actions.base import (
    LearnerAction,
    chosen_option,
    is_external,
    is_onboarded,
    message_sid,
)
from nlu.actions.context import Turn, say, send
from nlu.actions.texts import course_title, format_clock


def send_lesson(turn: Turn, dispatcher: CollectingDispatcher, lesson: Lesson) -> None:
    send(dispatcher, lesson_message(lesson, turn.language), kind=OutboxKind.LESSON)


def send_question(turn: Turn, dispatcher: CollectingDispatcher, question: Question) -> None:
    send(dispatcher, question_message(question, turn.language), kind=OutboxKind.QUIZ)
    if turn.learner is not None:
        # Its one reminder comes if no answer does (bot.messaging.reminders).
        turn.learner.question_asked_at = turn.now


def course_done_text(
    turn: Turn, course: Course, next_course: Course | None, code: str | None = None
) -> str:
    _ = turn.gettext()
    lines = [
        _('Congratulations! You finished the course "{course}".').format(
            course=course_title(course, turn.language)
        )
    ]
    if code:
        lines.append(
            _("Your completion code is {code}. Staff can check it for you.").format(code=code)
        )
    if next_course is not None:
        lines.append(
            _('Want to start "{course}"? Write NEXT.').format(
                course=course_title(next_course, turn.language)
            )
        )
    else:
        lines.append(_("You have done all our courses. Well done!"))
    return "\n".join(lines)


def deliver_next(
    turn: Turn, learner: Learner, dispatcher: CollectingDispatcher, *, external: bool
) -> None:
    """Send the learner's next lesson and its first question (or the end of the course).

    A lesson the learner asks for counts as today's lesson and moves their
    next slot on. A scheduled turn (``external``) leaves the slot to the
    scheduler, which moves it once the messages are in the outbox.
    """
    _ = turn.gettext()
    if external:
        started = progress.lesson_started_in_slot(turn.session, learner, turn.catalog)
        if started is not None:
            question = progress.start_lesson(turn.session, learner, started, turn.now)
            send_lesson(turn, dispatcher, started)
            send_question(turn, dispatcher, question)
            return
    missed = catchup.missed_lesson(turn.session, learner, turn.catalog)
    if missed is not None:
        # The phone never got it (bot.learners.catchup): this one again, not the next.
        question = catchup.resend_lesson(turn.session, learner, missed, turn.now)
        send_lesson(turn, dispatcher, missed)
        send_question(turn, dispatcher, question)
        if not external:
            record_lesson_sent(learner, turn.now, turn.settings)
        return
    outcome = progress.deliver_next_lesson(
        turn.session, learner, turn.catalog, turn.now, may_switch=not external
    )
    if isinstance(outcome, progress.CourseFinished):
        # A scheduled turn announces the end once; nothing is due after it.
        if not external or outcome.first_time:
            text = course_done_text(turn, outcome.course, outcome.next_course, outcome.code)
            say(dispatcher, text)
        return
    if outcome.new_course is not None:
        title = course_title(outcome.new_course, turn.language)
        say(dispatcher, _('Let\'s start the course "{course}".').format(course=title))
    send_lesson(turn, dispatcher, outcome.lesson)
    send_question(turn, dispatcher, outcome.question)
    if not external:
        record_lesson_sent(learner, turn.now, turn.settings)


class ActionDeliverLesson(LearnerAction):
    """NEXT, and the scheduler's EXTERNAL_lesson_due: the next lesson and its quiz."""

    def name(self) -> str:
        return "action_deliver_lesson"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        external = is_external(tracker)
        if not learner.is_reachable:
            return []  # no lessons after STOP, even if a scheduled turn slips through
        if not is_onboarded(learner):
            if not external:
                _ = turn.gettext()
                say(dispatcher, _("Let's sign you up first. Write HELLO to start."))
            return []
        deliver_next(turn, learner, dispatcher, external=external)
        return []


class ActionRepeatLesson(LearnerAction):
    """REPEAT: the current (or last) lesson again, with its first question."""

    def name(self) -> str:
        return "action_repeat_lesson"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        lesson = progress.last_lesson(turn.session, learner, turn.catalog)
        if lesson is None:
            _ = turn.gettext()
            say(dispatcher, _("You have no lesson yet. Write NEXT to get your first one."))
            return []
        question = progress.start_lesson(turn.session, learner, lesson, turn.now)
        send_lesson(turn, dispatcher, lesson)
        send_question(turn, dispatcher, question)
        return []


class ActionGradeAnswer(LearnerAction):
    """A quiz answer: feedback (and the right answer), then what comes next.

    Graded once per inbound message: a replay of the same message after a
    crash finds its QuizAttempt and gets the same reply again.
    """

    def name(self) -> str:
        return "action_grade_answer"

    def act(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[EventType]:
        _ = turn.gettext()
        sid = message_sid(tracker)
        grade = progress.previous_grade(turn.session, turn.catalog, sid)
        if grade is None:
            pending = progress.pending_question(learner, turn.catalog)
            if pending is None:
                say(
                    dispatcher,
                    _("No question is waiting for an answer. Write NEXT for your next lesson."),
                )
                return []
            lesson, question = pending
            chosen = chosen_option(tracker, len(question.options))
            if chosen is None:
                say(dispatcher, _("Please answer with the number of an option."))
                send_question(turn, dispatcher, question)
                return []
            grade = progress.grade_answer(
                turn.session, learner, lesson, question, chosen, sid, turn.now
            )
        self.reply(turn, learner, dispatcher, grade)
        return []

    def reply(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        grade: progress.Grade,
    ) -> None:
        _ = turn.gettext()
        option = grade.question.options[grade.chosen - 1]
        text = feedback_message(option, turn.language).text
        if not grade.correct:
            right = grade.question.correct_number
            answer = grade.question.options[right - 1].text[turn.language]
            text += "\n" + _("The right answer is {number}: {answer}").format(
                number=right, answer=answer
            )
        say(dispatcher, text, kind=OutboxKind.FEEDBACK)
        if grade.next_question is not None:
            send_question(turn, dispatcher, grade.next_question)
            return
        if progress.course_finished(turn.session, learner, turn.catalog, turn.now):
            course = turn.catalog.course(learner.course_key or grade.lesson.course_key)
            following = progress.next_course(turn.session, learner, turn.catalog)
            code = completion_code(turn.session, learner.id, course.key)
            say(dispatcher, course_done_text(turn, course, following, code))
            return
        right, total = progress.lesson_score(turn.session, learner, grade.lesson)
        lines = [_("Lesson done: {right} of {total} right.").format(right=right, total=total)]
        if learner.delivery_time:
            when = format_clock(learner.delivery_time, turn.language)
            lines.append(
                _("Your next lesson comes at {time}. Can't wait? Write NEXT.").format(time=when)
            )
        else:
            lines.append(_("Write NEXT for your next lesson."))
        say(dispatcher, "\n".join(lines))
