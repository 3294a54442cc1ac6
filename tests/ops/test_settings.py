"""The operator's settings: where they come from, and what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import DEFAULT_CONFIG, SettingsError, load_settings


def test_the_shipped_ops_defaults():
    settings = load_settings(config_path=DEFAULT_CONFIG, environ={})
    assert settings.ops.log_format == "text"
    assert settings.ops.metrics_public is False
    assert settings.ops.metrics_token == ""
    assert (settings.app.web_host, settings.app.web_workers, settings.app.web_threads) == (
        "127.0.0.1",
        2,
        8,
    )


def test_log_format_and_metrics_token_come_from_the_environment():
    environ = {"LESSONBOT_LOG_FORMAT": "json", "LESSONBOT_METRICS_TOKEN": "t0ken"}
    settings = load_settings(config_path=DEFAULT_CONFIG, environ=environ)
    assert settings.ops.log_format == "json"
    assert settings.ops.metrics_token == "t0ken"
    assert "t0ken" not in repr(settings)


def test_a_log_format_that_is_neither_text_nor_json_is_refused():
    with pytest.raises(SettingsError) as refused:
        load_settings(config_path=DEFAULT_CONFIG, environ={"LESSONBOT_LOG_FORMAT": "xml"})
    assert list(refused.value.problems) == [
        "LESSONBOT_LOG_FORMAT (ops.log_format): Input should be 'text' or 'json', got 'xml'"
    ]


def test_the_metrics_token_never_comes_from_a_file(tmp_path: Path):
    path = tmp_path / "config.yml"
    path.write_text("ops:\n  metrics_token: in-a-file\n")
    with pytest.raises(SettingsError) as refused:
        load_settings(config_path=path, environ={})
    assert "ops.metrics_token: comes only from the environment" in refused.value.problems[0]
