"""Request bodies over ``app.max_request_bytes`` are refused (413) before anything reads them."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from bot.models import InboundMessage
from tests.builders import inbound_form, sign


class WatchedBody(io.RawIOBase):
    """A request body that remembers whether anyone read it."""

    def __init__(self) -> None:
        self.read_from = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        self.read_from = True
        buffer[:1] = b"a"
        return 1


def test_a_forged_200_mb_webhook_is_refused_unread(client, settings, db_session):
    body = WatchedBody()
    # As a server hands it over: the declared length, and a body still to be read.
    environ = {
        "wsgi.input": body,
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(200 * 1024 * 1024),
    }
    signature = sign(settings, "/twilio/inbound", inbound_form())

    response = client.post(
        "/twilio/inbound",
        headers={"X-Twilio-Signature": signature},
        environ_overrides=environ,
    )

    assert response.status_code == 413
    assert not body.read_from
    assert db_session.scalar(select(func.count()).select_from(InboundMessage)) == 0


def test_a_signed_webhook_just_over_the_limit_is_refused(client, settings, db_session):
    form = inbound_form("x" * settings.app.max_request_bytes)
    headers = {"X-Twilio-Signature": sign(settings, "/twilio/inbound", form)}

    response = client.post("/twilio/inbound", data=form, headers=headers)

    assert response.status_code == 413
    assert db_session.scalar(select(func.count()).select_from(InboundMessage)) == 0


def test_the_limit_is_the_setting(tmp_path):  # type: ignore[no-untyped-def]
    from bot import create_app
    from bot.migrate import upgrade
    from tests.conftest import make_test_settings

    settings = make_test_settings(tmp_path, {"app.max_request_bytes": 2048})
    upgrade(settings)
    client = create_app(settings=settings).test_client()
    form = inbound_form("x" * 3000)
    headers = {"X-Twilio-Signature": sign(settings, "/twilio/inbound", form)}

    assert client.post("/twilio/inbound", data=form, headers=headers).status_code == 413
    small = inbound_form("hola")
    headers = {"X-Twilio-Signature": sign(settings, "/twilio/inbound", small)}
    assert client.post("/twilio/inbound", data=small, headers=headers).status_code == 200
