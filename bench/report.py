"""The machine, the commit, and the tables printed at the end of `make bench`."""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from datetime import UTC
from pathlib import Path
from typing import Any

from bot.clock import utc_now
from bot.local.up import MODEL_PATH
from bot.settings import PROJECT_ROOT

RASA_VERSION_FILE = "lib/python3.10/site-packages/rasa/version.py"


def _git(source: Path, *args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=source, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def _mem_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024**2, 1)
    return 0.0


def machine(source: Path, fingerprint: str) -> dict[str, Any]:
    """What was measured, and on what; ``source`` is the work tree the copy came from."""
    rasa_version = PROJECT_ROOT / ".venv-rasa" / RASA_VERSION_FILE
    changed = [line for line in _git(source, "status", "--porcelain").splitlines() if line]
    model = MODEL_PATH.read_bytes() if MODEL_PATH.exists() else b""
    return {
        "measured_at": utc_now().replace(tzinfo=UTC).isoformat(timespec="seconds"),
        "commit": _git(source, "rev-parse", "HEAD"),
        "commit_subject": _git(source, "log", "-1", "--format=%s"),
        # Other engineers work in the same tree: the run measured HEAD plus
        # these changes, as copied when it started (bench/snapshot.py).
        "uncommitted_paths": len(changed),
        "tree_fingerprint": fingerprint,
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _mem_gib(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "kernel": platform.release(),
        "python_app": platform.python_version(),
        "rasa": rasa_version.read_text().split('"')[1] if rasa_version.exists() else None,
        "model_sha256": hashlib.sha256(model).hexdigest()[:16],
        "load_generator": "asyncio + aiohttp, open loop at a fixed rate (bench/load.py)",
    }


def _row(cells: list[Any]) -> str:
    return "| " + " | ".join(str(cell) for cell in cells) + " |"


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(row) for row in rows)]


def _ms(value: float | None, censored: bool = False) -> str:
    if value is None:
        return "–"
    text = f"{value / 1000:.2f} s" if value >= 1000 else f"{value:.0f} ms"
    return ("≥ " + text) if censored else text


def tables(results: dict[str, Any]) -> str:
    lines: list[str] = []
    meta = results["machine"]
    lines += [
        f"Commit {meta['commit'][:10]} ({meta['uncommitted_paths']} uncommitted paths in the tree),"
        f" {meta['measured_at']}, {meta['cpus']} × {meta['cpu_model']},"
        f" load average at start {meta['load_average_at_start'][0]}"
        f" and at the end {meta.get('load_average_at_end', ['?'])[0]}.",
        "",
    ]
    ack = results.get("webhook_ack")
    if ack:
        lines += ["Webhook acknowledgement (open loop; Twilio gives up after 15 s):", ""]
        systems = [
            ("lessonbot, SQLite, worker draining behind", ack["lessonbot"]),
            ("lessonbot web alone, PostgreSQL", ack.get("lessonbot_web_only_postgres")),
            ("Rasa's Twilio connector", ack["rasa_twilio_connector"]),
        ]
        rows = []
        for label, runs in systems:
            if not isinstance(runs, list):
                continue
            for run in runs:
                rows.append(
                    [
                        label,
                        f"{run['rate_per_s']:.0f}/s × {run['duration_s']:.0f} s",
                        _ms(run["p50_ms"]),
                        _ms(run["p99_ms"], run["p99_censored"]),
                        run["errors"],
                        run["over_15s"],
                    ]
                )
        lines += _table(["system", "load", "p50", "p99", "errors", "over 15 s"], rows)
        ratios = ", ".join(
            f"{r['rate_per_s']:.0f}/s: {'≥ ' if r['p99_ratio_is_lower_bound'] else ''}"
            f"{r['p99_ratio']}×"
            for r in ack["p99_ratios"]
        )
        lines += ["", f"Connector p99 ÷ lessonbot p99 (goal ≥ 10×): {ratios}.", ""]
        lines += _delivered(ack)
    turns = results.get("turn_throughput")
    if turns:
        total = turns["summary"]
        lines += ["Turn throughput, one Rasa server at a time (same model, actions, turns):", ""]
        rows = [
            ["bare Rasa REST channel, 8 in flight, unpatched", total["bare_rasa_turns_per_s"]],
            [
                "bare Rasa, 8 in flight, patched (rasa_runtime)",
                total["bare_rasa_patched_turns_per_s"],
            ],
            [
                "lessonbot (webhook → worker → outbox), fast path",
                total["lessonbot_fast_path_turns_per_s"],
            ],
            ["lessonbot, every message through NLU", total["lessonbot_nlu_only_turns_per_s"]],
            *([extra["label"], extra["turns_per_s"]] for extra in turns.get("extras", [])),
        ]
        bare, patched = total["bare_rasa_turns_per_s"], total["bare_rasa_patched_turns_per_s"]
        lines += _table(
            [
                "variant (lessonbot on the patched Rasa)",
                "turns/s",
                f"ratio to bare unpatched (goal ≥ {total['goal_ratio']})",
                f"ratio to bare patched (goal ≥ {total['goal_ratio_to_patched']})",
            ],
            [
                [label, f"{rate:.1f}", f"{rate / bare:.2f}", f"{rate / patched:.2f}"]
                for label, rate in rows
            ],
        )
        lines += [
            "",
            f"Rasa's CPU per bare turn: {total['rasa_cpu_ms_per_turn_bare_unpatched']} ms "
            f"unpatched, {total['rasa_cpu_ms_per_turn_bare_patched']} ms patched.",
            "",
        ]
    servers = results.get("rasa_servers")
    if isinstance(servers, str):
        lines += [f"lessonbot through one and two Rasa servers: {servers}", ""]
    elif servers:
        lines += [
            "lessonbot through one and two patched Rasa servers (every message via NLU"
            " but in the fast-path row;"
            " tracker store on PostgreSQL, lock store on Redis):",
            "",
        ]
        lines += _table(
            ["system", "turns/s per round", "turns/s over the rounds"],
            [
                [
                    label,
                    ", ".join(f"{row['turns_per_s']:.1f}" for row in servers["rounds"][key]),
                    f"{servers[f'{name}_turns_per_s']:.1f}",
                ]
                for label, key, name in (
                    ("bare Rasa, patched, 8 in flight (one server)", "bare", "bare_patched"),
                    ("lessonbot through one server", "one", "one_server"),
                    ("lessonbot through one server, fast path", "one_fast", "one_server_fast_path"),
                    ("lessonbot through two servers", "two", "two_servers"),
                )
                if key in servers["rounds"]
            ],
        )
        lines += [
            "",
            f"lessonbot through one server ÷ bare patched Rasa on the same stores: "
            f"{servers['ratio_one_to_bare_patched']} (goal ≥ 0.9)."
            f" Two servers ÷ one: {servers['ratio_two_to_one']}. On paper, one server carries "
            f"about {servers['learners_per_server_hour']:,.0f} learners in a one-hour morning "
            f"slot ({servers['turns_per_lesson']} turns each: the lesson and two quiz answers).",
            "",
        ]
        if "one_server_fast_path_turns_per_s" in servers:
            lines += [
                "With the fast path (a bare option or keyword skips NLU, as in production):"
                f" {servers['ratio_one_fast_path_to_bare_patched']}× bare patched Rasa, about "
                f"{servers['learners_per_server_hour_fast_path']:,.0f} learners an hour.",
                "",
            ]
    latencies = results.get("time_to_learner")
    if latencies:
        lines += ["Time to the learner (webhook POST → reply at the Twilio stand-in):", ""]
        lines += _table(
            ["load", "first reply p50", "first reply p95 (goal < 1 s at 80 %)", "last reply p95"],
            [
                [
                    f"{row['rate_per_s']}/s ({row['share_of_capacity']:.0%} of capacity),"
                    f" {row['posts']} messages from {row.get('learners', '?')} learners,"
                    f" sender limit {row['sender_limit_per_s']}/s",
                    _ms(row["first_reply_p50_ms"]),
                    _ms(row["first_reply_p95_ms"]),
                    _ms(row["last_reply_p95_ms"]),
                ]
                for row in latencies
            ],
        )
        lines.append("")
    sends = results.get("sender")
    if sends:
        lines += ["Sender against a fast Twilio stand-in:", ""]
        rows = []
        for row in sends:
            at_sender = row.get("at_sender", {})
            limit = row["limit_per_s"]
            rows.append(
                [
                    f"{limit} (experiment: no fsync)" if row.get("experiment") else limit,
                    row.get("sent"),
                    row.get("sustained_per_s"),
                    row.get("max_in_a_second"),
                    row.get("max_in_any_sliding_second"),
                    at_sender.get("max_in_a_second", "–"),
                    _verdict(row),
                ]
            )
        lines += _table(
            [
                "limit/s",
                "sent",
                "sustained/s",
                "max in a second",
                "max in any sliding second",
                "max in a second at the sender",
                "held (±5 %, never over)",
            ],
            rows,
        )
        lines.append("")
    memory = results.get("memory_peak_mib")
    if memory:
        lines += ["Peak resident memory under the throughput runs (process and its children):", ""]
        lines += _table(
            ["process", "peak RSS"], [[name, f"{mib:.0f} MiB"] for name, mib in memory.items()]
        )
        rasa = results.get("rasa_memory")
        if rasa:
            lines += [
                "",
                f"Rasa's peak RSS patched ÷ unpatched: {rasa['ratio']} "
                f"(goal ≤ {rasa['goal_ratio']}).",
            ]
        lines.append("")
    return "\n".join(lines)


def _verdict(row: dict[str, Any]) -> str:
    if "within_5pct" not in row:
        return "no limit"
    held = "yes" if row["within_5pct"] else "no"
    never = "yes" if row["never_exceeded"] else "no"
    return f"{held}, {never}"


def _delivered(ack: dict[str, Any]) -> list[str]:
    """What the learners got: posts answered within 15 s and 60 s, and lessonbot's drain."""
    systems = [
        ("lessonbot (worker drains its backlog)", ack["lessonbot"]),
        ("Rasa's Twilio connector", ack["rasa_twilio_connector"]),
    ]
    rows = []
    for label, runs in systems:
        for run in runs:
            if "answered_within_15s" not in run:
                continue
            if "drain_s" in run:
                drain = "not drained" if run["drain_s"] is None else f"{run['drain_s']} s"
            else:  # the connector: how long after the load Rasa was idle again
                drain = f"idle after {run.get('settle_seconds', '?')} s"
            rows.append(
                [
                    label,
                    f"{run['rate_per_s']:.0f}/s × {run['duration_s']:.0f} s",
                    run["posts"],
                    f"{run['answered_within_15s']} ({run['share_within_15s']:.0%})",
                    f"{run['answered_within_60s']} ({run['share_within_60s']:.0%})",
                    f"{run['answered_at_all']}",
                    drain,
                ]
            )
    if not rows:
        return []
    header = ["system", "load", "posts", "answered ≤ 15 s", "≤ 60 s", "at all", "after the load"]
    return ["Replies that reached Twilio, per post (first reply):", "", *_table(header, rows), ""]
