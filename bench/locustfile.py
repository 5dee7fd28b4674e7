"""Locust users for bench/load.py: staff signing in and reading the main pages.

Run by bench/load.py (which builds the data, starts gunicorn on 127.0.0.1 and writes the
plan); not meant to be pointed anywhere else: any host but 127.0.0.1 is refused.

Each user signs in through the sign-in page once, then requests pages in the mix below at a
constant rate (LOAD_RATE pages/s over all users). Every page response's time and its
`Server-Timing: app;dur=` (the server's own time) are kept per page after the warm-up and
written to LOAD_OUT as JSON when the run stops.
"""

import json
import os
import random
import re
import time
from collections import defaultdict
from urllib.parse import urlsplit

from locust import FastHttpUser, constant_throughput, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"]).read())  # noqa: SIM115 (read once)
USERS = int(os.environ.get("LOAD_USERS", "20"))
RATE = float(os.environ.get("LOAD_RATE", "60"))
WARMUP = float(os.environ.get("LOAD_WARMUP", "10"))
SERVER_TIMING = re.compile(r"app;dur=([0-9.]+)")

samples: dict[str, list[tuple[float, float, float]]] = defaultdict(list)  # (at, ms, server ms)
failures: dict[str, int] = defaultdict(int)
started = time.monotonic()


@events.test_start.add_listener
def _refuse_other_hosts(environment, **_):
    host = urlsplit(environment.host or "").hostname
    if host != "127.0.0.1":
        raise SystemExit(f"bench/locustfile.py only loads 127.0.0.1, not {host!r}.")


@events.request.add_listener
def _keep(request_type, name, response_time, response, exception, **_):
    if name == "sign in" or time.monotonic() - started < WARMUP:
        return
    if exception is not None:
        failures[name] += 1
        return
    found = SERVER_TIMING.search(response.headers.get("Server-Timing", "")) if response else None
    samples[name].append((time.monotonic(), response_time, float(found[1]) if found else -1))


@events.test_stop.add_listener
def _write(environment, **_):
    with open(os.environ["LOAD_OUT"], "w") as out:
        json.dump(
            {
                "samples": samples,
                "failures": failures,
                # every request of the run, sign-ins and warm-up included (for CPU per page)
                "total_requests": environment.stats.total.num_requests,
            },
            out,
        )


class Staff(FastHttpUser):
    # geventhttpclient, not requests: less of the client's CPU per page, which on a 2-core
    # machine is taken from the server under test.
    wait_time = constant_throughput(RATE / USERS)

    def on_start(self) -> None:
        self.client.get("/login/", name="sign in")
        token = next((c.value for c in self.client.cookiejar if c.name == "csrftoken"), "")
        response = self.client.post(
            "/login/",
            data={
                "username": PLAN["username"],
                "password": PLAN["password"],
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": f"{self.host}/login/"},
            name="sign in",
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise SystemExit(f"Sign-in refused ({response.status_code}); see bench/load.py.")

    def _page(self, name: str, url: str, **headers: str) -> None:
        with self.client.get(url, name=name, headers=headers, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")

    @task(6)
    def grid(self) -> None:
        self._page("grid", PLAN["grid"])

    @task(4)
    def grid_filtered(self) -> None:
        self._page("grid filtered", random.choice(PLAN["filtered"]))

    @task(1)
    def grid_htmx(self) -> None:  # what a filter change sends
        self._page("grid filter (htmx)", random.choice(PLAN["filtered"]), **{"HX-Request": "true"})

    @task(3)
    def search(self) -> None:
        self._page("search", random.choice(PLAN["search"]))

    @task(4)
    def order(self) -> None:
        self._page("order page", random.choice(PLAN["orders"]))

    @task(1)
    def dashboard(self) -> None:
        self._page("dashboard", PLAN["dashboard"])

    @task(1)
    def alerts(self) -> None:
        self._page("alerts", PLAN["alerts"])
