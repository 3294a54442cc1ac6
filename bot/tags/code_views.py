"""The join-code pages: make a code for a tag, see who joined, print a poster.

Staff and admins (``TAGGERS``). The poster is a page to print at a training
site: the code in large letters, the SMS instruction with the programme's
number, a ``wa.me`` link that opens WhatsApp with the code typed in, and
that link's QR code (``segno``, drawn as inline SVG: no image request, no
third party). A number not set in ``twilio.sms_number`` /
``twilio.whatsapp_number`` leaves its way of joining off the poster, and
the page says which setting to fill.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import segno
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from werkzeug.wrappers import Response

from bot.db import session_scope
from bot.services import services
from bot.staff import now, secure_headers
from bot.staff.auth import current_staff, role_required
from bot.staff.csrf import refills
from bot.tags import TAGGERS, tag_rule_text
from bot.tags.joincodes import CodeError, codes_with_counts, create_code, find, set_active

blueprint = Blueprint("join_codes", __name__, url_prefix="/tags/codes", template_folder="templates")
blueprint.after_request(secure_headers)


def _problem_text(problem: str) -> str:
    texts = {
        "empty": _("Type a code."),
        "shape": _(
            "A code is 3 to 20 letters and digits, with at least one letter and no spaces "
            "(such as COLON24)."
        ),
        "keyword": _("This word already means something to the bot (such as STOP or MENU)."),
        "taken": _("This code is already in use."),
        "tag": tag_rule_text(),
    }
    return texts[problem]


def _page(status: int = 200, **values: Any) -> tuple[str, int]:
    with session_scope(services().sessions) as session:
        codes = codes_with_counts(session)
    values.setdefault("errors", {})
    return render_template("tags/codes.html", codes=codes, **values), status


def _actor_id() -> int | None:
    staff = current_staff()
    return staff.id if staff else None


@blueprint.get("/")
@role_required(*TAGGERS)
def list_page() -> tuple[str, int]:
    return _page(created=request.args.get("created"))


@role_required(*TAGGERS)
def _form_again() -> tuple[str, int]:
    return _page(400, code=request.form.get("code", ""), tag=request.form.get("tag", ""))


@blueprint.post("/")
@refills(_form_again)
@role_required(*TAGGERS)
def create() -> Response | tuple[str, int]:
    code, tag = request.form.get("code", ""), request.form.get("tag", "")
    try:
        with session_scope(services().sessions) as session:
            made = create_code(session, code, tag, now(), _actor_id()).code
    except CodeError as error:
        errors = {error.field: _problem_text(error.problem)}
        return _page(400, errors=errors, code=code, tag=tag)
    return redirect(url_for("join_codes.list_page", created=made), 303)


@blueprint.post("/<code>/<any(activate, deactivate):step>")
@role_required(*TAGGERS)
def switch(code: str, step: str) -> Response:
    with session_scope(services().sessions) as session:
        found = find(session, code)
        if found is None:
            abort(404)
        set_active(session, found, step == "activate", now(), _actor_id())
    return redirect(url_for("join_codes.list_page"), 303)


@blueprint.get("/<code>")
@role_required(*TAGGERS)
def poster(code: str) -> tuple[str, int]:
    with session_scope(services().sessions) as session:
        found = find(session, code)
        if found is None:
            abort(404)
        code_text = found.code
        shown = {"code": found.code, "tag": found.tag, "active": found.active}
    twilio = services().settings.twilio
    link = whatsapp_link(twilio.whatsapp_number, code_text)
    # segno writes the SVG; its only text is the link, made of a validated
    # E.164 number and a code of letters and digits: nothing to escape.
    svg = segno.make(link, error="m").svg_inline(scale=6, title=link) if link else None
    qr = Markup(svg) if svg else None  # noqa: S704
    page = render_template(
        "tags/poster.html", code=shown, sms_number=twilio.sms_number, link=link, qr=qr
    )
    return page, 200


def whatsapp_link(number: str, code: str) -> str | None:
    """https://wa.me/<digits>?text=<code>: WhatsApp opens with the code typed in."""
    if not number:
        return None
    return f"https://wa.me/{number.lstrip('+')}?text={quote(code)}"
