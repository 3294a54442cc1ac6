"""The learner directory's pages: search, a learner's page, its actions, the CSV.

Staff and admins only (coordinators see statistics, never one learner). A
phone number is searched only from the form, which is posted: typed into a
page's address it would land in the server's access log, so a number in the
query string is refused. Every POST carries the CSRF token
(``bot.staff.csrf``); every change is audited (``bot.directory.actions``,
``bot.tags.service``).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from bot.dashboard.tables import csv_lines
from bot.db import session_scope
from bot.directory import DIRECTORY_ROLES, actions
from bot.directory.profile import find, profile
from bot.directory.search import Filters, Parsed, Row, all_matching, parse, search
from bot.services import services
from bot.staff import now, secure_headers
from bot.staff.auth import current_staff, role_required
from bot.staff.csrf import refills
from bot.staff.locale import number_locale
from bot.tags import tag_rule_text
from bot.tags.service import LearnerIds, TagError, change_tag
from bot.vocab import LearnerStatus

blueprint = Blueprint("learners", __name__, url_prefix="/learners", template_folder="templates")
blueprint.after_request(secure_headers)


def status_label(status: str) -> str:
    labels = {
        LearnerStatus.NEW: _("New (signing up)"),
        LearnerStatus.ACTIVE: _("Active"),
        LearnerStatus.PAUSED: _("Paused"),
        LearnerStatus.OPTED_OUT: _("Opted out"),
        LearnerStatus.ERASED: _("Erased"),
    }
    return labels.get(status, status)  # type: ignore[call-overload]


def format_day(moment: datetime | None) -> str:
    """A stored (naive UTC) time as the day it was in the programme's time zone."""
    if moment is None:
        return ""
    local = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(services().settings.inbox.timezone))
    return format_date(local.date(), "medium", locale=number_locale())


@blueprint.context_processor
def _helpers() -> dict[str, Any]:
    return {"status_label": status_label, "format_day": format_day}


def _error_texts() -> dict[str, str]:
    return {
        "number": _(
            "Not a phone number we can read: type it with its country code, such as "
            "+507 6123 4567, or a Panamanian number such as 6123-4567."
        ),
        "text": _("Type a learner id (such as L3f9a0c2b7d1e4f60) or a phone number."),
        "address": _("Phone numbers are searched only from the form, never from the address."),
        "tag": tag_rule_text(),
        "language": _("Choose a language from the list."),
        "status": _("Choose a status from the list."),
    }


def _languages() -> tuple[str, ...]:
    return tuple(services().settings.languages.supported)


def _language() -> str:
    return str(get_locale() or "es").split("_")[0]


def _list_page(parsed: Parsed, status: int = 200) -> tuple[str, int]:
    texts = _error_texts()
    errors = {name: texts[problem] for name, problem in parsed.errors.items()}
    results = None
    if not errors:
        with session_scope(services().sessions) as session:
            results = search(session, parsed.filters)
    catalog = services().catalog()
    courses = [
        (course.key, course.title.get(_language()) or course.key) for course in catalog.courses
    ]
    return (
        render_template(
            "learners/list.html",
            filters=parsed.filters,
            errors=errors,
            results=results,
            courses=courses,
            languages=_languages(),
            statuses=list(LearnerStatus),
            searched_number=parsed.filters.number_hash is not None,
        ),
        400 if errors else status,
    )


@blueprint.get("/")
@role_required(*DIRECTORY_ROLES)
def list_page() -> BaseResponse | tuple[str, int]:
    form = dict(request.args.items())
    if form.pop("refused", None) == "number":
        return _list_page(Parsed(Filters(), {"q": "address"}))
    parsed = parse(form, services().settings.secrets.phone_hash_key, _languages())
    if parsed.filters.number_hash is not None:
        # A number in the address: not searched, and sent away from the address
        # (the page's own links, the language switch, would repeat it).
        return redirect(url_for("learners.list_page", refused="number"), 303)
    return _list_page(parsed)


@role_required(*DIRECTORY_ROLES)
def _search_again() -> tuple[str, int]:
    """The form after a failed CSRF check: the filters kept, the number not echoed."""
    form = {name: value for name, value in request.form.items() if name != "q"}
    return _list_page(parse(form, services().settings.secrets.phone_hash_key, _languages()))


@blueprint.post("/")
@refills(_search_again)
@role_required(*DIRECTORY_ROLES)
def search_posted() -> tuple[str, int]:
    form = dict(request.form.items())
    return _list_page(parse(form, services().settings.secrets.phone_hash_key, _languages()))


@blueprint.get("/export.csv")
@role_required(*DIRECTORY_ROLES)
def export() -> BaseResponse | tuple[str, int]:
    parsed = parse(
        dict(request.args.items()), services().settings.secrets.phone_hash_key, _languages()
    )
    if parsed.filters.number_hash is not None:
        return redirect(url_for("learners.list_page", refused="number"), 303)
    if parsed.errors:
        return _list_page(parsed)
    with session_scope(services().sessions) as session:
        rows = all_matching(session, parsed.filters)
    response = Response(_csv(rows), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="learners.csv"'
    return response


def _csv(rows: list[Row]) -> Iterator[str]:
    header = [
        "learner",
        "status",
        "language",
        "channel",
        "course",
        "joined",
        "last_message",
        "tags",
    ]
    return csv_lines(
        header,
        (
            [
                row.public_id,
                row.status,
                row.language or "",
                row.channel,
                row.course_key or "",
                row.created_at.date().isoformat(),
                row.last_inbound_at.date().isoformat() if row.last_inbound_at else "",
                " ".join(row.tags),
            ]
            for row in rows
        ),
    )


def _learner_page(public_id: str, status: int = 200, **values: Any) -> tuple[str, int]:
    with session_scope(services().sessions) as session:
        learner = find(session, public_id)
        if learner is None:
            abort(404)
        shown = profile(session, learner, services().catalog(), _language(), now())
        page = render_template("learners/learner.html", profile=shown, **values)
    return page, status


@blueprint.get("/<public_id>")
@role_required(*DIRECTORY_ROLES)
def learner_page(public_id: str) -> tuple[str, int]:
    return _learner_page(public_id, done=request.args.get("done"))


def _refusal_text(refusal: actions.Refusal) -> str:
    return {
        actions.Refusal.NOT_ACTIVE: _("Only an active learner can be paused."),
        actions.Refusal.NOT_PAUSED: _("This learner is not paused."),
        actions.Refusal.ERASED: _("This learner's data has already been erased."),
    }[refusal]


def _actor_id() -> int | None:
    staff = current_staff()
    return staff.id if staff else None


@blueprint.post("/<public_id>/tags")
@role_required(*DIRECTORY_ROLES)
def change_tags(public_id: str) -> BaseResponse | tuple[str, int]:
    tag = request.form.get("tag", "")
    add = request.form.get("action", "add") != "remove"
    try:
        with session_scope(services().sessions) as session:
            learner = find(session, public_id)
            if learner is None:
                abort(404)
            if learner.status == LearnerStatus.ERASED:
                return _learner_page(public_id, 409, error=_refusal_text(actions.Refusal.ERASED))
            change_tag(
                session, tag, LearnerIds((public_id,), 0), add=add, now=now(), actor_id=_actor_id()
            )
    except TagError:
        return _learner_page(public_id, 400, tag_error=_error_texts()["tag"], tag=tag)
    return redirect(url_for("learners.learner_page", public_id=public_id, done="tags"))


@blueprint.post("/<public_id>/pause")
@role_required(*DIRECTORY_ROLES)
def pause(public_id: str) -> BaseResponse | tuple[str, int]:
    with session_scope(services().sessions) as session:
        learner = find(session, public_id)
        if learner is None:
            abort(404)
        refusal = actions.pause(learner, now(), _actor_id())
    if refusal is not None:
        return _learner_page(public_id, 409, error=_refusal_text(refusal))
    return redirect(url_for("learners.learner_page", public_id=public_id, done="paused"))


@blueprint.post("/<public_id>/resume")
@role_required(*DIRECTORY_ROLES)
def resume(public_id: str) -> BaseResponse | tuple[str, int]:
    with session_scope(services().sessions) as session:
        learner = find(session, public_id)
        if learner is None:
            abort(404)
        refusal = actions.resume(learner, now(), services().settings, _actor_id())
    if refusal is not None:
        return _learner_page(public_id, 409, error=_refusal_text(refusal))
    return redirect(url_for("learners.learner_page", public_id=public_id, done="resumed"))


@blueprint.get("/<public_id>/erase")
@role_required(*DIRECTORY_ROLES)
def erase_page(public_id: str) -> tuple[str, int]:
    with session_scope(services().sessions) as session:
        if find(session, public_id) is None:
            abort(404)
    return render_template("learners/erase.html", public_id=public_id), 200


@blueprint.post("/<public_id>/erase")
@role_required(*DIRECTORY_ROLES)
def erase(public_id: str) -> BaseResponse | tuple[str, int]:
    typed = request.form.get("confirm", "").strip()
    if typed != public_id:
        error = _("Type the learner id exactly as shown to confirm the erasure.")
        return render_template("learners/erase.html", public_id=public_id, error=error), 400
    with session_scope(services().sessions) as session:
        learner = find(session, public_id)
        if learner is None:
            abort(404)
        refusal = actions.erase(learner, now(), _actor_id())
    if refusal is not None:
        return _learner_page(public_id, 409, error=_refusal_text(refusal))
    return redirect(url_for("learners.learner_page", public_id=public_id, done="erased"))
