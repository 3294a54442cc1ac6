"""`lessonbot tags`: add from the command line or a file, list, remove."""

from __future__ import annotations

from click.testing import CliRunner

from bot.cli import main


def run(settings, monkeypatch, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("LESSONBOT_DATABASE_URL", settings.app.database_url)
    return CliRunner().invoke(main, ["tags", *args], input=stdin)


def test_add_by_id_and_from_a_file_then_list(settings, monkeypatch, tmp_path):
    added = run(settings, monkeypatch, "add", "cohort-b", "--learner", "Lseed0060",
                "--learner", "Lseed0061")  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "tagged 2 learners (cohort-b); 0 already had it" in added.output

    ids = tmp_path / "ids.txt"
    ids.write_text("Lseed0061\nLseed0062\n+50761234567\nLnobody\n", encoding="utf-8")
    from_file = run(settings, monkeypatch, "add", "cohort-b", "--from-file", str(ids))
    assert from_file.exit_code == 0, from_file.output
    assert "tagged 1 learners (cohort-b); 1 already had it" in from_file.output
    assert "1 ids match no learner: Lnobody" in from_file.output
    assert "1 entries are not learner ids" in from_file.output
    assert "507" not in from_file.output

    listed = run(settings, monkeypatch, "list")
    assert listed.output.splitlines() == ["cohort-b\t3", "site-colon\t40", "site-david\t3"]


def test_ids_from_standard_input_and_remove(settings, monkeypatch):
    result = run(settings, monkeypatch, "remove", "site-david", "--from-file", "-",
                 stdin="Lseed0040\nLseed0041\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "untagged 2 learners (site-david)" in result.output
    assert "site-david\t1" in run(settings, monkeypatch, "list").output


def test_a_bad_tag_or_no_learners_is_a_usage_error(settings, monkeypatch):
    assert run(settings, monkeypatch, "add", "bad tag", "--learner", "Lseed0001").exit_code == 2
    assert run(settings, monkeypatch, "add", "cohort-c").exit_code == 2
