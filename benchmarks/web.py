"""Benchmark: the web platform under 50 concurrent users, on SQLite and on PostgreSQL.

The demo programme (the small demo district's real checkup, 49 circles, its projects and
schedule) is loaded into a fresh database per backend (a SQLite file; a PostgreSQL database
created for the run and dropped after). ``lifecircle serve`` runs it in a child process on
127.0.0.1, as an office would start it. A bounded client (asyncio + httpx, one connection
and one cookie jar per user) then plays ``--users`` people for ``--seconds``: each signs in
once before the clock starts (staff users by the form, API users by a token), then loops
over a weighted mix of

- 一张图 (``/``, signed in), a circle's internal page (``/circles/C..``),
- a circle's public page and the public index (no account),
- the API: ``/api/v1/circles``, ``/api/v1/circles/C..``, ``/api/v1/projects?circle_id=C..``,

pausing ``--think`` seconds (uniform ±50 %) between requests as a person reading a page does;
``--write-every S`` adds one office worker editing a project every S seconds (each write
changes the programme version, so every cached view is computed again on its next request);
``--think 0`` is a saturation run (every user fires as fast as answers come back). Prints,
per backend, requests per second, p50 / p95 / p99 latency in ms and errors (any status other
than 200, or a failed connection), overall and per page, and the latencies after the first
5 s (when every user's first request arrives at once at a cold server).

    python benchmarks/web.py [--seconds 60] [--users 50] [--think 1.0]
                             [--backends sqlite,postgresql] [--workers 1] [--scale 0.05]
                             [--write-every 0]

Latency is measured by the client on the same 2-core machine (shared with other work):
read it with the load average printed beside it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import httpx

PASSWORD = "bench-password-1"
TODAY = date(2024, 9, 30)
PG_ADMIN_URL = os.environ.get(
    "LIFECIRCLE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# the first seconds: every user's first request at once, on a server whose caches are cold
WARMUP = 5.0
# page → weight in the mix
MIX = {
    "一张图 /": 2,
    "生活圈内部页 /circles/C": 2,
    "生活圈公众页 /public/circles/C": 2,
    "公众首页 /public": 1,
    "API /api/v1/circles": 1,
    "API /api/v1/circles/C": 1,
    "API /api/v1/projects?circle_id=C": 1,
}


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    retries: int = 0
    start: float = 0.0
    warm: list[float] = field(default_factory=list)  # answered after the first WARMUP s
    writes: int = 0

    def add(self, page: str, seconds: float, ok: bool, note: str = "") -> None:
        self.latencies.setdefault(page, []).append(seconds)
        if time.monotonic() - self.start >= WARMUP:
            self.warm.append(seconds)
        if not ok:
            self.errors[page] = self.errors.get(page, 0) + 1
            if len(self.error_samples) < 5:
                self.error_samples.append(f"{page}: {note}")


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return 1000 * s[min(len(s) - 1, round(q / 100 * (len(s) - 1)))]


# --- the programme -------------------------------------------------------------------------


def build_checkup(root: Path, scale: float) -> Path:
    """The demo district's real checkup (as the tests use it), run as of 2024-06-01."""
    from lifecircle.checkup import run_checkup
    from lifecircle.demo import generate_demo
    from lifecircle.district import load_district
    from lifecircle.standards import load_catalogue

    os.environ["SOURCE_DATE_EPOCH"] = str(int(datetime(2024, 6, 1, tzinfo=UTC).timestamp()))
    package = generate_demo(root / "district", scale=scale)
    ck = run_checkup(load_district(package), load_catalogue("changsha-provisional"))
    out = root / "checkup"
    ck.write(out)
    return out


def seed(url: str, checkup_dir: Path) -> list[str]:
    """Migrate, load the demo programme, add the benchmark accounts; returns circle codes."""
    from sqlalchemy import select

    from lifecircle.checkup import CheckupResult
    from lifecircle.store import make_engine, session_scope, upgrade
    from lifecircle.store.models import Circle
    from lifecircle.workflow import accounts
    from lifecircle.workflow.demo import seed_demo_programme
    from lifecircle.workflow.geometry import import_circle_geometry

    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine, actor="benchmark") as s:
        seed_demo_programme(s, CheckupResult.read(checkup_dir), today=TODAY)
        import_circle_geometry(s, checkup_dir / "circles.gpkg")
        accounts.add_user(s, "bench", role="district", password=PASSWORD)
        codes = list(s.scalars(select(Circle.code).order_by(Circle.code)))
    engine.dispose()
    return codes


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A database created for the run and dropped afterwards (only that one)."""
    from sqlalchemy import text

    from lifecircle.store import make_engine

    name = f"lifecircle_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- the server ----------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its live descendants (uvicorn workers)."""
    tick = os.sysconf("SC_CLK_TCK")
    todo, total = [pid], 0.0
    while todo:
        p = todo.pop()
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").glob("*/children"):
                todo.extend(int(c) for c in task.read_text().split())
    return total


@dataclass
class Server:
    base: str
    pid: int


@contextlib.contextmanager
def serve(url: str, data_dir: Path, workers: int) -> Iterator[Server]:
    """``lifecircle serve`` in a child process on a free loopback port."""
    port = _free_port()
    env = dict(
        os.environ,
        LIFECIRCLE_SECRET_KEY="benchmark-secret",
        LIFECIRCLE_DATA_DIR=str(data_dir),
    )
    cmd = [
        sys.executable,
        "-m",
        "lifecircle",
        "serve",
        "--db",
        url,
        "--port",
        str(port),
        "--today",
        TODAY.isoformat(),
        "--workers",
        str(workers),
    ]
    log = (data_dir.parent / f"serve-{port}.log").open("w+", encoding="utf-8")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"lifecircle serve 退出：{log.read()[-2000:]}")

            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/public", timeout=5).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("lifecircle serve 两分钟内未就绪")
            time.sleep(0.3)
        yield Server(base, proc.pid)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.seek(0)
        errors = [line for line in log.read().splitlines() if "Error" in line]
        if errors:
            print(f"服务器日志中有 {len(errors)} 行错误，例如：{errors[0][:300]}")
        log.close()


# --- the users -----------------------------------------------------------------------------


async def _sign_in(client: httpx.AsyncClient) -> None:
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no form token on /login"
    r = await client.post(
        "/login",
        data={"username": "bench", "password": PASSWORD, "csrf_token": token.group(1)},
    )
    if r.status_code != 303:
        raise RuntimeError(f"登录失败：{r.status_code}")


async def _token(base: str) -> str:
    async with httpx.AsyncClient(base_url=base) as c:
        r = await c.post("/api/v1/auth/token", data={"username": "bench", "password": PASSWORD})
        r.raise_for_status()
        return str(r.json()["access_token"])


def _path(page: str, circle: str) -> str:
    path = page.split(" ", 1)[1]
    if path.endswith("=C"):
        return path[:-1] + circle
    if path.endswith("/C"):
        return path[:-1] + circle
    return path


async def _user(
    n: int,
    base: str,
    token: str,
    circles: list[str],
    clock: dict[str, float],
    think: float,
    stats: Stats,
    ready: asyncio.Barrier,
) -> None:
    """One person: signs in (not measured), waits for the others, then browses until
    ``clock["stop"]``."""
    rng = random.Random(n)
    pages = list(MIX)
    weights = [MIX[p] for p in pages]
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        try:
            await _sign_in(client)
        except BaseException:
            await ready.abort()  # the others must not wait for this one
            raise
        await ready.wait()
        while time.monotonic() < clock["stop"]:
            page = rng.choices(pages, weights)[0]
            path = _path(page, rng.choice(circles))
            headers = {"Authorization": f"Bearer {token}"} if page.startswith("API") else {}
            t0 = time.perf_counter()
            try:
                try:
                    r = await client.get(path, headers=headers)
                except httpx.RemoteProtocolError:
                    # the server closed an idle keep-alive connection as we reused it: a
                    # browser sends the request again on a new one, and so do we (counted)
                    stats.retries += 1
                    r = await client.get(path, headers=headers)
                ok, note = r.status_code == 200, f"{path} → {r.status_code}"
            except httpx.HTTPError as exc:
                ok, note = False, f"{path} → {type(exc).__name__}"
            stats.add(page, time.perf_counter() - t0, ok, note)
            if think > 0:
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))


async def _writer(
    base: str, token: str, every: float, clock: dict[str, float], stats: Stats
) -> None:
    """An office worker editing one project's note every ``every`` seconds: each edit is a
    committed write, so every view cached per programme version is computed again."""
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        project = (await client.get("/api/v1/projects", headers=headers)).json()[0]
        code, version = project["id"], project["version"]
        while True:
            await asyncio.sleep(every)
            if time.monotonic() >= clock["stop"]:
                return
            r = await client.patch(
                f"/api/v1/projects/{code}",
                json={"version": version, "note": f"基准测试写入 {stats.writes + 1}"},
                headers=headers,
            )
            if r.status_code != 200:
                raise RuntimeError(f"写入失败：{r.status_code} {r.text[:200]}")
            version = r.json()["version"]
            stats.writes += 1


async def load(
    server: Server,
    circles: list[str],
    *,
    users: int,
    seconds: float,
    think: float,
    write_every: float = 0.0,
) -> tuple[Stats, float, float]:
    """``users`` people over ``seconds``; returns what they met, the measured time and the
    server's CPU seconds over that time."""
    base = server.base
    stats = Stats()
    token = await _token(base)
    ready = asyncio.Barrier(users + 1)
    clock = {"stop": float("inf")}
    tasks = [
        asyncio.create_task(_user(n, base, token, circles, clock, think, stats, ready))
        for n in range(users)
    ]
    await ready.wait()  # every user signed in
    cpu0 = tree_cpu_seconds(server.pid)
    start = stats.start = time.monotonic()
    clock["stop"] = start + seconds
    if write_every > 0:
        tasks.append(asyncio.create_task(_writer(base, token, write_every, clock, stats)))
    await asyncio.gather(*tasks)
    return stats, time.monotonic() - start, tree_cpu_seconds(server.pid) - cpu0


def report(
    backend: str, stats: Stats, elapsed: float, cpu: float, *, users: int, think: float
) -> None:
    every = [x for v in stats.latencies.values() for x in v]
    errors = sum(stats.errors.values())
    load1 = os.getloadavg()[0]
    print(
        f"\n### {backend}: {users} users, think {think:g} s, {elapsed:.0f} s, "
        f"load average {load1:.1f}\n"
    )
    print("| page | requests | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    rows = [("**all**", every, errors)] + [
        (p, stats.latencies.get(p, []), stats.errors.get(p, 0)) for p in MIX
    ]
    for name, values, err in rows:
        print(
            f"| {name} | {len(values)} | {len(values) / elapsed:.1f} | {_pct(values, 50):.0f} "
            f"| {_pct(values, 95):.0f} | {_pct(values, 99):.0f} | {err} |"
        )
    if every:
        print(
            f"\nmean {1000 * statistics.fmean(every):.0f} ms, max {1000 * max(every):.0f} ms; "
            f"{stats.retries} requests sent again after the server closed an idle connection"
        )
        if stats.warm:
            print(
                f"after the first {WARMUP:g} s: {len(stats.warm)} requests, "
                f"p50 {_pct(stats.warm, 50):.0f} / p95 {_pct(stats.warm, 95):.0f} / "
                f"p99 {_pct(stats.warm, 99):.0f} ms"
            )
        if stats.writes:
            print(f"{stats.writes} writes during the run (a project's note edited)")
        print(
            f"server CPU {cpu:.1f} s over the run: {1000 * cpu / len(every):.1f} ms of CPU per "
            f"request (one core of an idle machine: about {len(every) / cpu:.0f} requests/s)"
        )
    for s in stats.error_samples:
        print(f"- error: {s}")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="measured time per backend")
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--think", type=float, default=1.0, help="mean pause between requests, s")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument(
        "--workers", type=int, default=1, help="server processes (lifecircle serve --workers)"
    )
    ap.add_argument("--scale", type=float, default=0.05, help="demo district scale")
    ap.add_argument(
        "--write-every",
        type=float,
        default=0.0,
        help="one project edit every this many seconds (0: none); each invalidates the caches",
    )
    args = ap.parse_args(argv)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    with tempfile.TemporaryDirectory(prefix="lifecircle-bench-web-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        checkup_dir = build_checkup(root, args.scale)
        print(f"demo checkup (scale {args.scale:g}) built in {time.perf_counter() - t0:.0f} s")
        for backend in backends:
            with contextlib.ExitStack() as stack:
                if backend == "sqlite":
                    url = f"sqlite:///{root / f'web-{uuid.uuid4().hex[:6]}.db'}"
                elif backend == "postgresql":
                    url = stack.enter_context(postgres_database())
                else:
                    raise SystemExit(f"未知数据库 {backend!r}：可选 sqlite、postgresql")
                circles = seed(url, checkup_dir)
                workers = args.workers
                server = stack.enter_context(serve(url, root / f"data-{backend}", workers))
                stats, elapsed, cpu = asyncio.run(
                    load(
                        server,
                        circles,
                        users=args.users,
                        seconds=args.seconds,
                        think=args.think,
                        write_every=args.write_every,
                    )
                )
                label = backend if workers == 1 else f"{backend}, {workers} workers"
                report(label, stats, elapsed, cpu, users=args.users, think=args.think)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
