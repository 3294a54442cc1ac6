"""The learner-tags page: paste pseudonymous ids, add or remove a tag; the tags in use.

Staff and admins only. The form carries the CSRF token (checked for every
POST by ``bot.staff.csrf``) and each change is audited (``service.change_tag``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from bot.db import session_scope
from bot.ops.limits import accepts_bytes
from bot.services import services
from bot.staff import now, secure_headers
from bot.staff.auth import current_staff, role_required
from bot.staff.csrf import expired_message, refills
from bot.tags import TAGGERS, tag_rule_text
from bot.tags.service import TagChange, TagError, change_tag, parse_ids, tag_counts

blueprint = Blueprint("tags", __name__, url_prefix="/tags", template_folder="templates")
blueprint.after_request(secure_headers)
# Lines of ids one form may carry (a cohort's list, not the whole database).
MAX_LINES = 5000
# Such a list as a browser posts it: a 17-character id and an encoded line break
# ("%0D%0A") a line, with room to spare; more than app.max_request_bytes.
MAX_FORM_BYTES = MAX_LINES * 40


def _page(status: int = 200, **values: Any) -> tuple[str, int]:
    with session_scope(services().sessions) as session:
        counts = tag_counts(session)
    return render_template("tags/page.html", counts=counts, max_lines=MAX_LINES, **values), status


@blueprint.get("/")
@role_required(*TAGGERS)
def page() -> tuple[str, int]:
    return _page()


@role_required(*TAGGERS)
def _form_again() -> tuple[str, int]:
    """The form as it was posted, after a failed CSRF check: nothing changed."""
    form = request.form
    return _page(
        400,
        error=expired_message(),
        tag=form.get("tag", ""),
        learners=form.get("learners", ""),
        action=form.get("action", "add"),
    )


@blueprint.post("/")
@accepts_bytes(MAX_FORM_BYTES)
@refills(_form_again)
@role_required(*TAGGERS)
def change() -> tuple[str, int]:
    tag = request.form.get("tag", "")
    add = request.form.get("action", "add") != "remove"
    lines = request.form.get("learners", "").splitlines()
    if len(lines) > MAX_LINES:
        error = _("At most %(count)s lines at a time.", count=MAX_LINES)
        return _page(400, error=error, tag=tag)
    learners = parse_ids(lines)
    if not learners.ids and not learners.rejected:
        return _page(400, error=_("Paste at least one learner id."), tag=tag)
    staff = current_staff()
    try:
        with session_scope(services().sessions) as session:
            result: TagChange = change_tag(
                session, tag, learners, add=add, now=now(), actor_id=staff.id if staff else None
            )
    except TagError:
        error = tag_rule_text()
        return _page(400, error=error, tag=tag)
    return _page(result=result, tag=result.tag)
