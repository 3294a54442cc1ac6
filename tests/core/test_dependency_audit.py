"""`make audit`: findings fail the build unless listed with a reason; no source, one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts import dependency_audit as audit

NOT_FOUND = "Dependency not found on PyPI and could not be audited: {} ({})"


def _skipped(name: str, version: str) -> dict[str, str]:
    return {"name": name, "skip_reason": NOT_FOUND.format(name, version)}


def test_a_source_that_answers_for_no_package_is_unreachable():
    report = {"dependencies": [_skipped("flask", "3.1.3"), _skipped("jinja2", "3.1.6")]}
    assert audit.summarise(report, {}) == audit.Outcome(reachable=False)


def test_findings_are_reported_and_the_ignore_list_holds_back_only_its_own():
    report = {
        "dependencies": [
            {"name": "flask", "version": "3.1.3", "vulns": []},
            {
                "name": "tensorflow",
                "version": "2.12.0",
                "vulns": [
                    {"id": "PYSEC-1", "aliases": ["CVE-2024-1"], "fix_versions": ["2.12.1"]},
                    {"id": "GHSA-x", "aliases": [], "fix_versions": []},
                ],
            },
        ]
    }
    outcome = audit.summarise(report, {"CVE-2024-1": "Rasa pins it; loopback only"})
    assert outcome.reachable
    assert [finding.vuln_id for finding in outcome.findings] == ["GHSA-x"]
    assert [finding.vuln_id for finding in outcome.ignored] == ["PYSEC-1"]
    assert outcome.ignored[0].line("rasa.txt") == (
        "rasa.txt: tensorflow 2.12.0 PYSEC-1 (fixed in: 2.12.1)"
    )


def test_an_ignore_entry_without_a_reason_is_refused(tmp_path: Path):
    listing = tmp_path / "audit-ignore.txt"
    listing.write_text("# comment\nPYSEC-1 Rasa pins it\nGHSA-2\n")
    with pytest.raises(SystemExit, match="GHSA-2 has no reason"):
        audit.read_ignore_list(listing)
    listing.write_text("PYSEC-1 Rasa pins it  # and it is loopback only\n")
    assert audit.read_ignore_list(listing) == {"PYSEC-1": "Rasa pins it"}


def test_the_shipped_ignore_list_gives_a_reason_for_every_entry():
    audit.read_ignore_list(audit.IGNORE_FILE)  # raises on an entry without a reason


def test_the_build_fails_on_a_finding_and_passes_when_unreachable(monkeypatch, capsys):
    finding = {"dependencies": [{"name": "a", "version": "1", "vulns": [{"id": "GHSA-9"}]}]}
    monkeypatch.setattr(audit, "run_pip_audit", lambda _path: finding)
    assert audit.main(["app.txt"]) == 1
    assert "app.txt: a 1 GHSA-9 (fixed in: no fixed version)" in capsys.readouterr().out
    monkeypatch.setattr(audit, "run_pip_audit", lambda _path: None)
    assert audit.main(["app.txt", "rasa.txt"]) == 0
    assert capsys.readouterr().out == audit.UNREACHABLE + "\n"
