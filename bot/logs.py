"""One logging setup for every process, to stderr, as text or as one JSON object per line.

Messages never contain phone numbers or message texts: code logs learners by
their opaque public id (see ``bot.phones.redact``). As a second guard, every
line passes ``RedactNumbers``, which masks anything shaped like an E.164
number before it is written, in either format.

APScheduler logs two INFO lines for every job run ("Running job ...",
"... executed successfully"): its loggers are at WARNING unless
``ops.log_debug`` (LESSONBOT_OPS_LOG_DEBUG=true).
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bot.settings import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# "+50760001234", "whatsapp:+50760001234": a plus and 7 to 15 digits.
_NUMBER = re.compile(r"\+\d{7,15}")
# Loggers that say too much at INFO for a production log.
_QUIET = ("httpx", "urllib3", "apscheduler")


def _mask(match: re.Match[str]) -> str:
    number = match.group(0)
    return number[:4] + "…" + number[-2:]


class RedactNumbers(logging.Filter):
    """Masks phone numbers in a record's message (and its arguments), whatever logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _NUMBER.sub(_mask, message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, process (and the exception)."""

    def __init__(self, process: str = "") -> None:
        super().__init__()
        self.process_name = process

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": self.process_name or record.processName,
            "pid": record.process,
        }
        if record.exc_info:
            entry["exception"] = _NUMBER.sub(_mask, self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False)


def dict_config(log_format: str = "text", debug: bool = False, process: str = "") -> dict[str, Any]:
    """The ``logging.config.dictConfig`` of a process (gunicorn takes it as ``logconfig_dict``)."""
    formatter: dict[str, Any] = (
        {"()": JsonFormatter, "process": process}
        if log_format == "json"
        else {"format": TEXT_FORMAT}
    )
    quiet_level = "DEBUG" if debug else "WARNING"
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactNumbers}},
        "formatters": {"lessonbot": formatter},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "lessonbot",
                "filters": ["redact"],
            }
        },
        "root": {"level": "DEBUG" if debug else "INFO", "handlers": ["stderr"]},
        "loggers": {
            # gunicorn's own loggers go through the same handler and format.
            "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
            "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
            **{name: {"level": quiet_level} for name in _QUIET},
        },
    }


def configure_logging(settings: Settings | None = None, process: str = "") -> None:
    """Log to stderr in the settings' format (text without settings)."""
    log_format = settings.ops.log_format if settings else "text"
    debug = settings.ops.log_debug if settings else False
    logging.config.dictConfig(dict_config(log_format, debug, process))
