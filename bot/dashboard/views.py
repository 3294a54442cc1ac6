"""The coordinator pages: four views, their CSV exports, and the learner-progress CSV.

Coordinators and admins only. Pages read; the exports are also written to the
audit log (who took which figures out, with which filters).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, date, timedelta, tzinfo

from flask import Blueprint, Response, abort, render_template, request
from flask import stream_with_context as keep_request
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import text
from sqlalchemy.orm import Session

from bot.clock import FIRST_DAY, LAST_DAY
from bot.dashboard import delivery, funnel, handoffs, overview, queries, quiz
from bot.dashboard.context import ViewContext
from bot.dashboard.exports import cohort_size, progress_csv
from bot.dashboard.filters import FilterChoices, Filters, InvalidFilter
from bot.dashboard.formatting import cell_text, language_name
from bot.dashboard.privacy import MIN_COUNT
from bot.dashboard.tables import Page, sort_key, table_csv
from bot.db import session_scope
from bot.services import services
from bot.staff import now, secure_headers
from bot.staff.accounts import audit
from bot.staff.auth import current_staff, role_required
from bot.staff.models import Role

blueprint = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates")
blueprint.after_request(secure_headers)
blueprint.add_app_template_filter(cell_text, "cell")
blueprint.add_app_template_filter(sort_key, "sort_key")

COORDINATORS = (Role.COORDINATOR, Role.ADMIN)
BUILDERS: dict[str, Callable[[ViewContext], Page]] = {
    "overview": overview.build,
    "funnel": funnel.build,
    "quiz": quiz.build,
    "delivery": delivery.build,
    "conversations": handoffs.build,
}
# Delivery health is about how sending goes now: without dates it shows the last
# 30 days. The other views show everything unless a period is chosen.
DEFAULT_PERIOD_DAYS = {"delivery": 30}


@blueprint.errorhandler(InvalidFilter)
def refuse_filter(error: InvalidFilter) -> tuple[str, int]:
    """A date filter the dashboard cannot show: say which, in the page's language."""
    labels = {"start": _("From"), "end": _("To")}
    message = _(
        "%(field)s: enter a date between %(first)s and %(last)s (YYYY-MM-DD).",
        field=labels.get(error.field, error.field),
        first=FIRST_DAY.isoformat(),
        last=LAST_DAY.isoformat(),
    )
    return render_template("dashboard/refused.html", message=message), 400


def _zone() -> tzinfo:
    settings = services().settings
    return settings.reporting_zone


def _today() -> date:
    """Today in the reporting time zone."""
    return now().replace(tzinfo=UTC).astimezone(_zone()).date()


def _choices(session: Session) -> FilterChoices:
    settings = services().settings
    courses = tuple(course.key for course in services().catalog().courses)
    return FilterChoices(courses, settings.languages.supported, queries.tag_names(session))


def _with_default_period(view: str, filters: Filters) -> Filters:
    days = DEFAULT_PERIOD_DAYS.get(view)
    if days is None or filters.start or filters.end:
        return filters
    today = _today()
    return replace(filters, start=today - timedelta(days=days - 1), end=today)


def _build(view: str) -> tuple[Page, Filters, FilterChoices, ViewContext]:
    """The view's page; its filters as asked (not with a view's default period)."""
    language = str(get_locale() or "es")
    with session_scope(services().sessions) as session:
        if session.get_bind().dialect.name == "postgresql":
            # Grouping a few million rows: let hashes and sorts stay in memory, and
            # skip JIT compilation, which costs more than it saves on these queries.
            session.execute(text("SET LOCAL work_mem = '64MB'"))
            session.execute(text("SET LOCAL jit = off"))
        choices = _choices(session)
        asked = Filters.from_args(request.args, choices, _zone())
        filters = _with_default_period(view, asked)
        ctx = ViewContext.build(session, filters, services().catalog(), now(), language)
        return BUILDERS[view](ctx), asked, choices, ctx


def _render(view: str) -> str:
    page, asked, choices, ctx = _build(view)
    tabs = [
        ("overview", _("Overview")),
        ("funnel", _("Completion funnel")),
        ("quiz", _("Quiz items")),
        ("delivery", _("Delivery health")),
        ("conversations", _("Conversations with staff")),
    ]
    return render_template(
        "dashboard/view.html",
        page=page,
        filters=ctx.filters,
        choices=choices,
        query=asked.query_args(),
        tabs=tabs,
        period=(ctx.start, ctx.end),
        zone=ctx.zone_name,
        course_title=ctx.course_title,
        language_name=language_name,
    )


@blueprint.get("/")
@role_required(*COORDINATORS)
def overview_page() -> str:
    return _render("overview")


@blueprint.get("/funnel")
@role_required(*COORDINATORS)
def funnel_page() -> str:
    return _render("funnel")


@blueprint.get("/quiz")
@role_required(*COORDINATORS)
def quiz_page() -> str:
    return _render("quiz")


@blueprint.get("/delivery")
@role_required(*COORDINATORS)
def delivery_page() -> str:
    return _render("delivery")


@blueprint.get("/conversations")
@role_required(*COORDINATORS)
def conversations_page() -> str:
    return _render("conversations")


def _record_export(what: dict[str, str]) -> None:
    staff = current_staff()
    with session_scope(services().sessions) as session:
        audit(session, staff.id if staff else None, "dashboard.export", what, now())


def _csv_response(lines: Iterator[str], name: str) -> Response:
    filename = f"lessonbot-{name}-{_today().isoformat()}.csv"

    def with_bom() -> Iterator[str]:
        yield "\ufeff"  # so that spreadsheet programs read the accents right
        yield from lines

    response = Response(keep_request(with_bom()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@blueprint.get("/export/<view>/<name>.csv")
@role_required(*COORDINATORS)
def export_table(view: str, name: str) -> Response:
    """A table of a view, exactly as shown (same filters, same "<5")."""
    if view not in BUILDERS:
        abort(404)
    page, filters, *_unused = _build(view)
    table = page.table(name)
    if table is None:
        abort(404)
    _record_export({"view": view, "table": name, **filters.query_args()})
    return _csv_response(table_csv(table), f"{view}-{name}")


@blueprint.get("/export/progress.csv")
@role_required(*COORDINATORS)
def export_progress() -> Response:
    """One row per learner and course, by pseudonymous id: no number, name or text."""
    with session_scope(services().sessions) as session:
        filters = Filters.from_args(request.args, _choices(session), _zone())
        learners = cohort_size(session, filters)
    if learners < MIN_COUNT:
        message = _(
            "These filters select fewer than %(count)s learners: their rows would describe "
            "them one by one, so the per-learner export is refused. Widen the filters.",
            count=MIN_COUNT,
        )
        return Response(message, status=422, mimetype="text/plain")
    _record_export({"view": "progress", **filters.query_args()})
    return _csv_response(progress_csv(services().sessions, filters), "progress")
