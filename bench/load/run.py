"""Load benchmark: OpenIOP under gunicorn on PostgreSQL with the demo organization, driven by
simulated staff (locust, headless, run as a library: no web UI, nothing fetched).

Goals, printed as met or missed: p95 at most 300 ms at the largest number of users, no failed
request, every gunicorn worker under 200 MiB resident after the run.

What it does:

1. The database (DATABASE_URL, PostgreSQL, its name must contain "bench"; default
   postgres://postgres@127.0.0.1:5432/bench_load) is dropped, created, migrated and filled
   with ``openiop demo-data --patients N --seed 7`` (timed). The demo's logins are printed once
   only, so they are kept in ``.local/bench-load/<database>.logins`` (mode 600). With
   ``--reuse`` a database that already holds a demo of the same size (and its logins file) is
   migrated and measured again instead (building 5,000 patients takes many minutes).
2. ``collectstatic`` into ``.local/bench-load/static`` and gunicorn (``--workers 3``, sync
   workers as in the README's production section, 60 s request time-out) on 127.0.0.1,
   DEBUG off, a bench-only SECRET_KEY, OPENIOP_INSECURE_HTTP=1 (plain http) and static files
   served by WhiteNoise.
   Every simulated user comes from 127.0.0.1, so the public search's per-address limit is
   raised (LOCATOR_SEARCH_LIMIT_PER_MINUTE) for the run. Its log: ``.local/bench-load/gunicorn.log``.
3. The director and the three named counselors log in through the real pages (password, then
   the TOTP code computed from the printed key; a code is accepted once per 30-second step, so
   each account logs in once and the simulated staff share these sessions). The links each
   page offers (charts and their tabs, session rosters, schedule weeks, locator programs) are
   collected once from those sessions, not timed.
4. For each number of users (``--users 10,25,50``), users are added, then after a short
   warm-up the statistics restart and run ``--seconds`` seconds. Four in five users are staff
   (home; patient list and name search; a chart and its tabs; today's and the week's sessions;
   a session roster; the schedule and its week pages; the care dashboard; the outcomes
   dashboard for director sessions), one in five a member of the public on the locator (search
   by ZIP code, a program's page). Each waits 1 to 4 s between pages (``--think``). A request
   fails on any status but 200, or when it lands on the log-in page.

    make bench-load
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_load \\
        .venv/bin/python bench/load/run.py --reuse --users 10,25,50 --seconds 45

``--source DIR`` serves another copy of OpenIOP (e.g. ``git archive COMMIT | tar -x -C DIR``)
with this environment and database, to compare a commit with the working tree.

The load generator runs on the same machine as the server and the database: the figures are
for that machine as a whole (the load average before each step is printed).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import os
import random
import re
import shutil
import signal
import struct
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STATE = ROOT / ".local" / "bench-load"
SEED = 7
ORG_NAME = "Riverbend Recovery Collaborative"  # openiop.core.demo.ORG_NAME
STAFF_ACCOUNTS = ("director", "counselor.main", "counselor.harbor", "counselor.lake")
GOAL_P95_MS, GOAL_RSS_MIB = 300.0, 200.0
WARM_UP_SECONDS = 5.0
SEARCHES = ("Adams", "Baker", "Alvarez", "mor", "Lee", "ha", "Nguyen", "Wil")
LOCATOR_ZIPS = ("01608", "02903", "60601", "01851")
SECRET_KEY = "bench-load-only-key-0123456789abcdefghijklmnopqrstuvwxyz0123456789"


# --- the database and the demo -------------------------------------------------------------


def _db_url() -> str:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_load")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        sys.exit("DATABASE_URL: this benchmark runs on PostgreSQL")
    if "bench" not in parts.path.rsplit("/", 1)[-1]:
        sys.exit("DATABASE_URL: this benchmark drops and fills the database; use one named *bench*")
    return url


def _db_name(url: str) -> str:
    return urllib.parse.urlsplit(url).path.rsplit("/", 1)[-1]


def _maintenance_url(url: str) -> str:
    return urllib.parse.urlsplit(url)._replace(path="/postgres").geturl()


# The OpenIOP that is served: this checkout, or with --source another one (an exported commit,
# to measure before and after a change against the same database).
SOURCE = ROOT


def _server_env(url: str) -> dict[str, str]:
    env = dict(os.environ)
    if SOURCE != ROOT:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SOURCE), env.get("PYTHONPATH")]))
    env.update(
        DATABASE_URL=url,
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        OPENIOP_INSECURE_HTTP="1",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        STATIC_ROOT=str(STATE / "static"),
        LOCATOR_SEARCH_LIMIT_PER_MINUTE="1000000",
        PYTHONUNBUFFERED="1",
    )
    env.pop("OPENIOP_DEMO", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def _demo_patients(url: str) -> int | None:
    """Patients of the demo organization in the database, None without one (or no tables)."""
    import psycopg

    try:
        with psycopg.connect(url) as conn:
            row = conn.execute(
                "SELECT count(p.id) FROM organization_organization o "
                "LEFT JOIN patients_patient p ON p.organization_id = o.id "
                "WHERE o.name = %s GROUP BY o.id",
                (ORG_NAME,),
            ).fetchone()
    except psycopg.OperationalError:
        return None  # no such database
    except psycopg.errors.UndefinedTable:
        return None
    return int(row[0]) if row else None


def _recreate_database(url: str) -> None:
    import psycopg

    name = _db_name(url)
    with psycopg.connect(_maintenance_url(url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _run(args: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, env=env, cwd=SOURCE, check=True, text=True, **kwargs)


def prepare_database(url: str, *, patients: int, reuse: bool) -> str:
    """Migrated database with the demo; returns how it came to be (built in N s, reused)."""
    env = _server_env(url)
    logins = STATE / f"{_db_name(url)}.logins"
    header = f"# patients {patients} seed {SEED}\n"
    STATE.mkdir(parents=True, exist_ok=True)
    if reuse and logins.exists() and logins.read_text().startswith(header):
        _run([str(BIN / "openiop"), "migrate", "--no-input", "-v", "0"], env)
        if _demo_patients(url):
            return f"reused ({logins.name})"
        print("--reuse: no demo organization in the database: building it", flush=True)
    elif reuse:
        print(f"--reuse: no logins of a {patients}-patient demo kept: building it", flush=True)
    _recreate_database(url)
    started = time.perf_counter()
    _run([str(BIN / "openiop"), "migrate", "--no-input", "-v", "0"], env)
    migrated = time.perf_counter()
    old_umask = os.umask(0o077)
    try:
        out = _run(
            [str(BIN / "openiop"), "demo-data", "--patients", str(patients), "--seed", str(SEED)],
            {**env, "OPENIOP_DEMO": "1"},
            stdout=subprocess.PIPE,
        ).stdout
        logins.write_text(header + out)
    finally:
        os.umask(old_umask)
    built = time.perf_counter()
    return (
        f"built: migrate {migrated - started:.0f} s, demo-data {built - migrated:.0f} s "
        f"({patients} patients)"
    )


@dataclass(frozen=True)
class Login:
    username: str
    password: str
    totp_key: str


def read_logins(url: str) -> dict[str, Login]:
    text = (STATE / f"{_db_name(url)}.logins").read_text()
    rows = re.findall(r"^  (\S+)\s+(\S+)\s+\S+\s+TOTP key ([A-Z2-7]+)", text, re.M)
    return {u: Login(u, p, k) for u, p, k in rows}


def totp(key_b32: str, at: float) -> str:
    """RFC 6238 code (HMAC-SHA1, 30-second steps, 6 digits), as an authenticator app shows."""
    key = base64.b32decode(key_b32 + "=" * (-len(key_b32) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


# --- the server -----------------------------------------------------------------------------


class Server:
    def __init__(self, url: str, *, workers: int, port: int) -> None:
        self.url, self.workers, self.port = url, workers, port
        self.base = f"http://127.0.0.1:{port}"
        self.log = STATE / "gunicorn.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = _server_env(self.url)
        _run([str(BIN / "openiop"), "collectstatic", "--no-input", "-v", "0"], env)
        self.log.write_text("")
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    str(BIN / "gunicorn"),
                    "openiop.config.wsgi",
                    "--workers",
                    str(self.workers),
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--timeout",
                    "60",
                ],
                env=env,
                cwd=SOURCE,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"gunicorn stopped at start (port {self.port} in use?): see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.base}/healthz", timeout=2) as r:
                    if r.status == 200 and len(self.worker_pids()) == self.workers:
                        return
            except OSError:
                pass
            time.sleep(0.5)
        self.stop()
        sys.exit(f"gunicorn did not answer within 300 s: see {self.log}")

    def worker_pids(self) -> list[int]:
        if self.proc is None:
            return []
        master = self.proc.pid
        children = Path(f"/proc/{master}/task/{master}/children")
        try:
            return sorted(int(p) for p in children.read_text().split())
        except OSError:
            return []

    def worker_rss_mib(self) -> list[float]:
        """VmRSS of each worker (from /proc/<pid>/status), MiB."""
        sizes = []
        for pid in self.worker_pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
            except OSError:
                continue
            found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
            if found:
                sizes.append(int(found.group(1)) / 1024)
        return sizes

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


# --- sessions and the links the pages offer ------------------------------------------------


@dataclass
class StaffSession:
    username: str
    cookies: dict[str, str]
    csrf: str
    lists: list[str] = field(default_factory=list)
    charts: list[int] = field(default_factory=list)
    tabs: list[str] = field(default_factory=list)
    rosters: list[int] = field(default_factory=list)
    weeks: list[str] = field(default_factory=list)
    outcomes: bool = False


def _csrf_field(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not found:
        raise RuntimeError("no CSRF token on the page")
    return found.group(1)


def log_in(base: str, login: Login) -> StaffSession:
    import requests

    for _attempt in range(3):
        http = requests.Session()
        page = http.get(f"{base}/accounts/login/", timeout=300)
        sent = http.post(
            f"{base}/accounts/login/",
            data={
                "csrfmiddlewaretoken": _csrf_field(page.text),
                "username": login.username,
                "password": login.password,
            },
            timeout=300,
        )
        if not sent.url.endswith("/accounts/mfa/"):
            raise RuntimeError(f"{login.username}: the password was refused ({sent.url})")
        code = http.post(
            f"{base}/accounts/mfa/",
            data={
                "csrfmiddlewaretoken": _csrf_field(sent.text),
                "token": totp(login.totp_key, time.time()),
            },
            timeout=300,
        )
        landed = urllib.parse.urlsplit(code.url).path
        if code.status_code == 200 and landed == "/":
            return StaffSession(
                login.username,
                {k: v for k, v in http.cookies.get_dict().items() if v is not None},
                _csrf_field_or_cookie(http, code.text),
            )
        if landed != "/accounts/mfa/" or code.status_code != 200:
            raise RuntimeError(f"{login.username}: after the code, {code.status_code} at {landed}")
        # A code is accepted once per 30-second step (an earlier run may have used this one).
        time.sleep(31 - time.time() % 30)
    raise RuntimeError(f"{login.username}: the TOTP code was refused three times")


def _csrf_field_or_cookie(http: Any, html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return found.group(1) if found else str(http.cookies.get("csrftoken", ""))


def discover(base: str, session: StaffSession) -> None:
    """The links a user of this session can follow (not timed)."""
    import requests

    http = requests.Session()
    http.cookies.update(session.cookies)

    def get(path: str) -> str:
        r = http.get(base + path, timeout=300)
        r.raise_for_status()
        return r.text

    home = get("/")
    session.outcomes = 'href="/outcomes/"' in home
    url = "/patients/"
    while url and len(session.lists) < 4:
        session.lists.append(url)
        html = get(url)
        session.csrf = _csrf_field_or_cookie(http, html) or session.csrf
        for pk in re.findall(r'href="/patients/(\d+)/"', html):
            if int(pk) not in session.charts:
                session.charts.append(int(pk))
        nxt = re.search(r'<a[^>]+href="(\?(?:page|cursor)=[^"]+)"[^>]*>\s*Next', html)
        url = "/patients/" + nxt.group(1).replace("&amp;", "&") if nxt else ""
        if url in session.lists:
            break
    if session.charts:
        chart = get(f"/patients/{session.charts[0]}/")
        session.tabs = sorted(
            set(re.findall(rf'href="/patients/{session.charts[0]}/([a-z-]+)/"', chart))
            - {"edit", "contacts/add"}
        )
    for path in ("/delivery/today/", "/delivery/week/"):
        for pk in re.findall(r'href="/delivery/sessions/(\d+)/"', get(path)):
            if int(pk) not in session.rosters:
                session.rosters.append(int(pk))
    schedule = get("/schedule/")
    for pk in dict.fromkeys(re.findall(r'href="/schedule/weeks/(\d+)/"', schedule)):
        session.weeks.append(f"/schedule/weeks/{pk}/")
    for week in list(session.weeks[:2]):
        for sub in ("counselors/", "patients/"):
            session.weeks.append(week + sub)


def discover_public(base: str) -> list[int]:
    import requests

    programs: list[int] = []
    for zip_code in LOCATOR_ZIPS:
        r = requests.get(
            f"{base}/public/locator/", params={"zip": zip_code, "radius_miles": "25"}, timeout=60
        )
        r.raise_for_status()
        programs += [int(pk) for pk in re.findall(r'href="/public/programs/(\d+)/"', r.text)]
    return list(dict.fromkeys(programs))


# --- the load -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepRow:
    users: int
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float
    rps: float
    rss: list[float]
    load: float


def run_load(
    base: str,
    sessions: list[StaffSession],
    programs: list[int],
    *,
    steps: list[int],
    seconds: float,
    think: tuple[float, float],
    server: Server,
) -> tuple[list[StepRow], list[tuple[str, int, int, float, float, float]], Counter[str]]:
    import gevent
    from locust import HttpUser, between, task
    from locust.env import Environment

    rng = random.Random(SEED)
    staff_pool = list(sessions)
    server_errors: Counter[str] = Counter()

    def check(response: Any, name: str) -> None:
        if response.status_code >= 500:
            server_errors[f"{response.status_code} {response.request.method} {name}"] += 1
        if response.status_code != 200:
            response.failure(f"status {response.status_code}")
        elif "/accounts/login/" in response.url:
            response.failure("sent to the log-in page")
        else:
            response.success()

    class Staff(HttpUser):
        weight = 4
        wait_time = between(*think)

        def on_start(self) -> None:
            self.s = staff_pool[rng.randrange(len(staff_pool))]
            self.client.cookies.update(self.s.cookies)

        def get(self, path: str, name: str, **kwargs: Any) -> None:
            with self.client.get(path, name=name, catch_response=True, **kwargs) as r:
                check(r, name)

        @task(2)
        def home(self) -> None:
            self.get("/", "/")

        @task(2)
        def patient_list(self) -> None:
            self.get(rng.choice(self.s.lists), "/patients/ (list)")

        @task(2)
        def patient_search(self) -> None:
            with self.client.post(
                "/patients/",
                data={"csrfmiddlewaretoken": self.s.csrf, "text": rng.choice(SEARCHES)},
                headers={"HX-Request": "true", "X-CSRFToken": self.s.csrf},
                name="/patients/ (search POST)",
                catch_response=True,
            ) as r:
                check(r, "/patients/ (search POST)")

        @task(3)
        def chart(self) -> None:
            if self.s.charts:
                self.get(f"/patients/{rng.choice(self.s.charts)}/", "/patients/[id]/")

        @task(5)
        def chart_tab(self) -> None:
            if self.s.charts and self.s.tabs:
                tab = rng.choice(self.s.tabs)
                self.get(f"/patients/{rng.choice(self.s.charts)}/{tab}/", f"/patients/[id]/{tab}/")

        @task(2)
        def delivery_today(self) -> None:
            self.get("/delivery/today/", "/delivery/today/")

        @task(1)
        def delivery_week(self) -> None:
            self.get("/delivery/week/", "/delivery/week/")

        @task(2)
        def roster(self) -> None:
            if self.s.rosters:
                pk = rng.choice(self.s.rosters)
                self.get(f"/delivery/sessions/{pk}/", "/delivery/sessions/[id]/")

        @task(1)
        def schedule(self) -> None:
            self.get("/schedule/", "/schedule/")

        @task(2)
        def schedule_week(self) -> None:
            if self.s.weeks:
                path = rng.choice(self.s.weeks)
                self.get(path, re.sub(r"/\d+/", "/[id]/", path))

        @task(1)
        def care(self) -> None:
            self.get("/care/", "/care/")

        @task(1)
        def outcomes(self) -> None:
            if self.s.outcomes:
                self.get("/outcomes/", "/outcomes/")

    class Public(HttpUser):
        weight = 1
        wait_time = between(*think)

        def get(self, path: str, name: str, **kwargs: Any) -> None:
            with self.client.get(path, name=name, catch_response=True, **kwargs) as r:
                check(r, name)

        @task(1)
        def locator(self) -> None:
            self.get("/public/locator/", "/public/locator/")

        @task(3)
        def search(self) -> None:
            params = {
                "zip": rng.choice(LOCATOR_ZIPS),
                "radius_miles": rng.choice(["10", "25", "50"]),
            }
            self.get("/public/locator/", "/public/locator/?zip= (search)", params=params)

        @task(2)
        def program(self) -> None:
            if programs:
                self.get(f"/public/programs/{rng.choice(programs)}/", "/public/programs/[id]/")

    env = Environment(user_classes=[Staff, Public], host=base)
    runner = env.create_local_runner()
    rows: list[StepRow] = []
    pages: list[tuple[str, int, int, float, float, float]] = []
    try:
        for users in steps:
            runner.start(users, spawn_rate=max(users / 5, 1))
            while runner.user_count < users:
                gevent.sleep(0.2)
            gevent.sleep(WARM_UP_SECONDS)
            load = os.getloadavg()[0]
            env.stats.reset_all()
            started = time.perf_counter()
            gevent.sleep(seconds)
            elapsed = time.perf_counter() - started
            total = env.stats.total
            rows.append(
                StepRow(
                    users=users,
                    requests=total.num_requests,
                    failures=total.num_failures,
                    p50=total.get_response_time_percentile(0.5) or 0.0,
                    p95=total.get_response_time_percentile(0.95) or 0.0,
                    p99=total.get_response_time_percentile(0.99) or 0.0,
                    rps=total.num_requests / elapsed,
                    rss=server.worker_rss_mib(),
                    load=load,
                )
            )
            print(
                f"  {users} users: {total.num_requests} requests, p95 {rows[-1].p95:.0f} ms",
                flush=True,
            )
            if users == steps[-1]:
                measured = [e for e in env.stats.entries.values() if e.num_requests]
                for entry in sorted(measured, key=lambda e: -e.num_requests):
                    pages.append(
                        (
                            f"{entry.method} {entry.name}",
                            entry.num_requests,
                            entry.num_failures,
                            entry.get_response_time_percentile(0.5) or 0.0,
                            entry.get_response_time_percentile(0.95) or 0.0,
                            entry.max_response_time or 0.0,
                        )
                    )
    finally:
        runner.quit()
    return rows, pages, server_errors


# --- the report -----------------------------------------------------------------------------


def print_report(
    rows: list[StepRow],
    pages: list[tuple[str, int, int, float, float, float]],
    server_errors: Counter[str],
    *,
    seconds: float,
    workers: int,
) -> bool:
    print()
    print(
        f"{'users':>5} {'requests':>9} {'failures':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
        f"{'req/s':>6} {'load':>5}  worker RSS MiB"
    )
    for r in rows:
        rss = " ".join(f"{m:.0f}" for m in r.rss)
        print(
            f"{r.users:>5} {r.requests:>9} {r.failures:>8} {r.p50:>7.0f} {r.p95:>7.0f} {r.p99:>7.0f} "
            f"{r.rps:>6.1f} {r.load:>5.1f}  {rss}"
        )
    print(
        f"({seconds:.0f} s a step after {WARM_UP_SECONDS:.0f} s of warm-up; {workers} sync "
        "workers; load = the machine's 1-minute load average at the step's start)"
    )
    if pages:
        print(f"\nPages at {rows[-1].users} users:")
        print(f"{'page':<44} {'requests':>8} {'fail':>5} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
        for name, n, fails, p50, p95, top in pages:
            print(f"{name:<44} {n:>8} {fails:>5} {p50:>7.0f} {p95:>7.0f} {top:>7.0f}")
    if server_errors:
        print("\nServer errors (tracebacks in .local/bench-load/gunicorn.log):")
        for what, n in server_errors.most_common():
            print(f"  {n:>5}  {what}")
    last = rows[-1]
    goals = [
        (
            f"p95 <= {GOAL_P95_MS:.0f} ms at {last.users} users",
            last.p95 <= GOAL_P95_MS,
            f"{last.p95:.0f} ms",
        ),
        (
            "0 failures",
            all(r.failures == 0 for r in rows),
            f"{sum(r.failures for r in rows)} failures",
        ),
        (
            f"every worker's RSS < {GOAL_RSS_MIB:.0f} MiB",
            bool(last.rss) and max(last.rss) < GOAL_RSS_MIB,
            f"largest {max(last.rss, default=0):.0f} MiB",
        ),
    ]
    print("\nGoals:")
    for label, met, value in goals:
        print(f"  {'met   ' if met else 'MISSED'}  {label}  ({value})")
    return all(met for _, met, _ in goals)


def main() -> None:
    import locust  # noqa: F401  (gevent patches the standard library first)

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse", action="store_true", help="keep a demo database already built")
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--users", default="10,25,50", help="comma-separated steps")
    parser.add_argument("--seconds", type=float, default=60.0, help="measured seconds a step")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--think", default="1,4", help="seconds between a user's pages: MIN,MAX")
    parser.add_argument(
        "--source", type=Path, default=ROOT, help="serve the OpenIOP in this directory"
    )
    args = parser.parse_args()
    global SOURCE
    SOURCE = args.source.resolve()
    if not (SOURCE / "openiop" / "config" / "wsgi.py").exists():
        sys.exit(f"--source: no OpenIOP in {SOURCE}")
    steps = sorted(int(u) for u in args.users.split(",") if u.strip())
    low, high = (float(x) for x in args.think.split(","))
    if not steps or min(steps) < 1 or args.seconds <= 0 or args.workers < 1:
        sys.exit("--users, --seconds and --workers must be positive")
    if shutil.which("gunicorn", path=str(BIN)) is None:
        sys.exit("gunicorn is not installed in this environment (make install)")

    url = _db_url()
    print(f"Database {_db_name(url)}: preparing the {args.patients}-patient demo ...", flush=True)
    how = prepare_database(url, patients=args.patients, reuse=args.reuse)
    print(f"Database {_db_name(url)}: {how}", flush=True)
    print(f"Serving the OpenIOP in {SOURCE}", flush=True)
    server = Server(url, workers=args.workers, port=args.port)
    try:
        server.start()
        logins = read_logins(url)
        sessions = [log_in(server.base, logins[name]) for name in STAFF_ACCOUNTS if name in logins]
        if not sessions:
            sys.exit("no staff login in the logins file")
        for s in sessions:
            discover(server.base, s)
            print(
                f"  {s.username}: {len(s.charts)} charts, tabs {', '.join(s.tabs)}, "
                f"{len(s.rosters)} rosters, {len(s.weeks)} schedule pages, outcomes {s.outcomes}",
                flush=True,
            )
        programs = discover_public(server.base)
        print(f"  public: {len(programs)} locator programs", flush=True)
        rss = " ".join(f"{m:.0f}" for m in server.worker_rss_mib())
        print(f"  worker RSS before the load (MiB): {rss}", flush=True)
        print(
            f"Load: users {steps}, {args.seconds:.0f} s a step, think {low:g}-{high:g} s",
            flush=True,
        )
        rows, pages, errors = run_load(
            server.base,
            sessions,
            programs,
            steps=steps,
            seconds=args.seconds,
            think=(low, high),
            server=server,
        )
    finally:
        server.stop()
    ok = print_report(rows, pages, errors, seconds=args.seconds, workers=args.workers)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
