"""Course content: lesson files in every language, their typed model and checks.

``load_catalog(path)`` reads and validates ``lessons/content`` (see FORMAT.md)
and returns a ``Catalog``, or raises ``InvalidCatalog`` listing every
``LessonError`` (file, line, field, message).
"""

from lessons.errors import InvalidCatalog, LessonError
from lessons.loader import CheckResult, check_catalog, load_catalog
from lessons.model import LANGUAGES, Catalog, Course, Lesson, Option, Question

__all__ = [
    "LANGUAGES",
    "Catalog",
    "CheckResult",
    "Course",
    "InvalidCatalog",
    "Lesson",
    "LessonError",
    "Option",
    "Question",
    "check_catalog",
    "load_catalog",
]
