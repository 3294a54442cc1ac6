"""Failed log-ins slow the account and the address down (growing delays, never a lock); audited."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services import services
from bot.staff.models import AuditLog
from tests.dashboard.conftest import PASSWORD, USERS
from tests.dashboard.pages import log_in
from tests.dashboard.seed import NOW


def _at(app, seconds: float) -> None:  # type: ignore[no-untyped-def]
    services(app).clock = lambda: NOW + timedelta(seconds=seconds)


def test_five_wrong_passwords_from_five_addresses_do_not_lock_the_account(app, client):
    # Three failures are free; then each wait doubles: 1 s, 2 s, 4 s ...
    for second, number in ((0, 1), (0, 2), (0, 3), (1, 4), (3, 5)):
        _at(app, second)
        response = log_in(client, USERS["coordinator"], "wrong password!", ip=f"10.0.0.{number}")
        assert response.status_code == 401, number
    # Right away, even the right password from a fresh address waits, and is told how long.
    client.get("/staff/language/en")
    refused = log_in(client, USERS["coordinator"], PASSWORD, ip="10.0.0.6")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "4"
    assert "Try again in 4 seconds." in refused.get_data(as_text=True)
    # Four seconds later the owner gets in: the guesses did not lock them out.
    _at(app, 7)
    assert log_in(client, USERS["coordinator"], PASSWORD, ip="10.0.0.6").status_code == 302


def test_the_delay_grows_and_stops_at_five_minutes(app, client):
    second = 0.0
    for _attempt in range(15):
        _at(app, second)
        assert log_in(client, USERS["admin"], "wrong password!", ip="10.1.1.1").status_code == 401
        refused = log_in(client, USERS["admin"], "wrong password!", ip="10.1.1.1")
        wait = int(refused.headers.get("Retry-After", "0"))
        second += wait
    assert wait == 300  # the cap: 2^8 s would be longer


def test_a_successful_log_in_resets_the_accounts_delay(app, client):
    for _attempt in range(3):
        log_in(client, USERS["coordinator"], "wrong password!", ip="10.0.0.1")
    _at(app, 1)
    assert log_in(client, USERS["coordinator"], PASSWORD, ip="10.0.0.2").status_code == 302
    other = app.test_client()
    # Three free failures again: the count started over.
    for _attempt in range(3):
        assert log_in(other, USERS["coordinator"], "wrong!", ip="10.0.0.2").status_code == 401


def test_failures_from_one_address_slow_that_address_only(app, client):
    for number in range(5):
        _at(app, 2**number)
        response = log_in(client, f"nobody{number}@example.org", "guess", ip="10.9.9.9")
        assert response.status_code == 401
    assert log_in(client, USERS["coordinator"], PASSWORD, ip="10.9.9.9").status_code == 429
    assert log_in(client, USERS["coordinator"], PASSWORD, ip="10.9.9.8").status_code == 302


def test_failed_log_ins_are_audited_without_the_password(app, client, db_session):
    log_in(client, USERS["coordinator"], "wrong password!", ip="10.0.0.1")
    log_in(client, "Nobody@Example.org", "correct horse battery staple", ip="10.0.0.2")
    entries = db_session.scalars(
        select(AuditLog).where(AuditLog.action == "staff.login_failed").order_by(AuditLog.id)
    ).all()
    known, unknown = entries
    assert known.details == {"email": USERS["coordinator"], "ip": "10.0.0.1"}
    assert known.staff_user_id is not None and known.at == NOW
    assert unknown.staff_user_id is None
    assert set(unknown.details) == {"email_sha256", "ip"}
    assert unknown.details["ip"] == "10.0.0.2"
    written = str([entry.details for entry in entries]).lower()
    assert "nobody" not in written and "wrong password" not in written
    assert "horse" not in written
