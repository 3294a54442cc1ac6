"""Settings that are more than one value: WhatsApp templates by language."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings


def test_template_sids_by_language_come_from_yaml_or_the_environment(tmp_path, monkeypatch):
    config = tmp_path / "config.yml"
    config.write_text(
        "twilio:\n  whatsapp_window_template_sid: HXall\n"
        "  whatsapp_window_template_sids: {en: HXen, ht: HXht}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("LESSONBOT_BROADCASTS_WHATSAPP_TEMPLATE_SIDS", "fr=HXfr, es=HXes")

    settings = load_settings(config_path=config)

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
def test_bad_template_sids_by_language_are_refused_naming_the_field(monkeypatch, value, complaint):
    monkeypatch.setenv("LESSONBOT_BROADCASTS_WHATSAPP_TEMPLATE_SIDS", value)
    with pytest.raises(SettingsError, match=r"broadcasts\.whatsapp_template_sids") as refused:
        load_settings()
    assert complaint in str(refused.value)
