"""deploy/prometheus/alerts.yml: each rule's expression names metrics /metrics really shows."""

from __future__ import annotations

import re

import yaml

from bot import create_app
from bot.db import make_engine, make_session_factory
from bot.settings import PROJECT_ROOT
from tests.fakes import closed_port_url
from tests.ops.system import (
    METRICS_TOKEN,
    learner_writes,
    samples,
    scrape,
    twilio_reports,
    worker_runs,
)

ALERTS = PROJECT_ROOT / "deploy" / "prometheus" / "alerts.yml"
METRIC_NAME = re.compile(r"\blessonbot_[a-z_]+\b")
REQUIRED = {
    "LessonbotMessagesWaiting",
    "LessonbotSendsFailing",
    "LessonbotRasaDown",
    "LessonbotSchedulerHeartbeatStale",
}


def test_every_alert_names_metrics_that_metrics_shows(settings):
    settings = settings.with_overrides(
        {"ops.metrics_token": METRICS_TOKEN, "rasa.url": closed_port_url()}
    )
    engine = make_engine(settings.app.database_url)
    sessions = make_session_factory(engine)
    client = create_app(settings=settings).test_client()
    learner_writes(client, settings)
    worker_runs(sessions, settings)
    twilio_reports(client, settings, sessions)
    shown = {name for name, _labels in samples(scrape(client))}
    engine.dispose()

    rules = [
        rule for group in yaml.safe_load(ALERTS.read_text())["groups"] for rule in group["rules"]
    ]
    assert {rule["alert"] for rule in rules} >= REQUIRED
    for rule in rules:
        named = set(METRIC_NAME.findall(rule["expr"]))
        assert named, rule["alert"]
        assert named <= shown, (rule["alert"], named - shown)
        assert rule["labels"]["severity"] in ("page", "ticket")
        assert rule["annotations"]["summary"]
