"""Audit the pinned dependencies (constraints/app.txt, constraints/rasa.txt) with pip-audit.

Run as `.venv/bin/python scripts/dependency_audit.py` (`make audit`, part of
`make test`). The advisory source is PyPI's JSON API
(``/pypi/<name>/<version>/json``, its ``vulnerabilities``). Three outcomes:

- the source answers: each finding is printed; a finding that is not in
  ``constraints/audit-ignore.txt`` fails the build (exit 1), because a known
  hole in a pinned version is fixed by moving the pin, and the ignore list is
  where a vulnerability that cannot be fixed (a Rasa pin) is kept, with its reason;
- the source cannot be reached (no network, or a registry mirror that serves
  packages but not the per-version advisories): one line says so and the build
  goes on (exit 0), since no finding was made;
- pip-audit itself is missing or crashes: exit 2.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONSTRAINTS = (ROOT / "constraints" / "app.txt", ROOT / "constraints" / "rasa.txt")
IGNORE_FILE = ROOT / "constraints" / "audit-ignore.txt"
UNREACHABLE = "pip-audit: advisory source unreachable, vulnerabilities not checked"
# What pip-audit says when the source did not answer for a package.
_NOT_ANSWERED = ("not found on PyPI", "Connection", "connection", "timed out", "Max retries")


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    vuln_id: str
    fix_versions: tuple[str, ...]

    def line(self, source: str) -> str:
        fixed = ", ".join(self.fix_versions) or "no fixed version"
        return f"{source}: {self.package} {self.version} {self.vuln_id} (fixed in: {fixed})"


@dataclass(frozen=True)
class Outcome:
    reachable: bool
    findings: tuple[Finding, ...] = ()
    ignored: tuple[Finding, ...] = ()


def read_ignore_list(path: Path) -> dict[str, str]:
    """``ID  reason`` per line (``#`` starts a comment); every entry must give a reason."""
    entries: dict[str, str] = {}
    if not path.exists():
        return entries
    for number, raw in enumerate(path.read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        vuln_id, _sep, reason = line.partition(" ")
        if not reason.strip():
            raise SystemExit(f"{path.name}:{number}: {vuln_id} has no reason")
        entries[vuln_id] = reason.strip()
    return entries


def summarise(report: dict[str, Any], ignore: dict[str, str]) -> Outcome:
    """Read pip-audit's JSON; unreachable when it could audit no dependency at all."""
    dependencies = report.get("dependencies", [])
    audited = [
        dependency
        for dependency in dependencies
        if not any(word in dependency.get("skip_reason", "") for word in _NOT_ANSWERED)
    ]
    if dependencies and not audited:
        return Outcome(reachable=False)
    findings, ignored = [], []
    for dependency in audited:
        for vuln in dependency.get("vulns", []):
            names = {vuln["id"], *vuln.get("aliases", [])}
            finding = Finding(
                dependency["name"],
                dependency.get("version", "?"),
                vuln["id"],
                tuple(vuln.get("fix_versions", [])),
            )
            (ignored if names & ignore.keys() else findings).append(finding)
    return Outcome(True, tuple(findings), tuple(ignored))


def run_pip_audit(constraints: Path) -> dict[str, Any] | None:
    """pip-audit's JSON report for one fully pinned file; None when the source did not answer."""
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--requirement",
        str(constraints),
        "--no-deps",  # the files pin every package already
        "--disable-pip",
        "--progress-spinner",
        "off",
        "--format",
        "json",
        "--vulnerability-service",
        "pypi",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=600)  # noqa: S603
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        if any(word in done.stderr for word in _NOT_ANSWERED):
            return None
        sys.stderr.write(done.stderr)
        raise SystemExit(2) from None
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=list(CONSTRAINTS))
    arguments = parser.parse_args(argv)
    ignore = read_ignore_list(IGNORE_FILE)
    failed = False
    for constraints in arguments.files:
        report = run_pip_audit(constraints)
        outcome = summarise(report, ignore) if report is not None else Outcome(False)
        if not outcome.reachable:
            print(UNREACHABLE)
            return 0
        source = constraints.name
        for finding in outcome.ignored:
            print(finding.line(source) + f"  [ignored: {ignore.get(finding.vuln_id, 'alias')}]")
        for finding in outcome.findings:
            print(finding.line(source))
        failed = failed or bool(outcome.findings)
        if not outcome.findings:
            print(f"pip-audit: {source}: no known vulnerabilities outside the ignore list")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
