"""Every figure on the four views, against the data set built in ``seed`` (read its docstring).

The expected tables are written out by hand from the construction, not
computed by the code under test; each CSV export must repeat its table.
"""

from __future__ import annotations

import re

import pytest

from tests.dashboard.pages import parse_csv, parse_page

EN = {"Accept-Language": "en"}
LESS = "<5"

OVERVIEW = {
    "cards": {
        "Learners": "100",
        "Enrolled": "100",
        "Completed a course": "37",
        "Active in the last 7 days": "20",
        "Active in the last 30 days": "60",
        "Opted out": "6",
    },
    # learners, enrolled, completed, active 7 days, active 30 days, opted out
    "by_language": [
        ["English (en)", "30", "30", LESS, "6", "18", LESS],
        # x: 37 of 37 completed would tell that the "<5" of the others are all 0.
        ["Spanish (es)", "60", "60", "x", "12", "36", LESS],
        # Withheld ("x"): with the total and the other languages shown, the 7
        # learners and 5 active would give away Haitian Creole's 3 and 1.
        ["French (fr)", "x", "x", LESS, LESS, "x", LESS],
        ["Haitian Creole (ht)", LESS, LESS, LESS, LESS, LESS, LESS],
    ],
    "by_channel": [
        ["SMS", "70", "70", "28", "x", "50", LESS],  # x: 20 - SMS = WhatsApp's <5
        ["WhatsApp", "30", "30", "9", LESS, "10", LESS],
    ],
    "by_course": [
        ["Digital safety", "20", "20", LESS, LESS, "12", "6"],
        ["Start your business step by step", "100", "100", "37", "20", "60", "6"],
    ],
    # 76 days (June 1 to August 15): weeks from Monday; June 1, 2025 was a Sunday.
    "over_time": [
        # x: with 100 sign-ups in all, the "<5" weeks could only be 0 (10 and 6 are
        # the smallest shown parts of their columns).
        ["2025-05-26", "x", LESS],
        ["2025-06-02", "70", LESS],
        ["2025-06-09", "20", LESS],
        *[[week, LESS, LESS] for week in ("2025-06-16", "2025-06-23")],
        ["2025-06-30", LESS, "x"],
        *[
            [week, LESS, LESS]
            for week in ("2025-07-07", "2025-07-14", "2025-07-21", "2025-07-28", "2025-08-04")
        ],
        ["2025-08-11", LESS, LESS],
    ],
}

# Lesson k went to 100 - 5k learners; delivered unless i % 10 == 9 (or i % 10 == 6 for
# k = 0); quiz right unless i % 4 == 3 (lesson 1: q1 right for i < 60 and q2 for i < 70).
LESSONS = [
    ["1. Test your idea", "100", "80", "90", "60", "5"],
    ["2. Ask first", "95", "86", "95", "72", "5"],
    ["3. Know your customer", "90", "81", "90", "68", "5"],
    ["4. Costs and price", "85", "77", "85", "64", "5"],
    ["5. Keep the money apart", "80", "72", "80", "60", "5"],
    ["6. Write it down every day", "75", "68", "75", "57", "5"],
    ["7. Buying stock, selling on credit", "70", "63", "70", "53", "5"],
    ["8. Save for emergencies", "65", "59", "65", "49", "5"],
    ["9. Sell on WhatsApp", "60", "54", "60", "45", "5"],
    ["10. Sell on Facebook", "55", "50", "55", "42", "5"],
    ["11. Bring customers back", "50", "45", "50", "38", "5"],
    ["12. Digital payments", "45", "41", "45", "34", "8"],  # 45 got it, 37 completed
]
STAGES = [
    ["Enrolled", "100", "100.0%"],
    *[[row[0], row[2], row[2] + ".0%"] for row in LESSONS],
    ["Completed the course", "37", "37.0%"],
]

# SMS: 618 lesson messages (10 failed with 30003) and 9 pending replies, 2 segments each
# sent; WhatsApp: 252 lesson messages (84 failed with 63016, the rest read), 3 pending.
DELIVERY_CARDS = {"Messages": "882", "Share delivered": "88.0%", "Failed": "94"}
BY_CHANNEL = [
    # x: 627 - 9 - 608 - 10 would give away the <5 sent without a receipt yet.
    ["SMS", "627", "x", LESS, "608", LESS, "10", "1,236"],
    ["WhatsApp", "255", LESS, LESS, "168", "168", "84", "—"],
]
ERRORS = [
    ["WhatsApp", "63016", "WhatsApp: more than 24 hours since the learner's last message", "84"],
    ["SMS", "30003", "Phone unreachable or off", "10"],
]


def page(client, path: str):  # type: ignore[no-untyped-def]
    response = client.get(path, headers=EN)
    assert response.status_code == 200, response.status_code
    return parse_page(response.get_data(as_text=True))


def comparable(table: list[list[str]]) -> list[list[str]]:
    rows = [row for row in table if row != ["No data for these filters."]]
    return [[cell.replace(",", "").replace("—", "") for cell in row] for row in rows]


def body(table: list[list[str]]) -> list[list[str]]:
    return table[1:]  # without the header row


def test_overview_figures(coordinator):
    tables, cards = page(coordinator, "/dashboard/")
    assert cards == OVERVIEW["cards"]
    for name in ("by_language", "by_channel", "by_course", "over_time"):
        assert body(tables[name]) == OVERVIEW[name], name


def test_funnel_figures(coordinator):
    tables, cards = page(coordinator, "/dashboard/funnel?course=entrepreneurship")
    assert cards == {"Enrolled": "100", "Completed the course": "37", "Completion rate": "37.0%"}
    assert body(tables["stages"]) == STAGES
    assert body(tables["lessons"]) == LESSONS


def test_quiz_item_analysis(coordinator):
    tables, cards = page(coordinator, "/dashboard/quiz?course=entrepreneurship")
    rows = {(row[0], row[1].split(":")[0]): row for row in body(tables["questions"])}
    q1 = rows[("Test your idea", "q1")]
    # 60 of 100 right on the first try (second tries by learners 60-69 do not count);
    # the wrong option 3 drew 30 learners, option 1 ten.
    assert q1[2:5] == ["100", "60", "60.0%"]
    assert q1[5].startswith("3. ") and q1[6] == "30"
    # 40 wrong on the first try; 7 of them right on their spaced review (3 on a retake).
    assert q1[7:] == ["40", "7"]
    q2 = rows[("Test your idea", "q2")]
    assert q2[2:] == [q2[2], "70", "77.8%", q2[5], "20", "20", "<5"] and q2[2] == "90"
    assert q2[5].startswith("1. ")
    # Lesson 2: 95 answers, right unless i % 4 == 3 (23 of them).
    assert rows[("Ask first", "q1")][2:5] == ["95", "72", "75.8%"]
    assert cards == {"First answers": "1,730", "Share right": "74.8%"}


SUMMER = "start=2025-06-01&end=2025-08-15"  # every message of the data set


def test_delivery_health(coordinator):
    tables, cards = page(coordinator, f"/dashboard/delivery?{SUMMER}")
    assert {k: v for k, v in cards.items() if k != "SMS segments"} == DELIVERY_CARDS
    assert cards["SMS segments"] == "1,236"
    assert body(tables["by_channel"]) == BY_CHANNEL
    assert body(tables["errors"]) == ERRORS
    weeks = {row[0]: row for row in body(tables["over_time"])}
    # Week of June 2: lessons to learners who signed up June 1-8 (350 messages).
    assert weeks["2025-06-02"][1] == "350"
    # The pending replies: 12 messages, and their 12 waiting withheld, since
    # with both shown the "<5" beside them could only be 0.
    assert weeks["2025-08-11"][1:3] == ["12", "x"]


def test_delivery_health_shows_the_last_30_days_unless_asked(coordinator):
    tables, cards = page(coordinator, "/dashboard/delivery")
    # Only the replies pending since yesterday: 9 by SMS and 3 (<5) by WhatsApp,
    # so the total of 12 would give the 3 away.
    assert cards["Messages"] == "x"
    assert body(tables["over_time"])[0][0] == "2025-07-17"
    assert len(body(tables["over_time"])) == 30


@pytest.mark.parametrize(
    ("view", "tables"),
    [
        ("overview", ("by_language", "by_channel", "by_course", "over_time")),
        ("funnel", ("stages", "lessons")),
        ("quiz", ("questions",)),
        ("delivery", ("by_channel", "over_time", "errors")),
        ("delivery-summer", ("by_channel", "over_time", "errors")),
    ],
)
def test_each_csv_repeats_its_table(coordinator, view, tables):
    query = "?course=entrepreneurship&language=es"
    if view == "delivery-summer":
        view, query = "delivery", f"?language=es&{SUMMER}"
    path = "/dashboard/" if view == "overview" else f"/dashboard/{view}"
    shown, _cards = page(coordinator, path + query)
    for name in tables:
        response = coordinator.get(f"/dashboard/export/{view}/{name}.csv{query}", headers=EN)
        assert response.status_code == 200
        assert response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        # Same cells; the page groups thousands and shows "—" for nothing, the CSV
        # has plain numbers and an empty cell.
        assert comparable(shown[name]) == comparable(parse_csv(response.data)), name


def test_filters_narrow_every_figure(coordinator):
    # Tag "site-colon": learners 0-39, of whom 0-36 completed.
    _tables, cards = page(coordinator, "/dashboard/?tag=site-colon")
    assert cards["Learners"] == "40" and cards["Completed a course"] == "37"
    # Signed up June 1-5: learners 0-49.
    tables, cards = page(coordinator, "/dashboard/?start=2025-06-01&end=2025-06-05")
    assert cards["Learners"] == "50"
    assert body(tables["over_time"]) == [[f"2025-06-0{d}", "10", LESS] for d in range(1, 6)]
    # WhatsApp learners: i % 10 in 7, 8, 9; their lesson 1 failed for i % 10 == 9.
    tables, _cards = page(coordinator, "/dashboard/funnel?course=entrepreneurship&channel=whatsapp")
    assert body(tables["lessons"])[0][:3] == ["1. Test your idea", "30", "20"]
    # English learners (60-89) chose option 3 on lesson 1's q1: none of them was right.
    tables, _cards = page(coordinator, "/dashboard/quiz?course=entrepreneurship&language=en")
    q1 = body(tables["questions"])[0]
    assert q1[2:5] == ["30", LESS, "—"] and q1[6] == "30"
    tables, cards = page(coordinator, f"/dashboard/delivery?channel=sms&{SUMMER}")
    assert cards["Messages"] == "627"
    assert body(tables["errors"]) == [ERRORS[1]]


def test_the_course_filter_selects_enrolled_learners(coordinator):
    _tables, cards = page(coordinator, "/dashboard/?course=digital_safety")
    assert cards["Learners"] == "20"  # learners 80-99
    tables, cards = page(coordinator, "/dashboard/funnel?course=digital_safety")
    assert cards["Enrolled"] == "20"
    assert all(row[1] == LESS for row in body(tables["lessons"]))


def test_unknown_filter_values_are_ignored(coordinator):
    # Dates are not ignored but refused: tests/dashboard/test_bad_dates.py.
    _tables, cards = page(coordinator, "/dashboard/?language=xx&tag=nope")
    assert cards["Learners"] == "100"


def test_the_overview_charts_follow_the_chosen_dates(coordinator):
    """The first day's sign-ups are learners 0-9, all Spanish: the chart shows those 10."""
    html = coordinator.get(
        "/dashboard/?start=2025-06-01&end=2025-06-01", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    section = html[html.index('id="by_language"') : html.index('id="by_channel"')]
    assert "Learners who signed up in the period, by language" in section
    values = re.findall(r'<text class="value"[^>]*>([^<]+)</text>', section)
    assert values == ["10"]
