"""Where a problem in the lesson files is: file, line and field.

A field is named by its path in the file, ``questions[0].options[1].feedback.fr``
(list positions count from 0), and printed as ``path:line: field: message``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

YamlPath = tuple[str | int, ...]


class LessonError(Exception):
    """One problem in the lesson files, located by file, line and field."""

    def __init__(
        self, file: str, line: int | None, field: str, message: str, *, warning: bool = False
    ) -> None:
        super().__init__(file, line, field, message)
        self.file, self.line, self.field, self.message = file, line, field, message
        self.warning = warning

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        name = f" {self.field}:" if self.field else ""
        kind = " warning:" if self.warning else ""
        return f"{where}:{name}{kind} {self.message}"


class InvalidCatalog(Exception):
    """The lesson files have errors; nothing was loaded."""

    def __init__(self, errors: list[LessonError]) -> None:
        self.errors = tuple(errors)
        lines = "\n".join(str(error) for error in self.errors)
        super().__init__(f"{len(self.errors)} error(s) in the lesson files:\n{lines}")


def format_path(path: YamlPath) -> str:
    """``("questions", 0, "prompt", "es")`` -> ``questions[0].prompt.es``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


@dataclass
class SourceFile:
    """A YAML file as read, with the line of every field in it."""

    display: str  # the path as printed in errors
    lines: dict[YamlPath, int] = field(default_factory=dict)

    def line(self, path: YamlPath) -> int:
        """The line of ``path``, or of its nearest parent that exists."""
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path, 1)

    def error(self, path: YamlPath, message: str, *, warning: bool = False) -> LessonError:
        return LessonError(
            self.display, self.line(path), format_path(path), message, warning=warning
        )


def display_path(path: Path) -> str:
    """``path`` relative to the working directory when inside it, for short messages."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
