"""The spaced-review job: send each due review question, one a day, at the learner's time.

Which reviews are due and when one may go are ``bot.learners.review``'s rules;
this job renders the question ("Review: <lesson>" and the question with its
options) and writes it to the outbox. The learner's answer goes through the
quiz's usual path (``action_grade_answer``), which sees the waiting question.
The row's key is the item, its step and its due time, so the same review is
never written twice, while one that went unanswered can go again.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy.orm import Session

from bot.learners import review
from bot.messaging.outbox import write_reply
from bot.messaging.replies import Reply
from bot.models import Learner, ReviewItem
from bot.settings import Settings
from bot.text.i18n import gettext_for
from bot.vocab import OutboxKind
from lessons import Catalog, Lesson, Question
from lessons.render import question_message


def send_due_reviews(
    session: Session, settings: Settings, catalog: Catalog, now: datetime
) -> dict[str, int]:
    """One tick: send the reviews that may go now, hold back the others; say what happened."""
    summary: Counter[str] = Counter()
    limit = settings.schedule.due_batch_size
    for item in review.unanswered_items(session, now, limit):
        learner = session.get(Learner, item.learner_id)
        if learner is not None and review.unanswered(item, learner, now, settings):
            summary["unanswered"] += 1
    for item in review.due_items(session, now, limit):
        summary[_send_one(session, item, settings, catalog, now)] += 1
    return dict(summary)


def _send_one(
    session: Session, item: ReviewItem, settings: Settings, catalog: Catalog, now: datetime
) -> str:
    learner = session.get(Learner, item.learner_id)
    found = _question(catalog, item)
    if learner is None or found is None:
        review.drop(item)
        return "dropped"
    held = review.hold(session, item, learner, now, settings)
    if held is not None:
        return held
    lesson, question = found
    reply = review_reply(lesson, question, learner.language or settings.languages.default)
    key = f"review:{learner.public_id}:{item.id}:{item.step}:{item.due_at.isoformat()}"
    write_reply(session, key, learner.id, reply, now)
    review.asked(item, learner, now)
    return "sent"


def review_reply(lesson: Lesson, question: Question, language: str) -> Reply:
    """The review of one question (also what ``lessonbot whatsapp sync`` makes buttons for)."""
    _ = gettext_for(language)
    heading = _("Review: {lesson}").format(lesson=lesson.title[language])
    asked = question_message(question, language)  # the lesson's own buttons on WhatsApp
    return Reply(
        text=f"{heading}\n{asked.text}",
        options=asked.options,
        buttons=asked.buttons,
        kind=OutboxKind.QUIZ,
    )


def _question(catalog: Catalog, item: ReviewItem) -> tuple[Lesson, Question] | None:
    try:
        lesson = catalog.lesson(item.lesson_key)
        return lesson, lesson.question(item.question_key)
    except KeyError:
        return None
