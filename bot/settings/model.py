"""The shape of the settings: one section per block of config.yml, every value checked.

A value is checked when it is read, not when it is first used: a quiet hour
of "25:00", an unknown time zone or a lease under 20 s stops the start-up
with a message naming the setting, instead of failing a scheduler tick
hours later. Types are strict (``max_attempts: '6'`` is an error, not
a guess); values from the environment are read from their text first
(``bot.settings.sources``).

``Settings(...)`` reads nothing but its arguments; ``load_settings()`` adds
config.yml and the environment.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cryptography.fernet import Fernet
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.text.languages import LANGUAGES
from bot.text.sms import ACCENT_FREE_LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Twilio's own timeout (15 s) plus a few seconds of queued sends.
MIN_SENDER_LEASE_SECONDS = 20.0


def _clock_time(value: str) -> str:
    hours, colon, minutes = value.partition(":")
    if not (colon and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"expected a time of day HH:MM, quoted in YAML, got {value!r}")
    if len(hours) > 2 or int(hours) > 23 or int(minutes) > 59:
        raise ValueError(f"not a time of day: {value!r}")
    return value


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(
            f"unknown time zone {value!r} (an IANA name such as America/Panama)"
        ) from error
    return value


def _web_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"expected an http:// or https:// URL, got {value!r}")
    return value


def _database_url(value: str) -> str:
    try:
        make_url(value)
    except ArgumentError as error:
        raise ValueError(f"not a database URL: {value!r}") from error
    return value


def _directory(value: str) -> str:
    if not resolve(value).is_dir():
        raise ValueError(f"no such directory: {resolve(value)}")
    return value


def _language(value: str) -> str:
    if value not in LANGUAGES:
        raise ValueError(f"{value!r} is not one of the languages ({', '.join(LANGUAGES)})")
    return value


def _fernet_key(value: str) -> str:
    if value:
        try:
            Fernet(value.encode())
        except ValueError as error:
            # The value is a secret: never repeat it.
            raise ValueError("not a Fernet key (see README: how to make one)") from error
    return value


ClockTime = Annotated[str, AfterValidator(_clock_time)]
TimeZone = Annotated[str, AfterValidator(_time_zone)]
WebUrl = Annotated[str, AfterValidator(_web_url)]


def _phone_number(value: str) -> str:
    """ "" (not set) or a number in E.164 form, such as +50761234567."""
    if value and not re.fullmatch(r"\+[1-9]\d{6,14}", value):
        raise ValueError(
            f"expected a phone number in E.164 form such as +50761234567, got {value!r}"
        )
    return value


PhoneNumber = Annotated[str, AfterValidator(_phone_number)]
DatabaseUrl = Annotated[str, AfterValidator(_database_url)]
Language = Annotated[str, AfterValidator(_language)]
# A value per learner language, e.g. {"en": "HX...", "ht": "HX..."}; checked against
# languages.supported by ``Settings``.
LanguageMap = dict[str, str]


class Section(BaseModel):
    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")


class AppSection(Section):
    database_url: DatabaseUrl = "sqlite:///var/lessonbot.db"
    public_url: WebUrl = "http://127.0.0.1:5000"
    web_port: int = Field(default=5000, ge=1, le=65535)
    # `lessonbot web` (gunicorn): the address it binds, its processes and their threads.
    # Behind a reverse proxy on the same machine keep loopback.
    web_host: str = Field(default="127.0.0.1", min_length=1)
    web_workers: int = Field(default=2, ge=1)
    web_threads: int = Field(default=8, ge=1)
    proxy_hops: int = Field(default=0, ge=0)
    message_retention_days: int = Field(default=90, ge=1)
    # Requests with a bigger body get 413 before anything reads it (Twilio's
    # forms are a few kB; a staff form with a 5,000-line id list about 60 kB).
    max_request_bytes: int = Field(default=65536, ge=1024)


class LanguagesSection(Section):
    default: Language = "es"
    supported: tuple[Language, ...] = Field(default=LANGUAGES, min_length=1, strict=False)


def _store_url(value: str, schemes: tuple[str, ...]) -> str:
    parts = urlsplit(value)
    if parts.scheme.split("+")[0] not in schemes:
        raise ValueError(f"expected a {' or '.join(schemes)} URL, got {value!r}")
    if parts.password:
        # The URL sits in config.yml: its password comes from the environment.
        raise ValueError(
            "no password in the URL: set LESSONBOT_RASA_TRACKER_STORE_PASSWORD or"
            " LESSONBOT_RASA_LOCK_STORE_PASSWORD in the environment"
        )
    return value


def _tracker_store_url(value: str) -> str:
    return _store_url(_database_url(value), ("sqlite", "postgresql"))


def _lock_store_url(value: str) -> str:
    if value:
        _store_url(value, ("redis", "rediss"))
        if not urlsplit(value).hostname:
            raise ValueError(f"no host in {value!r}")
    return value


class RasaSection(Section):
    # One Rasa server; ``urls`` lists several (then ``url`` is not used).
    url: WebUrl = "http://127.0.0.1:5005"
    urls: tuple[WebUrl, ...] = Field(default=(), strict=False)
    token: str = Field(default="", repr=False)
    actions_port: int = Field(default=5055, ge=1, le=65535)
    # Where Rasa reaches the action server; empty: http://127.0.0.1:<actions_port>/webhook.
    actions_url: Annotated[str, AfterValidator(lambda v: v and _web_url(v))] = ""
    # sqlite:///... for one machine, postgresql://user@host:5432/db for several.
    tracker_store_url: Annotated[str, AfterValidator(_tracker_store_url)] = (
        "sqlite:///var/rasa_tracker.db"
    )
    tracker_store_password: str = Field(default="", repr=False)
    # Empty: Rasa's in-memory lock store (one server). redis://host:6379/1 for several.
    lock_store_url: Annotated[str, AfterValidator(_lock_store_url)] = ""
    lock_store_password: str = Field(default="", repr=False)
    timeout_seconds: float = Field(default=20.0, gt=0)

    @model_validator(mode="after")
    def _servers_agree(self) -> Self:
        servers = self.servers
        if len(set(servers)) != len(servers):
            _refuse("rasa.urls", "a Rasa server is listed twice")
        if len(servers) > 1 and not self.lock_store_url:
            _refuse(
                "rasa.lock_store_url",
                "several Rasa servers need a shared lock store (redis://host:6379/1)",
            )
        if len(servers) > 1 and self.tracker_store_url.startswith("sqlite"):
            _refuse(
                "rasa.tracker_store_url",
                "several Rasa servers need a shared tracker store (postgresql://...)",
            )
        return self

    @property
    def servers(self) -> tuple[str, ...]:
        """The Rasa servers' base URLs, in the configured order."""
        return tuple(url.rstrip("/") for url in self.urls) or (self.url.rstrip("/"),)


class WorkerSection(Section):
    idle_poll_seconds: float = Field(default=0.2, gt=0)
    max_attempts: int = Field(default=8, ge=1)
    # Turns run at once by one worker process (threads; each learner's in order).
    turn_concurrency: int = Field(default=8, ge=1)
    # While Rasa is down or cannot complete turns, a message is retried for this
    # long after it arrived (a time, not a count), then the learner is told.
    outage_budget_seconds: float = Field(default=21600.0, gt=0)
    # The longest wait between two tries of one message (the waits double up to it).
    retry_backoff_cap_seconds: float = Field(default=300.0, gt=0)
    # After this long waiting in an outage the learner gets one "still working on it".
    holding_reply_after_seconds: float = Field(default=180.0, ge=0)


class SenderSection(Section):
    rate_per_second: float = Field(default=10.0, gt=0)
    # A send the provider refuses for now (429, 5xx, a timeout) is tried at
    # least this many times, and then on for as long as the row is younger
    # than ``retry_budget_seconds``: a time, not a count, so that a bad hour
    # at the provider delays messages instead of failing them.
    max_attempts: int = Field(default=6, ge=1)
    retry_budget_seconds: float = Field(default=21600.0, ge=0)
    backoff_seconds: float = Field(default=2.0, ge=0)
    # The longest wait between two tries of one row (the waits double up to it).
    retry_backoff_cap_seconds: float = Field(default=300.0, gt=0)
    # Sends in flight at once; 0 picks enough for the rate
    # (bot.messaging.sender.default_concurrency).
    concurrency: int = Field(default=0, ge=0)
    # How long a claimed row is kept from other senders before it is due again
    # (should this one die): above Twilio's timeout (15 s) plus a second's sends,
    # and above how late Twilio's status callbacks come (they settle the rows a
    # dead sender handed to Twilio but never recorded).
    lease_seconds: float = Field(default=60.0, ge=MIN_SENDER_LEASE_SECONDS)
    # Learner languages whose SMS go without the accents that force UCS-2, so
    # that they stay in GSM-7 (about 40% fewer segments in Spanish); WhatsApp
    # always keeps them. Only languages with an accent-free rendering qualify.
    sms_accent_free_languages: tuple[Language, ...] = Field(default=("es", "fr"), strict=False)
    # The longest wait a provider's Retry-After may impose on a message.
    retry_after_cap_seconds: float = Field(default=3600.0, ge=0)


class TwilioSection(Section):
    account_sid: str = ""
    auth_token: str = Field(default="", repr=False)
    messaging_service_sid: str = ""
    api_base_url: WebUrl = "https://api.twilio.com"
    # The Content API (WhatsApp buttons and lists, `lessonbot whatsapp sync`).
    content_base_url: WebUrl = "https://content.twilio.com"
    whatsapp_window_template_sid: str = ""
    # A Content template (one SID) is in one language: the same template in
    # other languages; a learner whose language has none gets the one above.
    whatsapp_window_template_sids: LanguageMap = Field(default_factory=dict)
    # The numbers learners write to (the Messaging Service's senders), shown on
    # the join-code posters: an SMS instruction and a wa.me link with its QR code.
    sms_number: PhoneNumber = ""
    whatsapp_number: PhoneNumber = ""


class LessonsSection(Section):
    # Relative to the project root unless absolute.
    directory: Annotated[str, AfterValidator(_directory)] = "lessons/content"


class ScheduleSection(Section):
    # Local "HH:MM" in each learner's own time zone; start later than end wraps midnight.
    quiet_start: ClockTime = "21:00"
    quiet_end: ClockTime = "07:00"
    reminder_delay_hours: float = Field(default=20.0, gt=0)
    inactive_days: int = Field(default=7, ge=1)
    due_batch_size: int = Field(default=500, ge=1)
    # Due learners whose turns run in Rasa at once (threads of the scheduler).
    dispatch_concurrency: int = Field(default=4, ge=1)
    # How long one due-lessons tick (the job runs every minute) goes on taking
    # batches while learners are due: under the minute, so that ticks never overlap.
    dispatch_tick_seconds: float = Field(default=55.0, gt=0, le=59)


class BroadcastsSection(Section):
    # Prices per message as Twilio bills them, in US dollars, for the estimate.
    price_per_sms_segment: float = Field(default=0.05, ge=0)
    price_per_whatsapp_message: float = Field(default=0.005, ge=0)
    price_per_whatsapp_template: float = Field(default=0.015, ge=0)
    # A broadcast to more learners than this needs a second staff member's approval.
    approval_threshold: int = Field(default=500, ge=0)
    # The furthest ahead a broadcast may be scheduled, in days.
    max_schedule_days: int = Field(default=30, ge=1)
    undo_seconds: int = Field(default=120, ge=0)
    # The approved WhatsApp template with one variable, {{1}}, that carries the
    # announcement to learners whose 24-hour window is closed; and per language.
    whatsapp_template_sid: str = ""
    whatsapp_template_sids: LanguageMap = Field(default_factory=dict)
    sms_fallback_for_closed_window: bool = False
    # Broadcast rows are fed into the outbox this many seconds of sending ahead,
    # so that learners' conversations never queue behind a whole broadcast.
    feed_ahead_seconds: float = Field(default=10.0, gt=0)


class WebhookSection(Section):
    # How long a Twilio webhook waits for the database before it keeps the
    # message in the spool instead (Twilio gives up after 15 s, and does not
    # retry an error).
    store_timeout_seconds: float = Field(default=2.0, gt=0, le=10)
    # Where those messages wait (one encrypted file each) until the database
    # takes them; relative to the project root unless absolute. Made if missing.
    spool_directory: str = Field(default="var/spool", min_length=1)


class DashboardSection(Section):
    # Coordinator statistics: the time zone their dates, filters and charts use.
    timezone: TimeZone = "America/Panama"


class InboxSection(Section):
    """The hand-off to staff (bot.inbox): office hours, lessons during a hand-off, notices."""

    # Office hours in the programme's time zone: ISO weekdays (1 = Monday) and clock times.
    office_days: tuple[int, ...] = Field(default=(1, 2, 3, 4, 5), min_length=1, strict=False)
    office_opens: ClockTime = "08:00"
    office_closes: ClockTime = "17:00"
    timezone: TimeZone = "America/Panama"
    # False: scheduled lessons go on while a learner talks with staff; True: they wait.
    pause_lessons: bool = False
    # An email to this address when a conversation opens ("" = no email).
    notify_email: str = ""
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str = ""
    smtp_password: str = Field(default="", repr=False)
    smtp_sender: str = "lessonbot@localhost"
    smtp_starttls: bool = False

    @field_validator("office_days")
    @classmethod
    def _weekdays(cls, days: tuple[int, ...]) -> tuple[int, ...]:
        wrong = [day for day in days if not 1 <= day <= 7]
        if wrong:
            raise ValueError(f"weekdays are 1 (Monday) to 7 (Sunday), not {wrong}")
        return tuple(sorted(set(days)))

    @model_validator(mode="after")
    def _mail_server_for_notices(self) -> Self:
        # Otherwise the email job would fail every minute, retrying what can never go.
        if self.notify_email and "@" not in self.notify_email:
            raise ValueError(f"notify_email is not an email address: {self.notify_email!r}")
        if self.notify_email and not self.smtp_host:
            raise ValueError("notify_email is set: smtp_host (the mail server) is needed too")
        return self


class OpsSection(Section):
    """What the operator watches: logs, metrics, readiness (bot.ops, bot.metrics)."""

    # "text" for people, "json" for a log collector (one object per line).
    log_format: Literal["text", "json"] = "text"
    # true: DEBUG logs, and APScheduler's line for every job run.
    log_debug: bool = False
    # /metrics answers a request with "Authorization: Bearer <metrics_token>"
    # (environment only); with metrics_public it answers anyone (a proxy must
    # then keep it from the internet). Neither: 404.
    metrics_public: bool = False
    metrics_token: str = Field(default="", repr=False)
    # /readyz fails when the newest worker or scheduler heartbeat is older than
    # this (they beat every 10 s), or when a learner's message has waited longer
    # than ready_max_wait_seconds.
    heartbeat_stale_seconds: float = Field(default=60.0, gt=0)
    ready_max_wait_seconds: float = Field(default=120.0, gt=0)
    # How long /readyz and /metrics wait for Rasa's /status.
    rasa_probe_timeout_seconds: float = Field(default=2.0, gt=0)


class SecretsSection(Section):
    """Keys that unlock personal data; only ever from the environment."""

    phone_hash_key: str = Field(default="", repr=False)
    phone_encryption_key: Annotated[str, AfterValidator(_fernet_key)] = Field(
        default="", repr=False
    )
    # Signs the staff pages' session cookies.
    secret_key: str = Field(default="", repr=False)


class Settings(BaseSettings):
    """Everything configurable, read once into one frozen object."""

    model_config = SettingsConfigDict(frozen=True, strict=True, extra="forbid")

    app: AppSection = AppSection()
    languages: LanguagesSection = LanguagesSection()
    rasa: RasaSection = RasaSection()
    worker: WorkerSection = WorkerSection()
    sender: SenderSection = SenderSection()
    twilio: TwilioSection = TwilioSection()
    lessons: LessonsSection = LessonsSection()
    schedule: ScheduleSection = ScheduleSection()
    broadcasts: BroadcastsSection = BroadcastsSection()
    webhook: WebhookSection = WebhookSection()
    dashboard: DashboardSection = DashboardSection()
    inbox: InboxSection = InboxSection()
    ops: OpsSection = OpsSection()
    secrets: SecretsSection = SecretsSection()
    testing: bool = False

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only the arguments: load_settings() chooses the file and the environment.
        return (init_settings,)

    @model_validator(mode="after")
    def _languages_agree(self) -> Self:
        supported = self.languages.supported
        if self.languages.default not in supported:
            _refuse(
                "languages.default", f"{self.languages.default!r} is not in languages.supported"
            )
        maps = {
            "twilio.whatsapp_window_template_sids": self.twilio.whatsapp_window_template_sids,
            "broadcasts.whatsapp_template_sids": self.broadcasts.whatsapp_template_sids,
        }
        for path, values in maps.items():
            for language, value in values.items():
                if language not in supported:
                    _refuse(
                        path,
                        f"{language!r} is not one of the supported languages"
                        f" ({', '.join(supported)})",
                    )
                if not value.strip():
                    _refuse(path, f"no value for {language!r}")
        for language in self.sender.sms_accent_free_languages:
            if language not in supported:
                _refuse(
                    "sender.sms_accent_free_languages",
                    f"{language!r} is not one of the supported languages ({', '.join(supported)})",
                )
            if language not in ACCENT_FREE_LANGUAGES:
                _refuse(
                    "sender.sms_accent_free_languages",
                    f"{language!r} has no accent-free rendering (only"
                    f" {', '.join(sorted(ACCENT_FREE_LANGUAGES))})",
                )
        return self

    @property
    def channel_name(self) -> str:
        """``twilio`` when credentials are set, else the local stand-in."""
        if self.twilio.account_sid and self.twilio.auth_token:
            return "twilio"
        return "local"

    @property
    def lessons_path(self) -> Path:
        return resolve(self.lessons.directory)

    @property
    def spool_path(self) -> Path:
        return resolve(self.webhook.spool_directory)

    @property
    def reporting_zone(self) -> ZoneInfo:
        return ZoneInfo(self.dashboard.timezone)

    def sms_accent_free(self, language: str) -> bool:
        """Whether an SMS in ``language`` is sent in its accent-free rendering."""
        return language in self.sender.sms_accent_free_languages

    def window_template_sid(self, language: str | None) -> str:
        """The window template's Content SID in this language, else the one for all."""
        twilio = self.twilio
        by_language = twilio.whatsapp_window_template_sids
        return by_language.get(language or "", twilio.whatsapp_window_template_sid)

    def broadcast_template_sid(self, language: str | None) -> str:
        """The broadcast template's Content SID in this language, else the one for all."""
        broadcasts = self.broadcasts
        by_language = broadcasts.whatsapp_template_sids
        return by_language.get(language or "", broadcasts.whatsapp_template_sid)

    def with_overrides(self, changes: Mapping[str, Any]) -> Settings:
        """A copy with some values changed, checked like loaded ones.

        Keys are dotted paths (``{"sender.rate_per_second": 1000}``) or sections
        with nested values (``{"sender": {"rate_per_second": 1000}}``).
        """
        from bot.settings.load import validated

        return validated(deep_merge(self.model_dump(), nest(changes)), source=None)


def _refuse(path: str, message: str) -> None:
    raise PydanticCustomError("setting", "{message}", {"path": path, "message": message})


def resolve(path_text: str) -> Path:
    """A path from the settings, relative to the project root unless absolute."""
    path = Path(path_text)
    return path if path.is_absolute() else PROJECT_ROOT / path


def nest(values: Mapping[str, Any]) -> dict[str, Any]:
    """``{"sender.rate_per_second": 1}`` as ``{"sender": {"rate_per_second": 1}}``."""
    nested: dict[str, Any] = {}
    for key, value in values.items():
        section, dot, name = key.partition(".")
        nested = deep_merge(nested, {section: {name: value}} if dot else {key: value})
    return nested


def deep_merge(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``changes`` laid over it, section by section (a value is replaced whole)."""
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = {**merged[key], **value}
        else:
            merged[key] = value
    return merged
