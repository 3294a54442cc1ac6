"""What ``/metrics`` shows, read from the database at scrape time.

The counters and the turn-time histogram are the sums every process added
(``bot.ops.tally``); the gauges are computed now: queue depths, the age of
the oldest waiting message, the newest heartbeat of each kind of process,
Rasa's availability and the progress of the broadcasts being sent. So one
scrape of any web worker shows the whole system, however many processes run.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.broadcasts.models import Broadcast, BroadcastRecipient, BroadcastStatus
from bot.models import InboundMessage, OutboxMessage
from bot.ops.health import oldest_waiting, rasa_available
from bot.ops.heartbeats import KINDS, newest_beats
from bot.ops.models import MetricCounter
from bot.ops.tally import COUNTERS, HISTOGRAMS, Timed, bucket_text
from bot.settings import Settings
from bot.vocab import InboundStatus, OutboxStatus

# A broadcast recipient's progress: its own state, or once queued its outbox row's.
_SENT = {OutboxStatus.QUEUED, OutboxStatus.SENT, OutboxStatus.DELIVERED, OutboxStatus.READ}
_FAILED = {OutboxStatus.FAILED, OutboxStatus.UNDELIVERED}


def metrics_text(session: Session, settings: Settings, now: datetime) -> bytes:
    """Prometheus' text format of everything below."""
    registry = CollectorRegistry()
    registry.register(SystemCollector(session, settings, now))
    return generate_latest(registry)


class SystemCollector:
    """A prometheus_client collector over one database session, for one scrape."""

    def __init__(self, session: Session, settings: Settings, now: datetime) -> None:
        self._session = session
        self._settings = settings
        self._now = now

    def collect(self) -> Iterator[Metric]:
        yield from self._counters()
        yield from self._queues()
        yield from self._heartbeats()
        rasa = GaugeMetricFamily("lessonbot_rasa_up", "1 when Rasa's /status answers, else 0")
        rasa.add_metric([], 1.0 if rasa_available(self._settings).ok else 0.0)
        yield rasa
        yield self._broadcasts()

    def _counters(self) -> Iterator[Metric]:
        values: dict[str, list[tuple[dict[str, str], float]]] = {}
        for row in self._session.scalars(select(MetricCounter)):
            values.setdefault(row.name, []).append((json.loads(row.labels), row.value))
        for counted in COUNTERS:
            family = CounterMetricFamily(counted.name, counted.help, labels=counted.labels)
            for labels, value in values.get(counted.name + "_total", []):
                family.add_metric([labels.get(name, "") for name in counted.labels], value)
            yield family
        for timed in HISTOGRAMS:
            yield _histogram(timed, values)

    def _queues(self) -> Iterator[Metric]:
        session = self._session
        inbound = session.scalar(
            select(func.count()).where(InboundMessage.status == InboundStatus.PENDING)
        )
        outbox = session.scalar(
            select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING)
        )
        oldest = oldest_waiting(session)
        age = max(0.0, (self._now - oldest).total_seconds()) if oldest else 0.0
        for name, help_text, value in (
            ("lessonbot_inbound_waiting", "Learner messages waiting for their turn", inbound),
            ("lessonbot_outbox_waiting", "Outbox messages waiting to be sent", outbox),
            (
                "lessonbot_inbound_oldest_waiting_seconds",
                "Age of the oldest learner message waiting for its turn (0: none waits)",
                age,
            ),
        ):
            gauge = GaugeMetricFamily(name, help_text)
            gauge.add_metric([], float(value or 0))
            yield gauge

    def _heartbeats(self) -> Iterator[Metric]:
        gauge = GaugeMetricFamily(
            "lessonbot_heartbeat_age_seconds",
            "Seconds since the newest heartbeat of each kind of process (+Inf: never)",
            labels=["process"],
        )
        beats = newest_beats(self._session)
        for kind in KINDS:
            last = beats.get(kind)
            age = (self._now - last).total_seconds() if last else float("inf")
            gauge.add_metric([kind], age)
        yield gauge

    def _broadcasts(self) -> Metric:
        gauge = GaugeMetricFamily(
            "lessonbot_broadcast_recipients",
            "Recipients of the broadcasts being sent, by progress"
            " (waiting, in_outbox, sent, failed, skipped, cancelled)",
            labels=["broadcast", "state"],
        )
        rows = self._session.execute(
            select(
                BroadcastRecipient.broadcast_id,
                BroadcastRecipient.state,
                OutboxMessage.status,
                func.count(),
            )
            .join(Broadcast, Broadcast.id == BroadcastRecipient.broadcast_id)
            .outerjoin(OutboxMessage, OutboxMessage.id == BroadcastRecipient.outbox_id)
            .where(Broadcast.status == BroadcastStatus.SENDING)
            .group_by(
                BroadcastRecipient.broadcast_id, BroadcastRecipient.state, OutboxMessage.status
            )
        )
        totals: dict[tuple[str, str], int] = {}
        for broadcast_id, state, outbox_status, count in rows:
            key = (str(broadcast_id), _progress(state.value, outbox_status))
            totals[key] = totals.get(key, 0) + count
        for (broadcast, progress), total in sorted(totals.items()):
            gauge.add_metric([broadcast, progress], float(total))
        return gauge


def _progress(state: str, outbox_status: OutboxStatus | None) -> str:
    if state != "queued" or outbox_status is None:
        return state
    if outbox_status in _SENT:
        return "sent"
    if outbox_status in _FAILED:
        return "failed"
    return "in_outbox"


def _histogram(timed: Timed, values: dict[str, list[tuple[dict[str, str], float]]]) -> Metric:
    counts = {
        labels.get("le", ""): value for labels, value in values.get(f"{timed.name}_bucket", [])
    }
    bounds = [bucket_text(bound) for bound in (*timed.buckets, float("inf"))]
    total = sum(value for _, value in values.get(f"{timed.name}_sum", []))
    return HistogramMetricFamily(
        timed.name,
        timed.help,
        buckets=[(bound, counts.get(bound, 0.0)) for bound in bounds],
        sum_value=total,
    )
