"""The operator's tables: process heartbeats and the metric counters.

Both are written by every process (web, worker, scheduler) and read by the
web's ``/readyz`` and ``/metrics`` (see ``bot.ops.tally`` for why counters
live in the database). Neither holds a phone number or a message text: a
heartbeat names a process, a counter's labels are outcomes and codes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.db import Base


class Heartbeat(Base):
    """One running process: its kind (worker, scheduler) and when it last showed life."""

    __tablename__ = "heartbeat"

    # "worker@host:pid": one row per process, so several workers each keep theirs.
    process: Mapped[str] = mapped_column(String(160), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    beat_at: Mapped[datetime] = mapped_column(DateTime)


class MetricCounter(Base):
    """A Prometheus counter's value for one label set, summed over every process."""

    __tablename__ = "metric_counter"

    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    # The labels as sorted JSON ({"outcome": "answered"}); "{}" for none.
    labels: Mapped[str] = mapped_column(String(300), primary_key=True)
    value: Mapped[float] = mapped_column(Float, default=0.0)
