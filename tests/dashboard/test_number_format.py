"""Numbers on the staff pages are written as Panama writes them, in both page languages."""

from __future__ import annotations

import pytest
from flask import Flask

from bot.dashboard.formatting import cell_text
from bot.staff import locale


@pytest.mark.parametrize("language", ["es", "en"])
def test_thousands_and_shares_as_panama_writes_them(app: Flask, language: str) -> None:
    with app.test_request_context("/dashboard/"):
        assert locale.choose_language(language)
        assert cell_text(1170) == "1,170"
        assert cell_text(0.311) == "31.1%"
        assert cell_text(1234567) == "1,234,567"
