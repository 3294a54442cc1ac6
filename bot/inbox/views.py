"""The inbox pages: open conversations, one conversation with its reply box, the actions.

Staff and admins only (coordinators get 403, visitors go to log-in). Every
form carries the CSRF token; each state change goes through
``bot.inbox.conversations`` (audited there) and opening a conversation is
audited here. Pages name learners by pseudonymous id and WhatsApp profile
name, never by number. The one script (the reply box's counter and saved
replies) is served from here; the page works without it.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_timedelta
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from bot.db import session_scope
from bot.inbox import RESPONDERS, conversations, listing, thread
from bot.inbox.conversations import MAX_REPLY_CHARACTERS, InboxError
from bot.inbox.counter import as_sent, browser_rules
from bot.inbox.models import Conversation
from bot.inbox.saved import saved_replies
from bot.learners.localtime import whatsapp_window_open
from bot.services import services
from bot.staff import now, secure_headers
from bot.staff.accounts import audit
from bot.staff.auth import current_staff, role_required
from bot.staff.csrf import expired_message, refills
from bot.staff.locale import number_locale
from bot.staff.models import StaffUser
from bot.vocab import ChannelName

blueprint = Blueprint(
    "inbox", __name__, url_prefix="/inbox", template_folder="templates", static_folder="static"
)
# The staff pages allow no script at all; these allow their own file.
_CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@blueprint.after_request
def _headers(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = _CONTENT_SECURITY_POLICY
    return secure_headers(response)


def _staff_id() -> int:
    staff = current_staff()
    assert staff is not None  # role_required let the request in
    return staff.id


def _zone() -> ZoneInfo:
    return ZoneInfo(services().settings.inbox.timezone)


def when(moment: datetime | None) -> str:
    """A stored (naive UTC) time in the programme's time zone, as the page's locale writes it."""
    if moment is None:
        return ""
    aware = moment.replace(tzinfo=UTC)
    return format_datetime(aware, "short", tzinfo=_zone(), locale=number_locale())


def waited(moment: datetime | None) -> str:
    """How long ago ``moment`` was, in words ("3 hours")."""
    if moment is None:
        return ""
    return format_timedelta(now() - moment, locale=number_locale())


blueprint.add_app_template_filter(when, "inbox_when")
blueprint.add_app_template_filter(waited, "inbox_waited")


@blueprint.get("/")
@role_required(*RESPONDERS)
def list_page() -> str:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    mine = request.args.get("mine") == "1"
    size = listing.PAGE_SIZE
    with session_scope(services().sessions) as session:
        rows = listing.open_conversations(
            session,
            now(),
            limit=size + 1,
            offset=(page - 1) * size,
            assigned_to_id=_staff_id() if mine else None,
        )
    return render_template(
        "inbox/list.html",
        rows=rows[:size],
        page=page,
        more=len(rows) > size,
        mine=mine,
        me=_staff_id(),
        messages=get_flashed_messages(),
    )


def _load(session: Session, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        abort(404)
    return conversation


def _render_show(
    conversation_id: int,
    *,
    text: str = "",
    token: str | None = None,
    error: tuple[str, str] | None = None,
    status: int = 200,
) -> tuple[str, int]:
    settings = services().settings
    moment = now()
    with session_scope(services().sessions) as session:
        conversation = _load(session, conversation_id)
        learner = conversation.learner
        language = learner.language or settings.languages.default
        accent_free = settings.sms_accent_free(language)
        window_closed = learner.channel == ChannelName.WHATSAPP and not whatsapp_window_open(
            learner.last_inbound_at, moment
        )
        assignee = (
            session.get(StaffUser, conversation.assigned_to_id)
            if conversation.assigned_to_id
            else None
        )
        lines = thread.recent_messages(
            session, learner.id, moment, settings.app.message_retention_days
        )
        audit(
            session,
            _staff_id(),
            "inbox.view",
            {"conversation": conversation.id, "learner": learner.public_id},
            moment,
        )
        sent_as, info = as_sent(text, learner.channel, language, accent_free)
        page = render_template(
            "inbox/show.html",
            conversation=conversation,
            learner=learner,
            language=language,
            lines=lines,
            assignee=assignee.email if assignee else None,
            me=_staff_id(),
            window_closed=window_closed,
            template_configured=bool(settings.window_template_sid(language)),
            text=text,
            token=token or secrets.token_urlsafe(16),
            error=error,
            rules=json.dumps(
                browser_rules(learner.channel, language, accent_free), ensure_ascii=False
            ),
            saved=saved_replies(language),
            accent_free=accent_free and learner.channel == ChannelName.SMS,
            info=info if text.strip() else None,
            sent_as=sent_as,
            max_characters=MAX_REPLY_CHARACTERS,
            zone=settings.inbox.timezone,
            messages=get_flashed_messages(),
        )
    return page, status


@blueprint.get("/<int:conversation_id>")
@role_required(*RESPONDERS)
def show_page(conversation_id: int) -> tuple[str, int]:
    saved = request.args.get("saved", type=int)
    text = ""
    if saved is not None:  # a saved reply chosen without the script
        with session_scope(services().sessions) as session:
            learner = _load(session, conversation_id).learner
            language = learner.language or services().settings.languages.default
        choices = saved_replies(language)
        text = choices[saved] if 0 <= saved < len(choices) else ""
    return _render_show(conversation_id, text=text)


def _error_text(error: InboxError, text: str) -> tuple[str, str]:
    """The field at fault and what to tell staff, in the page's language."""
    message, body = str(error), text.strip()
    if message == conversations.CLOSED:
        return _("Conversation"), _("This conversation is closed: it cannot be answered any more.")
    if error.field == "conversation":
        return _("Conversation"), _("This conversation no longer exists.")
    if error.field == "token":
        return _("Form"), _("The form is incomplete: reload the page and try again.")
    if message == conversations.WINDOW_CLOSED:
        return _("Reply"), _(
            "The learner's WhatsApp window is closed: free text cannot be sent."
            " Send the invitation template instead."
        )
    if message == conversations.WINDOW_OPEN:
        return _("Reply"), _(
            "The learner wrote again: the WhatsApp window is open, write your reply."
        )
    if message == conversations.UNREACHABLE:
        return _("Reply"), _("This learner can no longer be reached (opted out or erased).")
    if not body:
        return _("Reply"), _("The reply is empty: write something before sending.")
    return _("Reply"), _(
        "A reply has at most %(max)s characters; this one has %(count)s.",
        max=MAX_REPLY_CHARACTERS,
        count=len(body),
    )


@role_required(*RESPONDERS)
def _reply_again(conversation_id: int) -> tuple[str, int]:
    """The reply box as it was posted, after a failed CSRF check: nothing sent."""
    text = request.form.get("reply", "").replace("\r\n", "\n")
    return _render_show(
        conversation_id,
        text=text,
        token=request.form.get("token") or None,
        error=(_("Form"), expired_message()),
        status=400,
    )


@blueprint.post("/<int:conversation_id>/reply")
@refills(_reply_again)
@role_required(*RESPONDERS)
def send_reply(conversation_id: int) -> Any:
    # Browsers send a textarea's line breaks as CRLF; the counter saw LF.
    text = request.form.get("reply", "").replace("\r\n", "\n")
    token = request.form.get("token", "")
    try:
        with session_scope(services().sessions) as session:
            _load(session, conversation_id)
            written = conversations.reply(session, conversation_id, _staff_id(), text, token, now())
    except InboxError as error:
        return _render_show(
            conversation_id, text=text, token=token, error=_error_text(error, text), status=422
        )
    flash(_("Reply queued for sending.") if written else _("This reply was already sent."))
    return redirect(url_for(".show_page", conversation_id=conversation_id))


@blueprint.post("/<int:conversation_id>/template")
@refills(_reply_again)
@role_required(*RESPONDERS)
def send_template(conversation_id: int) -> Any:
    token = request.form.get("token", "")
    text = request.form.get("reply", "")
    try:
        with session_scope(services().sessions) as session:
            _load(session, conversation_id)
            written = conversations.send_window_template(
                session, conversation_id, _staff_id(), token, now(), services().settings
            )
    except InboxError as error:
        return _render_show(
            conversation_id, text=text, token=token, error=_error_text(error, text), status=422
        )
    flash(
        _("Invitation template queued: you can write once the learner answers.")
        if written
        else _("This template was already sent.")
    )
    return redirect(url_for(".show_page", conversation_id=conversation_id))


def _change(conversation_id: int, action: str) -> Any:
    try:
        with session_scope(services().sessions) as session:
            _load(session, conversation_id)
            if action == "close":
                conversations.close(session, conversation_id, _staff_id(), now())
            else:
                assignee = _staff_id() if action == "assign" else None
                conversations.assign(session, conversation_id, assignee, _staff_id(), now())
    except InboxError as error:
        return _render_show(conversation_id, error=_error_text(error, "-"), status=422)
    if action == "close":
        flash(_("Conversation closed: the bot answers this learner again."))
        return redirect(url_for(".list_page"))
    return redirect(url_for(".show_page", conversation_id=conversation_id))


@blueprint.post("/<int:conversation_id>/assign")
@role_required(*RESPONDERS)
def assign_to_me(conversation_id: int) -> Any:
    return _change(conversation_id, "assign")


@blueprint.post("/<int:conversation_id>/unassign")
@role_required(*RESPONDERS)
def unassign(conversation_id: int) -> Any:
    return _change(conversation_id, "unassign")


@blueprint.post("/<int:conversation_id>/close")
@role_required(*RESPONDERS)
def close(conversation_id: int) -> Any:
    return _change(conversation_id, "close")
