"""YAML read with a line number for every field, and typed field access.

``read_yaml`` turns a file into plain Python values plus a ``SourceFile``
mapping each field path to its line. ``FieldReader`` then takes values out of
those plain values by path, recording a located error when one is missing, of
the wrong kind, or unexpected, so that the loader reads like the format.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, SequenceNode

from lessons.errors import LessonError, SourceFile, YamlPath, format_path
from lessons.model import LANGUAGES

# Keys end up in the database and in log lines: keep them plain.
KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")


def read_yaml(path: Path, source: SourceFile, errors: list[LessonError]) -> Any:
    """The file's content as plain values (None after an error), lines into ``source``."""
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except UnicodeDecodeError as error:
        errors.append(LessonError(source.display, 1, "", f"not UTF-8 text ({error.reason})"))
        return None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        problem = " ".join(part for part in (error.context, error.problem) if part)
        errors.append(LessonError(source.display, line, "", f"YAML syntax error: {problem}"))
        return None
    if root is None:
        errors.append(LessonError(source.display, 1, "", "the file is empty"))
        return None
    return _Builder(source, errors).value(root, ())


class _Builder:
    """Plain values from a YAML node tree, noting lines and repeated keys."""

    def __init__(self, source: SourceFile, errors: list[LessonError]) -> None:
        self.source, self.errors = source, errors
        self.constructor = SafeConstructor()

    def value(self, node: Node, path: YamlPath) -> Any:
        if isinstance(node, MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                key = str(self.scalar(key_node, path))
                child = (*path, key)
                if key in result:
                    line = key_node.start_mark.line + 1
                    self.errors.append(
                        LessonError(
                            self.source.display,
                            line,
                            format_path(child),
                            f"duplicate key: {key!r} is already set on line "
                            f"{self.source.lines[child]}",
                        )
                    )
                    continue
                self.source.lines[child] = key_node.start_mark.line + 1
                result[key] = self.value(value_node, child)
            return result
        if isinstance(node, SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.source.lines[(*path, index)] = item.start_mark.line + 1
                items.append(self.value(item, (*path, index)))
            return items
        return self.scalar(node, path)

    def scalar(self, node: Node, path: YamlPath) -> Any:
        try:
            return self.constructor.construct_object(node, deep=True)
        except yaml.YAMLError as error:
            problem = getattr(error, "problem", None) or str(error)
            self.errors.append(
                LessonError(
                    self.source.display,
                    node.start_mark.line + 1,
                    format_path(path),
                    f"unreadable value: {problem}",
                )
            )
            return None


class FieldReader:
    """Typed access to a file's values; every problem is a located error."""

    def __init__(self, source: SourceFile, errors: list[LessonError]) -> None:
        self.source, self.errors = source, errors

    def fail(self, path: YamlPath, message: str) -> None:
        self.errors.append(self.source.error(path, message))

    def absent(self, value: Any, path: YamlPath) -> bool:
        """True for a field that is not in the file (``mapping`` reported it)."""
        return value is None and path not in self.source.lines

    def mapping(
        self,
        value: Any,
        path: YamlPath,
        required: Collection[str],
        optional: Collection[str] = (),
    ) -> dict[str, Any] | None:
        """``value`` as a mapping with the given keys; None if it is not one."""
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping with {', '.join(required)}")
            return None
        allowed = [*required, *optional]
        for key in value:
            if key not in allowed:
                expected = ", ".join(allowed)
                self.fail((*path, key), f"unknown key {key!r} (expected one of {expected})")
        for key in required:
            if key not in value:
                self.fail((*path, key), "missing field")
        return value

    def text(self, value: Any, path: YamlPath) -> dict[str, str] | None:
        """A translatable text: one non-empty string per language."""
        if self.absent(value, path) or not self._translations(value, path):
            return None
        result = {}
        for language in LANGUAGES:
            text = self.string(value.get(language, ""), (*path, language))
            if text == "":
                self.fail((*path, language), "missing translation")
            elif text is not None:
                result[language] = text
        return result if len(result) == len(LANGUAGES) else None

    def some_translations(self, value: Any, path: YamlPath) -> dict[str, str] | None:
        """Translations that may leave languages out; an empty one is kept for the checks."""
        if not self._translations(value, path):
            return None
        result: dict[str, str] = {}
        readable = True
        for language in LANGUAGES:
            if language in value:
                text = self.string(value[language], (*path, language))
                if text is None:
                    readable = False
                else:
                    result[language] = text
        return result if readable else None

    def _translations(self, value: Any, path: YamlPath) -> bool:
        """Whether ``value`` is a mapping of languages; unknown languages are reported."""
        if not isinstance(value, dict):
            self.fail(path, f"expected translations ({', '.join(LANGUAGES)})")
            return False
        for key in value:
            if key not in LANGUAGES:
                expected = ", ".join(LANGUAGES)
                self.fail((*path, key), f"unknown key {key!r} (languages are {expected})")
        return True

    def string(self, value: Any, path: YamlPath) -> str | None:
        if value is None:
            return ""
        if not isinstance(value, str):
            self.fail(path, f"expected text, got {value!r}")
            return None
        # NFC so that an accent typed as two code points counts, and is sent,
        # as the one character a phone shows; strip because ">" keeps a final
        # newline that would cost a character on SMS.
        return unicodedata.normalize("NFC", value).strip()

    def key(self, value: Any, path: YamlPath) -> str | None:
        if self.absent(value, path):
            return None
        text = self.string(value, path)
        if text is not None and not KEY_PATTERN.fullmatch(text):
            self.fail(path, f"{text!r} is not a key: use lowercase letters, digits, - and _")
            return None
        return text

    def sequence(self, value: Any, path: YamlPath) -> list[Any]:
        if self.absent(value, path):
            return []
        if not isinstance(value, list):
            self.fail(path, "expected a list")
            return []
        return value

    def boolean(self, value: Any, path: YamlPath) -> bool | None:
        if not isinstance(value, bool):
            self.fail(path, f"expected true or false, got {value!r}")
            return None
        return value
