"""Lessons and quizzes: deliver the next lesson, repeat it, grade an answer.

What comes next is decided in ``bot.learners`` (``delivery.next_lesson``,
``quiz.after_answer``); these actions render it.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.learners import progress, quiz, schedule
from bot.learners.delivery import CourseEnded, next_lesson
from bot.learners.lifecycle import is_onboarded
from bot.models import Learner
from bot.vocab import OutboxKind
from lessons import Course, Lesson, Question
from lessons.render import feedback_message, lesson_message, question_message
from nlu.actions.base import LearnerAction, chosen_option, is_external, message_sid
from nlu.actions.context import Turn, say, send
from nlu.actions.texts import course_title, format_clock


def send_lesson(turn: Turn, dispatcher: CollectingDispatcher, lesson: Lesson) -> None:
    send(dispatcher, lesson_message(lesson, turn.language), kind=OutboxKind.LESSON)


def send_question(turn: Turn, dispatcher: CollectingDispatcher, question: Question) -> None:
    send(dispatcher, question_message(question, turn.language), kind=OutboxKind.QUIZ)
    if turn.learner is not None:
        # Its one reminder comes if no answer does (bot.messaging.reminders).
        schedule.question_asked(turn.learner, turn.now)


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
    """Send the learner's next lesson and its first question (or the end of the course)."""
    _ = turn.gettext()
    outcome = next_lesson(
        turn.session, learner, turn.catalog, turn.now, turn.settings, scheduled=external
    )
    if isinstance(outcome, CourseEnded):
        if outcome.announce:
            text = course_done_text(turn, outcome.course, outcome.next_course, outcome.code)
            say(dispatcher, text)
        return
    if outcome.new_course is not None:
        title = course_title(outcome.new_course, turn.language)
        say(dispatcher, _('Let\'s start the course "{course}".').format(course=title))
    send_lesson(turn, dispatcher, outcome.lesson)
    send_question(turn, dispatcher, outcome.question)


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
        grade = quiz.previous_grade(turn.session, turn.catalog, sid)
        if grade is None and quiz.was_graded(turn.session, sid):
            # Graded before, but its question has left the content since.
            say(
                dispatcher,
                _("No question is waiting for an answer. Write NEXT for your next lesson."),
            )
            return []
        if grade is None:
            pending = quiz.pending_question(learner, turn.catalog)
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
            grade = quiz.grade_answer(
                turn.session,
                learner,
                lesson,
                question,
                chosen,
                sid,
                turn.now,
                settings=turn.settings,
            )
        self.reply(turn, learner, dispatcher, grade)
        return []

    def reply(
        self,
        turn: Turn,
        learner: Learner,
        dispatcher: CollectingDispatcher,
        grade: quiz.Grade,
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
        after = quiz.after_answer(turn.session, learner, turn.catalog, grade, turn.now)
        if isinstance(after, quiz.NextQuestion):
            send_question(turn, dispatcher, after.question)
            return
        if isinstance(after, quiz.CourseDone):
            say(dispatcher, course_done_text(turn, after.course, after.next_course, after.code))
            return
        if isinstance(after, quiz.ReviewDone):
            if after.next_in_days is not None:
                say(
                    dispatcher,
                    _("This question comes back for review in {days} days.").format(
                        days=after.next_in_days
                    ),
                )
            return
        lines = [
            _("Lesson done: {right} of {total} right.").format(right=after.right, total=after.total)
        ]
        if learner.delivery_time:
            when = format_clock(learner.delivery_time, turn.language)
            lines.append(
                _("Your next lesson comes at {time}. Can't wait? Write NEXT.").format(time=when)
            )
        else:
            lines.append(_("Write NEXT for your next lesson."))
        say(dispatcher, "\n".join(lines))
