"""One logging setup for every process. Messages never contain phone numbers:
code logs learners by their opaque public id (see bot.phones.redact)."""

from __future__ import annotations

import logging
import sys


def configure_logging(level: int = logging.INFO) -> None:
    logging.basicConfig(
        level=level,
        stream=sys.stdout,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request URL at INFO; Twilio URLs carry no numbers but
    # keep the noise down.
    logging.getLogger("httpx").setLevel(logging.WARNING)
