"""Settings: config.yml plus the environment, every value checked when loaded."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.settings import DEFAULT_CONFIG, SettingsError, load_settings


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yml"
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(SettingsError) as refused:
        load_settings(config_path=path, environ=environ or {})
    return list(refused.value.problems)


def test_the_shipped_config_loads_with_its_sections():
    settings = load_settings(config_path=DEFAULT_CONFIG, environ={})
    assert settings.sender.rate_per_second == 10.0
    assert settings.schedule.quiet_start == "21:00"
    assert settings.languages.supported == ("es", "en", "fr", "ht")
    assert settings.app.database_url.startswith("sqlite:////")  # made absolute


def test_environment_names_override_the_file(tmp_path):
    path = config(
        tmp_path, "sender:\n  rate_per_second: 5\n  sms_accent_free_languages: [es, fr]\n"
    )
    environ = {
        "LESSONBOT_SENDER_RATE_PER_SECOND": "25",
        "LESSONBOT_SENDER_SMS_ACCENT_FREE_LANGUAGES": "es",
        "LESSONBOT_LANGUAGES_SUPPORTED": "es,en",
        "LESSONBOT_DATABASE_URL": "postgresql+psycopg://lessonbot@db/lessonbot",
        "LESSONBOT_PUBLIC_URL": "https://bot.example.org",
        "TWILIO_ACCOUNT_SID": "AC1",
        "TWILIO_AUTH_TOKEN": "token",
        "TWILIO_MESSAGING_SERVICE_SID": "MG1",
        "LESSONBOT_PHONE_HASH_KEY": "hash-key",
        "LESSONBOT_PHONE_ENCRYPTION_KEY": "2" * 43 + "=",
        "LESSONBOT_RASA_TOKEN": "rasa-token",
        "LESSONBOT_SECRET_KEY": "cookie-key",
    }

    settings = load_settings(config_path=path, environ=environ)

    assert settings.sender.rate_per_second == 25.0
    assert settings.sender.sms_accent_free_languages == ("es",)
    assert (settings.sms_accent_free("es"), settings.sms_accent_free("fr")) == (True, False)
    assert settings.languages.supported == ("es", "en")
    assert settings.app.database_url == "postgresql+psycopg://lessonbot@db/lessonbot"
    assert settings.app.public_url == "https://bot.example.org"
    assert (settings.twilio.account_sid, settings.twilio.messaging_service_sid) == ("AC1", "MG1")
    assert settings.channel_name == "twilio"
    assert settings.rasa.token == "rasa-token"
    assert settings.secrets.secret_key == "cookie-key"
    assert "token" not in repr(settings.twilio) and "hash-key" not in repr(settings)


def test_template_sids_by_language_come_from_yaml_or_the_environment(tmp_path):
    path = config(
        tmp_path,
        "twilio:\n  whatsapp_window_template_sid: HXall\n"
        "  whatsapp_window_template_sids: {en: HXen, ht: HXht}\n",
    )
    environ = {"LESSONBOT_BROADCASTS_WHATSAPP_TEMPLATE_SIDS": "fr=HXfr, es=HXes"}

    settings = load_settings(config_path=path, environ=environ)

    chosen = [settings.window_template_sid(language) for language in ("en", "ht", "fr")]
    assert chosen == ["HXen", "HXht", "HXall"]
    assert settings.broadcast_template_sid("fr") == "HXfr"
    assert settings.broadcast_template_sid("en") == ""  # neither its own nor one for all


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("de=HXde", "'de' is not one of the supported languages"),
        ("es", "expected language=value pairs"),
        ("es=", "no value for 'es'"),
    ],
)
def test_bad_template_sids_by_language_are_refused_naming_the_field(tmp_path, value, complaint):
    environ = {"LESSONBOT_BROADCASTS_WHATSAPP_TEMPLATE_SIDS": value}
    [problem] = refusal(config(tmp_path, ""), environ)
    assert "broadcasts.whatsapp_template_sids" in problem
    assert "LESSONBOT_BROADCASTS_WHATSAPP_TEMPLATE_SIDS" in problem
    assert complaint in problem


def test_spanish_and_french_sms_are_accent_free_unless_told_otherwise(tmp_path):
    default = load_settings(config_path=config(tmp_path, ""), environ={})
    assert default.sender.sms_accent_free_languages == ("es", "fr")
    emptied = load_settings(
        config_path=config(tmp_path, ""),
        environ={"LESSONBOT_SENDER_SMS_ACCENT_FREE_LANGUAGES": ""},
    )
    assert [emptied.sms_accent_free(language) for language in ("es", "fr")] == [False, False]


@pytest.mark.parametrize(
    ("value", "complaint"),
    [
        ("es,de", "'de' is not one of the languages"),
        ("ht", "'ht' has no accent-free rendering (only es, fr)"),
    ],
)
def test_bad_accent_free_languages_are_refused_naming_the_field(tmp_path, value, complaint):
    environ = {"LESSONBOT_SENDER_SMS_ACCENT_FREE_LANGUAGES": value}
    [problem] = refusal(config(tmp_path, ""), environ)
    assert "sender.sms_accent_free_languages" in problem
    assert "LESSONBOT_SENDER_SMS_ACCENT_FREE_LANGUAGES" in problem
    assert complaint in problem


def test_a_misspelled_key_is_refused_naming_it_and_the_file(tmp_path):
    path = config(tmp_path, "sender:\n  rate_per_secnd: 10\nsendr:\n  rate_per_second: 10\n")
    assert refusal(path) == [
        f"{path}: sender.rate_per_secnd: unknown setting",
        f"{path}: sendr: unknown section",
    ]


def test_a_value_of_the_wrong_kind_is_an_error_not_a_guess(tmp_path):
    path = config(tmp_path, "sender:\n  max_attempts: six\n  rate_per_second: '10'\n")
    problems = refusal(path)
    assert len(problems) == 2
    assert problems[0].startswith(
        f"{path}: sender.rate_per_second (or LESSONBOT_SENDER_RATE_PER_SECOND): "
    )
    assert problems[1] == (
        f"{path}: sender.max_attempts (or LESSONBOT_SENDER_MAX_ATTEMPTS):"
        " Input should be a valid integer, got 'six'"
    )


@pytest.mark.parametrize(
    ("line", "complaint"),
    [
        ('quiet_start: "25:00"', "not a time of day: '25:00'"),
        # What YAML makes of an unquoted 21:00: a base-60 number.
        ("quiet_start: 21:00", "Input should be a valid string, got 1260"),
        ("quiet_end: 7pm", "expected a time of day HH:MM"),
    ],
)
def test_quiet_hours_are_checked_when_read(tmp_path, line, complaint):
    path = config(tmp_path, f"schedule:\n  {line}\n")
    [problem] = refusal(path)
    assert problem.startswith(f"{path}: schedule.quiet_")
    assert complaint in problem


def test_every_value_is_checked_and_each_problem_is_one_line(tmp_path):
    path = config(
        tmp_path,
        "sender:\n  lease_seconds: 10\ndashboard:\n  timezone: Mars/Olympus\n"
        "languages:\n  default: fr\n  supported: [es, en]\nworker:\n  turn_concurrency: 0\n",
    )
    environ = {"LESSONBOT_SCHEDULE_DISPATCH_CONCURRENCY": "0"}

    problems = refusal(path, environ)

    assert len(problems) == 4
    assert all("\n" not in problem for problem in problems)
    assert any("sender.lease_seconds" in p and "greater than or equal to 20" in p for p in problems)
    assert any("unknown time zone 'Mars/Olympus'" in p for p in problems)
    assert any("worker.turn_concurrency" in p for p in problems)
    assert any(
        p.startswith(
            "LESSONBOT_SCHEDULE_DISPATCH_CONCURRENCY (setting schedule.dispatch_concurrency)"
        )
        for p in problems
    )
    # Checked once the sections are valid: the default language must be offered.
    path = config(tmp_path, "languages:\n  default: fr\n  supported: [es, en]\n")
    assert refusal(path) == [
        f"{path}: languages.default (or LESSONBOT_LANGUAGES_DEFAULT):"
        " 'fr' is not in languages.supported"
    ]


def test_an_environment_value_that_cannot_be_read_names_the_variable(tmp_path):
    environ = {"LESSONBOT_SENDER_RATE_PER_SECOND": "fast"}
    [problem] = refusal(config(tmp_path, ""), environ)
    assert problem.startswith("LESSONBOT_SENDER_RATE_PER_SECOND (sender.rate_per_second): ")
    assert "'fast'" in problem


def test_secrets_are_refused_in_the_file(tmp_path):
    path = config(tmp_path, "twilio:\n  auth_token: abc\nsecrets:\n  secret_key: abc\n")
    problems = refusal(path)
    assert problems[0] == (
        f"{path}: twilio.auth_token: comes only from the environment (TWILIO_AUTH_TOKEN),"
        " never from a file"
    )
    assert problems[1].startswith(f"{path}: secrets: comes only from the environment")
    assert "abc" not in " ".join(problems)


def test_a_bad_encryption_key_is_refused_without_repeating_it(tmp_path):
    environ = {"LESSONBOT_PHONE_ENCRYPTION_KEY": "not-a-fernet-key"}
    [problem] = refusal(config(tmp_path, ""), environ)
    assert problem.startswith(
        "LESSONBOT_PHONE_ENCRYPTION_KEY (setting secrets.phone_encryption_key)"
    )
    assert "not-a-fernet-key" not in problem


def test_a_missing_config_file_is_named(tmp_path):
    missing = tmp_path / "nowhere.yml"
    with pytest.raises(SettingsError, match=r"nowhere\.yml: no such settings file"):
        load_settings(environ={"LESSONBOT_CONFIG": str(missing)})


def test_overrides_in_code_are_checked_like_the_file(tmp_path):
    settings = load_settings(config_path=config(tmp_path, ""), environ={})
    changed = settings.with_overrides(
        {"sender.rate_per_second": 1000, "worker": {"max_attempts": 2}}
    )
    assert (changed.sender.rate_per_second, changed.worker.max_attempts) == (1000.0, 2)
    assert settings.sender.rate_per_second == 10.0  # frozen: a copy changed
    with pytest.raises(SettingsError, match=r"sender\.lease_seconds"):
        settings.with_overrides({"sender.lease_seconds": 1})


def test_the_command_line_prints_the_problem_and_exits_2(tmp_path, monkeypatch):
    path = config(tmp_path, "sender:\n  rate_per_secnd: 10\n")
    monkeypatch.setenv("LESSONBOT_CONFIG", str(path))

    result = CliRunner().invoke(main, ["db", "upgrade"])

    assert result.exit_code == 2
    assert result.output == f"bad settings: {path}: sender.rate_per_secnd: unknown setting\n"


def test_the_outage_and_retry_settings_have_defaults_and_environment_names():
    shipped = load_settings(config_path=DEFAULT_CONFIG, environ={})
    assert shipped.worker.outage_budget_seconds == 21600  # 6 hours
    assert shipped.worker.retry_backoff_cap_seconds == 300
    assert shipped.worker.holding_reply_after_seconds == 180
    assert shipped.sender.retry_after_cap_seconds == 3600
    environ = {
        "LESSONBOT_WORKER_OUTAGE_BUDGET_SECONDS": "20",
        "LESSONBOT_WORKER_RETRY_BACKOFF_CAP_SECONDS": "5",
        "LESSONBOT_WORKER_HOLDING_REPLY_AFTER_SECONDS": "10",
        "LESSONBOT_SENDER_RETRY_AFTER_CAP_SECONDS": "5",
    }

    settings = load_settings(config_path=DEFAULT_CONFIG, environ=environ)

    worker = settings.worker
    assert (worker.outage_budget_seconds, worker.retry_backoff_cap_seconds) == (20, 5)
    assert worker.holding_reply_after_seconds == 10
    assert settings.sender.retry_after_cap_seconds == 5


def test_an_inbox_email_needs_an_address_and_a_mail_server(tmp_path):
    settings = load_settings(config_path=config(tmp_path, ""), environ={})
    assert settings.inbox.notify_email == ""  # no email: nothing else needed
    with pytest.raises(SettingsError, match=r"inbox.*smtp_host \(the mail server\) is needed"):
        settings.with_overrides({"inbox.notify_email": "equipo@ong.example.org"})
    with pytest.raises(SettingsError, match=r"inbox.*not an email address: 'equipo'"):
        settings.with_overrides({"inbox.notify_email": "equipo", "inbox.smtp_host": "mail"})
    changed = settings.with_overrides(
        {"inbox.notify_email": "equipo@ong.example.org", "inbox.smtp_host": "mail.example.org"}
    )
    assert changed.inbox.smtp_host == "mail.example.org"
