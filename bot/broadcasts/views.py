"""The broadcast pages: list, compose, preview and send, approve, follow, CSV.

Staff and admins only (coordinators get 403). Every form carries the CSRF
token (``bot.staff.csrf``); every step that sends or changes something is in
the audit log (``bot.broadcasts.lifecycle``). The one script (the audience's
live count) is served from here, with the SMS counter's; the page works without it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from babel.numbers import format_decimal
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    get_flashed_messages,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import stream_with_context as keep_request
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.broadcasts import BROADCASTERS, forms, lifecycle, preview, progress
from bot.broadcasts import audience as segment
from bot.broadcasts.compose import MAX_LENGTH, Draft, FieldError
from bot.broadcasts.models import Broadcast, BroadcastStatus
from bot.dashboard.formatting import language_name
from bot.dashboard.queries import tag_names
from bot.db import session_scope
from bot.services import services
from bot.staff import now, secure_headers
from bot.staff.accounts import audit
from bot.staff.auth import current_staff, role_required
from bot.staff.csrf import expired_message, refills
from bot.staff.locale import number_locale
from bot.staff.models import StaffUser
from bot.text import sms_rules
from bot.text.render import ChannelName

blueprint = Blueprint(
    "broadcasts",
    __name__,
    url_prefix="/broadcasts",
    template_folder="templates",
    static_folder="static",
)
for _name, _filter in forms.FILTERS.items():
    blueprint.add_app_template_filter(_filter, _name)
# The staff pages allow no script at all; these allow their own file, and fetch from here.
_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; "
    "img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
REFRESH_SECONDS = 5


@blueprint.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = _CONTENT_SECURITY_POLICY
    return secure_headers(response)


def _staff_id() -> int:
    staff = current_staff()
    assert staff is not None  # role_required let the request in
    return staff.id


def _load(session: Session, broadcast_id: int) -> Broadcast:
    broadcast = session.get(Broadcast, broadcast_id)
    if broadcast is None:
        abort(404)
    return broadcast


def _emails(session: Session) -> dict[int, str]:
    return {
        user_id: email for user_id, email in session.execute(select(StaffUser.id, StaffUser.email))
    }


def _reachable(session: Session, audience: segment.Audience) -> int:
    return preview.reachable(session, audience, services().settings, now())


def _count_label(count: int) -> str:
    return ngettext(
        "%(count)s learner",
        "%(count)s learners",
        count,
        count=format_decimal(count, locale=number_locale()),
    )


@blueprint.get("/")
@role_required(*BROADCASTERS)
def list_page() -> str:
    with session_scope(services().sessions) as session:
        broadcasts = session.scalars(select(Broadcast).order_by(Broadcast.id.desc())).all()
        authors = _emails(session)
        return render_template(
            "broadcasts/list.html",
            broadcasts=broadcasts,
            authors=authors,
            forms=forms,
            messages=get_flashed_messages(),
        )


def _render_compose(
    session: Session,
    draft: Draft,
    broadcast: Broadcast | None,
    errors: list[FieldError] | tuple[FieldError, ...] = (),
    status: int = 200,
    expired: str | None = None,
) -> tuple[str, int]:
    settings = services().settings
    courses = [(course.key, course.title) for course in services().catalog().courses]
    # One table for every language's counter; each box says whether its SMS go accent-free.
    rules = sms_rules.browser_rules(ChannelName.SMS, True, MAX_LENGTH)
    page = render_template(
        "broadcasts/compose.html",
        draft=draft,
        broadcast=broadcast,
        languages=settings.languages.supported,
        accent_free={code: settings.sms_accent_free(code) for code in settings.languages.supported},
        sms_rules=json.dumps(rules, ensure_ascii=False),
        courses=courses,
        tags=tag_names(session),
        count_label=_count_label(_reachable(session, draft.audience)),
        errors=forms.errors_by_field(errors),
        error_list=errors,
        forms=forms,
        expired=expired,
    )
    return page, status


@blueprint.get("/new")
@role_required(*BROADCASTERS)
def new_page() -> tuple[str, int]:
    settings = services().settings
    with session_scope(services().sessions) as session:
        return _render_compose(session, Draft(settings.languages.default, {}), None)


@blueprint.get("/<int:broadcast_id>/edit")
@role_required(*BROADCASTERS)
def edit_page(broadcast_id: int) -> Any:
    with session_scope(services().sessions) as session:
        broadcast = _load(session, broadcast_id)
        if broadcast.status != BroadcastStatus.DRAFT:
            return redirect(url_for(".show_page", broadcast_id=broadcast_id))
        return _render_compose(session, Draft.from_broadcast(broadcast), broadcast)


@role_required(*BROADCASTERS)
def _compose_again(broadcast_id: int | None = None) -> Any:
    """The compose form as it was posted, after a failed CSRF check: nothing saved."""
    draft = Draft.from_form(request.form, services().settings.languages.supported)
    with session_scope(services().sessions) as session:
        broadcast = _load(session, broadcast_id) if broadcast_id else None
        return _render_compose(session, draft, broadcast, status=400, expired=expired_message())


@blueprint.post("/new")
@blueprint.post("/<int:broadcast_id>/edit")
@refills(_compose_again)
@role_required(*BROADCASTERS)
def save(broadcast_id: int | None = None) -> Any:
    """Save the draft; with errors show them on the form, else go to the preview."""
    settings = services().settings
    draft = Draft.from_form(request.form, settings.languages.supported)
    with session_scope(services().sessions) as session:
        broadcast = _load(session, broadcast_id) if broadcast_id else None
        if request.form.get("action") == "count":  # the live count, without script
            return _render_compose(session, draft, broadcast)
        if broadcast is None:
            empty = _empty_form_errors(draft)
            if empty:  # nothing to keep: no draft is created, the form shows why
                return _render_compose(session, draft, None, empty, 422)
            broadcast = lifecycle.create(session, draft, _staff_id(), now())
        else:
            try:
                lifecycle.update_draft(session, broadcast, draft, _staff_id(), now())
            except lifecycle.BroadcastError as error:
                flash(error.message)
                return redirect(url_for(".show_page", broadcast_id=broadcast.id))
        errors = preview.build(session, draft, settings, now()).errors
        if errors:
            return _render_compose(session, draft, broadcast, errors, 422)
        return redirect(url_for(".show_page", broadcast_id=broadcast.id))


def _empty_form_errors(draft: Draft) -> list[FieldError]:
    """A new broadcast with no text in any language is not saved."""
    if draft.texts:
        return []
    message = _("The message is empty: write it in %(language)s, the base language.") % {
        "language": language_name(draft.base_language)
    }
    return [FieldError(f"text_{draft.base_language}", message)]


@blueprint.get("/<int:broadcast_id>/delete")
@role_required(*BROADCASTERS)
def delete_page(broadcast_id: int) -> Any:
    """Ask before deleting a draft (anything else goes back to its page)."""
    with session_scope(services().sessions) as session:
        broadcast = _load(session, broadcast_id)
        if broadcast.status != BroadcastStatus.DRAFT:
            return redirect(url_for(".show_page", broadcast_id=broadcast_id))
        return render_template("broadcasts/delete.html", broadcast=broadcast)


@blueprint.post("/<int:broadcast_id>/delete")
@role_required(*BROADCASTERS)
def delete(broadcast_id: int) -> Any:
    with session_scope(services().sessions) as session:
        broadcast = _load(session, broadcast_id)
        try:
            lifecycle.delete_draft(session, broadcast, _staff_id(), now())
        except lifecycle.BroadcastError as error:
            flash(error.message)
            return redirect(url_for(".show_page", broadcast_id=broadcast_id))
    flash(_("Draft #%(id)s was deleted.", id=broadcast_id))
    return redirect(url_for(".list_page"))


@blueprint.get("/<int:broadcast_id>")
@role_required(*BROADCASTERS)
def show_page(broadcast_id: int) -> Response:
    return _render_show(broadcast_id)


def _render_show(broadcast_id: int, errors: list[FieldError] | None = None) -> Response:
    settings = services().settings
    with session_scope(services().sessions) as session:
        broadcast = _load(session, broadcast_id)
        draft = Draft.from_broadcast(broadcast)
        shown = None
        if broadcast.status in (BroadcastStatus.DRAFT, BroadcastStatus.AWAITING_APPROVAL):
            shown = preview.build(session, draft, settings, now())
        followed = None if broadcast.started_at is None else progress.progress(session, broadcast)
        people = _emails(session)
        page = render_template(
            "broadcasts/show.html",
            broadcast=broadcast,
            draft=draft,
            preview=shown,
            progress=followed,
            people=people,
            me=_staff_id(),
            settings=settings,
            errors=forms.errors_by_field(errors or ()),
            error_list=errors or (),
            messages=get_flashed_messages(),
            forms=forms,
            now=now(),
        )
        response = Response(page, status=422 if errors else 200)
        if broadcast.status in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING):
            response.headers["Refresh"] = str(REFRESH_SECONDS)  # follow it without script
        return response


def _step(broadcast_id: int, action: str) -> Any:
    settings = services().settings
    with session_scope(services().sessions) as session:
        broadcast = _load(session, broadcast_id)
        try:
            if action == "send":
                send_at, errors = forms.parse_send_at(
                    request.form.get("when"), request.form.get("send_at")
                )
                if errors:
                    raise lifecycle.BroadcastError("", tuple(errors))
                lifecycle.request_send(session, broadcast, _staff_id(), send_at, settings, now())
            elif action == "approve":
                lifecycle.approve(session, broadcast, _staff_id(), settings, now())
            elif action == "undo":
                lifecycle.undo(session, broadcast, _staff_id(), now())
            else:
                lifecycle.cancel(session, broadcast, _staff_id(), now())
        except lifecycle.BroadcastError as error:
            if not error.errors:
                flash(error.message)
            failed = list(error.errors)
        else:
            failed = []
    if failed:
        return _render_show(broadcast_id, failed)
    return redirect(url_for(".show_page", broadcast_id=broadcast_id))


@blueprint.post("/<int:broadcast_id>/send")
@role_required(*BROADCASTERS)
def send(broadcast_id: int) -> Any:
    return _step(broadcast_id, "send")


@blueprint.post("/<int:broadcast_id>/approve")
@role_required(*BROADCASTERS)
def approve(broadcast_id: int) -> Any:
    return _step(broadcast_id, "approve")


@blueprint.post("/<int:broadcast_id>/undo")
@role_required(*BROADCASTERS)
def undo(broadcast_id: int) -> Any:
    return _step(broadcast_id, "undo")


@blueprint.post("/<int:broadcast_id>/cancel")
@role_required(*BROADCASTERS)
def cancel(broadcast_id: int) -> Any:
    return _step(broadcast_id, "cancel")


@blueprint.get("/audience/count")
@role_required(*BROADCASTERS)
def audience_count() -> Response:
    """The live count for the audience picker's script."""
    with session_scope(services().sessions) as session:
        count = _reachable(session, segment.Audience.from_form(request.args))
    return jsonify(count=count, label=_count_label(count))


@blueprint.get("/<int:broadcast_id>/recipients.csv")
@role_required(*BROADCASTERS)
def recipients_csv(broadcast_id: int) -> Response:
    """Recipients by pseudonymous id and status: never a number, a name or a text."""
    with session_scope(services().sessions) as session:
        _load(session, broadcast_id)
        audit(session, _staff_id(), "broadcast.export", {"broadcast": broadcast_id}, now())
    rows = progress.recipient_rows(services().sessions, broadcast_id)
    response = Response(keep_request(_csv_lines(rows)), mimetype="text/csv")
    filename = f"lessonbot-broadcast-{broadcast_id}-recipients.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _csv_lines(rows: Iterator[list[str]]) -> Iterator[str]:
    yield "\ufeff"  # so that spreadsheet programs read the accents right
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(row)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
