"""Benchmark broadcasts (not a test): queueing 100,000 learners, then the sender's rate.

    .venv/bin/python scripts/bench_broadcast.py [--learners 100000] [--only sqlite|postgres]
                                                [--rate 100] [--seconds 60]

For SQLite (a temporary file) and PostgreSQL (database ``test`` on localhost,
trust auth, in a schema of its own that is dropped at the end):

1. Queueing: 100,000 active learners (plus 5 % opted out or erased, never
   counted) in four languages, 30 % on WhatsApp (half of them with the 24-hour
   window closed: template). A broadcast with {first_name} in four languages
   is started (the recipients' snapshot, one INSERT ... SELECT) and fed into
   the outbox entirely, batch after batch, in a fresh process: its wall time
   and peak memory (the process's peak RSS, ``VmHWM``; and, in a second
   run, Python's own allocations by ``tracemalloc``). Targets: 20 s, 300 MB.
2. Sender: a new broadcast to the same learners goes out as in production: the
   scheduler's job feeds the outbox every 5 s (its own process), and the
   worker's sender loop (this process) sends through ``TwilioChannel`` to a
   fast stand-in of Twilio's API (a third process, keep-alive HTTP on
   loopback), paced at ``--rate``. The sustained rate over ``--seconds``
   (after a 5 s warm-up) should hold 95-100 % of it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, insert, text, update

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.broadcasts import lifecycle, queueing
from bot.broadcasts.compose import Draft
from bot.broadcasts.models import Broadcast, BroadcastStatus
from bot.clock import utc_now
from bot.db import Base, make_engine, make_session_factory, session_scope
from bot.messaging.channels.twilio import TwilioChannel
from bot.messaging.sender import Sender
from bot.models import Learner, OutboxMessage
from bot.phones import encrypt_phone
from bot.settings import Settings, load_settings
from bot.staff import models as _staff_models  # noqa: F401  (the tables)
from bot.vocab import LearnerStatus, OutboxStatus

TARGET_SECONDS, TARGET_MB = 20.0, 300.0
WARM_UP = 5.0
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://root@localhost:5432/test")
TEXTS = {
    "es": "Hola {first_name}: el sábado 12 hay taller de ventas en la sede. ¡Te esperamos!",
    "en": "Hi {first_name}: sales workshop at the centre on Saturday 12. See you there!",
    "fr": "Bonjour {first_name} : atelier de vente samedi 12 au centre. À bientôt !",
    "ht": "Bonjou {first_name}: atelye lavant samdi 12 nan sant la. Nap tann ou!",
}
FALLBACK_NAMES = {"es": "amiga, amigo", "en": "friend", "fr": "l'ami", "ht": "zanmi"}


def engine_for(url: str) -> Engine:
    """The app's engine; ``BENCH_SQLITE_SYNCHRONOUS=normal`` tries SQLite without an
    fsync per commit (WAL keeps the file consistent; a power cut may lose the last
    commits). The app itself runs with SQLite's default, FULL."""
    engine = make_engine(url)
    mode = os.environ.get("BENCH_SQLITE_SYNCHRONOUS", "").upper()
    if engine.dialect.name == "sqlite" and mode in ("NORMAL", "FULL", "OFF"):

        def synchronous(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_connection.execute(f"PRAGMA synchronous={mode}")

        event.listen(engine, "connect", synchronous)
    return engine


def bench_settings(url: str, rate: float, standin: str = "") -> Settings:
    """The app's settings on this database; no quiet hours, so the hour does not matter."""
    return load_settings().with_overrides(
        {
            "app.database_url": url,
            "sender.rate_per_second": rate,
            "schedule.quiet_start": "00:00",
            "schedule.quiet_end": "00:00",
            "broadcasts.whatsapp_template_sid": "HX" + "0" * 32,
            "twilio.account_sid": "AC" + "1" * 32,
            "twilio.auth_token": "bench-token",
            "twilio.messaging_service_sid": "MG" + "2" * 32,
            "twilio.api_base_url": standin or "http://127.0.0.1:9",
        },
    )


# -- the data -------------------------------------------------------------------------


def seed(url: str, learners: int, settings: Settings) -> None:
    engine = engine_for(url)
    Base.metadata.create_all(engine)
    now = utc_now()
    cipher = encrypt_phone("+50761234567", settings.secrets.phone_encryption_key)  # one will do
    languages = ("es", "es", "es", "en", "fr", "ht")
    rows = []
    total = int(learners * 1.05)
    for i in range(total):
        whatsapp = i % 10 < 3
        rows.append(
            {
                "public_id": f"L{i:016x}",
                "phone_hash": f"h{i}",
                "phone_encrypted": cipher,
                "channel": "whatsapp" if whatsapp else "sms",
                "profile_name": f"Nombre{i} Apellido" if whatsapp else None,
                "language": languages[i % len(languages)],
                "status": LearnerStatus.ACTIVE
                if i < learners
                else (LearnerStatus.OPTED_OUT if i % 2 else LearnerStatus.ERASED),
                "timezone": "America/Panama",
                "delivery_days": "1111111",
                "created_at": now,
                "last_inbound_at": now if whatsapp and i % 20 < 3 else None,
            }
        )
    with engine.begin() as connection:
        for start in range(0, len(rows), 10_000):
            connection.execute(insert(Learner), rows[start : start + 10_000])
    analyze(engine)
    engine.dispose()


def analyze(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def new_broadcast(url: str) -> int:
    engine = engine_for(url)
    draft = Draft("es", dict(TEXTS), name_fallbacks=dict(FALLBACK_NAMES), title="bench")
    with session_scope(make_session_factory(engine)) as session:
        broadcast = lifecycle.create(session, draft, None, utc_now())
        broadcast.status, broadcast.send_at = BroadcastStatus.SCHEDULED, utc_now()
        session.flush()
        broadcast_id = broadcast.id
    engine.dispose()
    return broadcast_id


# -- 1. queueing ----------------------------------------------------------------------


def queue_everything(url: str, broadcast_id: int, trace: bool) -> dict[str, float]:
    """In a fresh process: start the broadcast and feed all of it to the outbox."""
    settings = bench_settings(url, rate=100)
    engine = engine_for(url)
    sessions = make_session_factory(engine)
    now = utc_now()
    baseline = peak_rss_mb()
    if trace:
        tracemalloc.start()
    began = time.perf_counter()
    with session_scope(sessions) as session:
        queueing.start(session, broadcast_id, now)
    snapshot = time.perf_counter() - began
    rows = 0
    with session_scope(sessions) as session:
        quiet = queueing.quiet_zones(session, settings, now)
    while True:
        with session_scope(sessions) as session:
            queued, skipped = queueing.feed(session, settings, now, queueing.BATCH, quiet)
        rows += queued
        if queued + skipped == 0:
            break
    elapsed = time.perf_counter() - began
    result = {
        "seconds": elapsed,
        "snapshot_seconds": snapshot,
        "rows": rows,
        "peak_rss_mb": peak_rss_mb(),
        "rss_before_mb": baseline,
    }
    if trace:
        result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    engine.dispose()
    return result


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM): unlike ``ru_maxrss`` it does not
    carry over the parent's peak through fork and exec."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(*args: str) -> dict[str, Any]:
    command = [sys.executable, __file__, *args]  # this script, in a fresh process
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode:
        raise SystemExit(f"child {args[0]} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- 2. the sender --------------------------------------------------------------------


class _FastTwilio(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as Twilio's API
    disable_nagle_algorithm = True  # else each answer waits for a delayed ACK (40 ms)
    served = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _FastTwilio.served += 1
        body = json.dumps(
            {"sid": f"SM{os.getpid():08x}{_FastTwilio.served:024x}", "status": "queued"}
        )
        data = body.encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


def serve_standin() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FastTwilio)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def feed_forever(url: str, rate: float) -> None:
    """The scheduler's broadcast job, every 5 s, until killed."""
    settings = bench_settings(url, rate)
    sessions = make_session_factory(engine_for(url))
    while True:
        queueing.run(sessions, settings, utc_now())
        time.sleep(5)


def measure_sender(url: str, rate: float, seconds: float) -> dict[str, float]:
    engine = engine_for(url)
    with engine.begin() as connection:  # the queueing run's rows become history
        connection.execute(
            update(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.DELIVERED, sent_at=utc_now())
        )
        connection.execute(update(Broadcast).values(status=BroadcastStatus.SENT))
    analyze(engine)  # as autovacuum would, after 200,000 new rows
    new_broadcast(url)
    standin = subprocess.Popen(  # noqa: S603 (this script)
        [sys.executable, __file__, "--standin"], stdout=subprocess.PIPE, text=True
    )
    port = standin.stdout.readline().strip() if standin.stdout else ""
    feeder = subprocess.Popen([sys.executable, __file__, "--feed", url, str(rate)])  # noqa: S603
    settings = bench_settings(url, rate, f"http://127.0.0.1:{port}")
    sessions = make_session_factory(engine)
    channel = TwilioChannel(settings)
    sender = Sender(sessions, channel, settings)  # as the worker's sending loop runs it
    per_second: Counter[int] = Counter()
    load_before = os.getloadavg()[0]
    cpu_began = time.process_time()
    began = time.monotonic()
    try:
        while time.monotonic() - began < seconds + WARM_UP:
            # Each step records the sends of the last 50 ms or so: each lands
            # in (about) the second it happened in.
            done = sender.step(utc_now())
            per_second[int(time.monotonic() - began)] += done.get("sent", 0)
            if not done:
                time.sleep(0.05)
    finally:
        sender.finish(utc_now())
        feeder.terminate()
        standin.terminate()
        feeder.wait()
        standin.wait()
        channel.close()
        engine.dispose()
    cpu = time.process_time() - cpu_began
    window = [per_second[s] for s in range(int(WARM_UP), int(WARM_UP + seconds))]
    return {
        "rate": sum(window) / seconds,
        # The sender's own CPU per message: what an idle core allows, whatever the load.
        "cpu_ms_per_message": 1000 * cpu / max(1, sum(per_second.values())),
        "load_average": max(load_before, os.getloadavg()[0]),
        "slowest_second": min(window),
        "fastest_second": max(window),
    }


# -- the runs -------------------------------------------------------------------------


def bench(name: str, url: str, learners: int, rate: float, seconds: float) -> dict[str, Any]:
    print(f"{name}: seeding {learners:,} learners ...", flush=True)
    seed(url, learners, bench_settings(url, rate))
    timed = run_child("--queue", url, str(new_broadcast(url)))
    traced = run_child("--queue", url, str(new_broadcast(url)), "--trace")
    print(
        f"{name}: queued {timed['rows']:,} rows in {timed['seconds']:.1f} s "
        f"(snapshot {timed['snapshot_seconds']:.2f} s); peak RSS {timed['peak_rss_mb']:.0f} MB "
        f"(at start {timed['rss_before_mb']:.0f} MB); tracemalloc peak "
        f"{traced['tracemalloc_peak_mb']:.1f} MB",
        flush=True,
    )
    sender = measure_sender(url, rate, seconds)
    print(
        f"{name}: sender {sender['rate']:.1f} msg/s at {rate:g}/s "
        f"({100 * sender['rate'] / rate:.1f} %), seconds between "
        f"{sender['slowest_second']} and {sender['fastest_second']}; "
        f"{sender['cpu_ms_per_message']:.1f} ms of CPU per message; "
        f"load average {sender['load_average']:.1f} on {os.cpu_count()} CPUs",
        flush=True,
    )
    return {"queue": timed, "traced": traced, "sender": sender}


def bench_postgres(learners: int, rate: float, seconds: float) -> dict[str, Any]:
    schema = f"bench_broadcast_{os.getpid()}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
        return bench("postgres", url, learners, rate, seconds)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def main() -> None:
    if sys.argv[1:2] == ["--queue"]:
        url, broadcast_id = sys.argv[2], int(sys.argv[3])
        print(json.dumps(queue_everything(url, broadcast_id, "--trace" in sys.argv)))
        return
    if sys.argv[1:2] == ["--standin"]:
        serve_standin()
        return
    if sys.argv[1:2] == ["--feed"]:
        feed_forever(sys.argv[2], float(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--only", choices=("sqlite", "postgres"))
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args()
    results = {}
    if args.only != "postgres":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
            results["sqlite"] = bench("sqlite", url, args.learners, args.rate, args.seconds)
    if args.only != "sqlite":
        results["postgres"] = bench_postgres(args.learners, args.rate, args.seconds)
    print(
        f"\ntargets: queueing under {TARGET_SECONDS:.0f} s and {TARGET_MB:.0f} MB; "
        f"sender 95-100 % of {args.rate:g}/s"
    )
    for name, result in results.items():
        queue, sender = result["queue"], result["sender"]
        ok = queue["seconds"] < TARGET_SECONDS and queue["peak_rss_mb"] < TARGET_MB
        held = 0.95 <= sender["rate"] / args.rate <= 1.0
        print(
            f"{name:9} queueing {queue['seconds']:5.1f} s {queue['peak_rss_mb']:4.0f} MB "
            f"{'ok' if ok else 'MISSED'} | sender {sender['rate']:6.1f}/s "
            f"{'ok' if held else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
