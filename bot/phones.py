"""Phone numbers: parse to E.164, look up by keyed hash, store encrypted.

A number is personal data of a person at risk. It is never logged and never
leaves this module in clear text except to the channel that sends a message.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from cryptography.fernet import Fernet, InvalidToken

_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


class InvalidPhoneNumber(ValueError):
    """The value is not an E.164 number such as +50761234567."""


def parse_e164(value: str) -> str:
    """Return the number in E.164 form, or raise ``InvalidPhoneNumber``."""
    number = value.strip().replace(" ", "")
    if not _E164.match(number):
        raise InvalidPhoneNumber("not an E.164 phone number")
    return number


def phone_hash(number: str, key: str) -> str:
    """Keyed hash used to find a learner by number without storing it in clear."""
    return hmac.new(key.encode(), number.encode(), hashlib.sha256).hexdigest()


def encrypt_phone(number: str, key: str) -> str:
    return Fernet(key.encode()).encrypt(number.encode()).decode()


def decrypt_phone(token: str, key: str) -> str:
    try:
        return Fernet(key.encode()).decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise InvalidPhoneNumber("stored number cannot be decrypted with this key") from error


def redact(number: str) -> str:
    """A form safe for logs: country code and last two digits only."""
    return number[:4] + "…" + number[-2:] if len(number) > 6 else "…"
