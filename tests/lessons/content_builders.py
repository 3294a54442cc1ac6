"""Lesson directories written into a temporary folder, and where a text is in them.

``VALID_LESSON`` passes every check; a test breaks one thing in it (by string
replacement, so the YAML stays readable) and asserts the exact error.
"""

from __future__ import annotations

from pathlib import Path

VALID_LESSON = """\
# Keys are stable: learners' progress is stored against them.
key: ent-test-idea
title:
  es: Prueba tu idea
  en: Test your idea
  fr: Teste ton idée
  ht: Teste lide ou
body:
  es: >-
    Antes de invertir, pregunta a 5 posibles clientes si comprarían y a qué precio.
  en: >-
    Before you spend money, ask 5 possible customers if they would buy, and at what price.
  fr: >-
    Avant d'investir, demande à 5 clients possibles s'ils achèteraient, et à quel prix.
  ht: >-
    Anvan ou depanse, mande 5 kliyan si yo ta achte, e a ki pri.
questions:
  - key: q1
    prompt:
      es: ¿Qué haces primero?
      en: What do you do first?
      fr: Que fais-tu d'abord ?
      ht: Kisa ou fè anvan?
    options:
      - text: {es: Pregunto a clientes, en: Ask customers, fr: Je demande, ht: Mande kliyan}
        correct: true
        feedback: {es: ¡Bien! Así sabes si hay venta., en: Well done!, fr: Bravo !, ht: Byen!}
      - text: {es: Compro mercancía, en: Buy stock, fr: J'achète du stock, ht: Achte machandiz}
        feedback: {es: Primero pregunta., en: Ask first., fr: Demande d'abord., ht: Mande anvan.}
      - text: {es: Espero, en: Wait, fr: J'attends, ht: M ap tann}
        feedback: {es: Así no sabes nada., en: You learn nothing., fr: Rien appris., ht: Anyen.}
sources:
  - "ILO SIYB: Generate Your Business Idea"
"""

VALID_COURSE = """\
key: entrepreneurship
title: {es: Emprender, en: Start a business, fr: Entreprendre, ht: Lanse biznis}
lessons:
  - ent-test-idea
"""


def write_content(root: Path, files: dict[str, str]) -> Path:
    """Write ``{"course/file.yml": text}`` under ``root/content``; the content directory."""
    content = root / "content"
    for name, text in files.items():
        path = content / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return content


def one_lesson(lesson: str = VALID_LESSON, course: str = VALID_COURSE) -> dict[str, str]:
    return {
        "entrepreneurship/course.yml": course,
        "entrepreneurship/ent-test-idea.yml": lesson,
    }


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line containing ``needle``."""
    hits = [number for number, line in enumerate(text.splitlines(), 1) if needle in line]
    return hits[occurrence - 1]


def broken(text: str, old: str, new: str) -> str:
    """``text`` with ``old`` (which must be there exactly once) replaced by ``new``."""
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
    return text.replace(old, new)
