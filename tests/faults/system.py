"""One scenario's processes: stand-in, action server, web, worker, scheduler (Rasa is shared)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tests.faults import appside
from tests.faults.processes import Processes, Spec, http_ok
from tests.faults.scale import Scale
from tests.faults.stack import RasaServer, free_port, python_module

# The worker's Rasa timeout: a message claimed by a worker that died is due
# again after 3 x this + 30 s (bot.turns.lease), so it sets how long a
# kill -9 of the worker makes its learners wait.
RASA_TIMEOUT_SECONDS = 6
SENDER_LEASE_SECONDS = 20  # the least the app accepts
APP_PROCESSES = ("actions", "web", "worker", "scheduler")


class System:
    """The processes of one scenario, on a database of its own."""

    def __init__(
        self,
        rasa: RasaServer,
        workdir: Path,
        database_url: str,
        scale: Scale,
        settings: dict[str, str],
        rasa_via_proxy: bool = False,
    ) -> None:
        self.rasa = rasa
        self.workdir = workdir
        self.database_url = database_url
        self.scale = scale
        self.extra_settings = settings
        self.rasa_via_proxy = rasa_via_proxy
        self.web_port = free_port()
        self.standin_port = free_port()
        self.rasa_proxy_port = free_port()
        self.processes = Processes(workdir)

    # --- addresses and settings -------------------------------------------------

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def standin_url(self) -> str:
        return f"http://127.0.0.1:{self.standin_port}"

    @property
    def rasa_proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_proxy_port}"

    def env(self) -> dict[str, str]:
        """The environment every app process of the scenario reads its settings from."""
        return (
            self.rasa.secrets.env()
            | {
                "LESSONBOT_DATABASE_URL": self.database_url,
                # Twilio signs what it calls: here the web process itself.
                "LESSONBOT_PUBLIC_URL": self.web_url,
                "LESSONBOT_APP_WEB_PORT": str(self.web_port),
                "LESSONBOT_RASA_URL": self.rasa_proxy_url if self.rasa_via_proxy else self.rasa.url,
                "LESSONBOT_RASA_ACTIONS_PORT": str(self.rasa.actions_port),
                "LESSONBOT_RASA_TRACKER_STORE_URL": self.rasa.tracker_url,
                "LESSONBOT_RASA_TIMEOUT_SECONDS": str(RASA_TIMEOUT_SECONDS),
                "LESSONBOT_TWILIO_API_BASE_URL": self.standin_url,
                "LESSONBOT_SENDER_RATE_PER_SECOND": str(self.scale.send_rate),
                "LESSONBOT_SENDER_LEASE_SECONDS": str(SENDER_LEASE_SECONDS),
                # No quiet hours (start == end): the run must not depend on the hour.
                "LESSONBOT_SCHEDULE_QUIET_START": "00:00",
                "LESSONBOT_SCHEDULE_QUIET_END": "00:00",
                "LESSONBOT_BROADCASTS_UNDO_SECONDS": "0",
                "LESSONBOT_BROADCASTS_APPROVAL_THRESHOLD": "10000000",
            }
            | self.extra_settings
        )

    # --- processes ----------------------------------------------------------------

    def specs(self) -> dict[str, Spec]:
        env = self.env()
        settings = appside.settings_from(env)
        child_env = appside.environment(settings, env)
        table = appside.commands(settings)
        specs = {
            "standin": Spec(
                python_module(
                    "tests.faults.standin",
                    "--port",
                    str(self.standin_port),
                    "--account",
                    self.rasa.secrets.account_sid,
                ),
                appside.PROJECT_ROOT,
                child_env,
                http_ok(f"{self.standin_url}/_faults/stats"),
            ),
            "rasa-proxy": Spec(
                python_module(
                    "tests.faults.proxy",
                    "--port",
                    str(self.rasa_proxy_port),
                    "--target",
                    self.rasa.url,
                ),
                appside.PROJECT_ROOT,
                child_env,
                http_ok(f"{self.rasa_proxy_url}/_faults/mode"),
            ),
            "actions": Spec(
                *table["actions"],
                child_env,
                http_ok(f"http://127.0.0.1:{self.rasa.actions_port}/health"),
            ),
            "web": Spec(*table["web"], child_env, http_ok(f"{self.web_url}/healthz")),
            "worker": Spec(*table["worker"], child_env, log_marker="worker: channel"),
            "scheduler": Spec(*table["scheduler"], child_env, log_marker="scheduler: ready"),
        }
        if not self.rasa_via_proxy:
            del specs["rasa-proxy"]
        return specs

    def start(self) -> None:
        """Start every process of the scenario at once, then wait until each is ready."""
        specs = self.specs()
        for name, spec in specs.items():
            self.processes.start(name, spec, wait=False)
        for name in specs:
            self.processes.wait_ready(name)
        if not self.rasa.loaded():
            self.rasa.processes.wait_ready("rasa")

    def kill9(self, name: str) -> None:
        owner = self.rasa.processes if name == "rasa" else self.processes
        owner.kill9(name)

    def start_again(self, name: str, wait: bool = True) -> None:
        owner = self.rasa.processes if name == "rasa" else self.processes
        owner.start(name, wait=wait)

    def wait_ready(self, name: str) -> None:
        owner = self.rasa.processes if name == "rasa" else self.processes
        owner.wait_ready(name)

    def stop(self) -> None:
        self.processes.stop_all()
        self.rasa.set_actions_mode(mode="pass")
        if not self.rasa.processes.alive("rasa"):
            # A scenario left Rasa down: the next one needs it.
            self.rasa.processes.start("rasa", wait=False)

    # --- the stand-in and the proxies --------------------------------------------

    def plan_twilio(self, **plan: Any) -> None:
        httpx.post(f"{self.standin_url}/_faults/plan", json=plan, timeout=5).raise_for_status()

    def twilio_records(self) -> list[dict[str, Any]]:
        answer = httpx.get(f"{self.standin_url}/_faults/records", timeout=30)
        answer.raise_for_status()
        return list(answer.json()["records"])

    def twilio_stats(self) -> dict[str, Any]:
        answer = httpx.get(f"{self.standin_url}/_faults/stats", timeout=10)
        answer.raise_for_status()
        return dict(answer.json())

    def set_actions_mode(self, **mode: Any) -> None:
        self.rasa.set_actions_mode(**mode)

    def set_rasa_mode(self, **mode: Any) -> None:
        """How Rasa seems to answer the worker and the scheduler (``rasa_via_proxy`` runs)."""
        url = f"{self.rasa_proxy_url}/_faults/mode"
        httpx.post(url, json=mode, timeout=5).raise_for_status()
