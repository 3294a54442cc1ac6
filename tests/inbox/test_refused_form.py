"""A reply refused by the CSRF check keeps its text: the conversation again, nothing sent."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.models import OutboxMessage
from tests.inbox.conftest import logged_in


def test_a_refused_reply_shows_the_conversation_with_the_text_kept(client, inbox, db_session):
    conversation = inbox["Linbox0sms"].conversation
    before = db_session.scalar(select(func.count()).select_from(OutboxMessage))
    logged_in(client, "staff")
    reply = "Su certificado está en la oficina de Colón, de 8 a 4."
    response = client.post(
        f"/inbox/{conversation}/reply",
        data={"reply": reply, "token": "t-1"},
        headers={"Accept-Language": "es"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f"{reply}</textarea>" in page
    assert "El formulario había caducado" in page
    assert 'name="csrf_token" value="' in page and 'value="t-1"' in page
    assert "+50761234567" not in page
    assert db_session.scalar(select(func.count()).select_from(OutboxMessage)) == before
