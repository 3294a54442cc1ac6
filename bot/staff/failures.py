"""Why a message failed, as the staff and coordinator pages say it: the one table of labels.

Keyed by the app's reason (``bot.vocab.FailureReason``), which the channel
derives from the provider's code; the code itself is shown beside the label
where a page has room for it, for staff to look up.
"""

from __future__ import annotations

from flask_babel import gettext as _

from bot.vocab import FailureReason


def failure_label(reason: str | None) -> str:
    """What a failure reason means, in the page's language."""
    if reason is None:
        return _("No error code")
    labels: dict[str, str] = {
        FailureReason.OPTED_OUT: _("The learner replied STOP"),
        FailureReason.WINDOW_CLOSED: _(
            "WhatsApp: more than 24 hours since the learner's last message"
        ),
        FailureReason.INVALID_NUMBER: _("Not a valid phone number"),
        FailureReason.UNREACHABLE: _("Phone unreachable or off"),
        FailureReason.BLOCKED: _("Blocked by the recipient or filtered by the carrier"),
        FailureReason.RATE_LIMITED: _("Too many messages at once, still refused after retries"),
        FailureReason.PROVIDER_ERROR: _("Error at the provider or the carrier"),
        FailureReason.REFUSED: _("See Twilio's error reference"),
        FailureReason.LEARNER_LEFT: _("Opted out or erased before sending"),
        FailureReason.NO_ADDRESS: _("No number or no text to send"),
        FailureReason.CANCELLED: _("Cancelled"),
    }
    return labels.get(reason, reason)
