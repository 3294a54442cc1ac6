"""A lesson's parts as channel-neutral messages, ready for ``bot.text.render``."""

from __future__ import annotations

from bot.text.render import Message
from lessons.model import Lesson, Option, Question


def lesson_message(lesson: Lesson, language: str) -> Message:
    return Message(text=lesson.body[language], title=lesson.title[language])


def question_message(question: Question, language: str) -> Message:
    """The prompt and its options, with each option's WhatsApp button title, if any."""
    buttons = tuple(option.button.get(language, "") for option in question.options)
    return Message(
        text=question.prompt[language],
        options=tuple(option.text[language] for option in question.options),
        # () rather than all "": a question without buttons is sent as before.
        buttons=buttons if any(buttons) else (),
    )


def feedback_message(option: Option, language: str) -> Message:
    return Message(text=option.feedback[language])
