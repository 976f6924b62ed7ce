"""Load and soak: `lifecircle serve` on loopback in a child process, many users at once.

Each simulated user signs in through the API and, until the time is up, reads (project
lists, circles, the public pages) and writes (creates projects in its circle, sets their
progress and note). Afterwards the database is counted: every acknowledged write must be
there (no lost writes). The server's memory (RSS) is sampled once a second.

    python benchmarks/soak.py --db sqlite --users 100 --duration 300
    python benchmarks/soak.py --db postgresql --users 100 --duration 300

A short form runs in CI: tests/hardening/test_soak.py (20 s each database).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "soak-password-1"
CIRCLES = [
    (f"S{i:02d}", f"压测{i}号生活圈", f"压测{i % 3}街道", [f"压测{i}社区"]) for i in range(1, 11)
]
UNIT = "区住建局"


# --------------------------------------------------------------------------- database
def prepare_database(url: str) -> None:
    """Migrate ``url`` and seed units, ten circles, a district user and a leader per circle."""
    from lifecircle.store import session_scope, upgrade
    from lifecircle.store.db import make_engine
    from lifecircle.workflow import accounts
    from lifecircle.workflow.places import seed_units, upsert_circle

    engine = make_engine(url)
    upgrade(engine)
    with session_scope(engine, actor="soak") as s:
        seed_units(s)
        for code, name, street, communities in CIRCLES:
            upsert_circle(s, code, name, street, communities)
    with session_scope(engine, actor="soak") as s:
        accounts.add_user(s, "district", role="district", password=PASSWORD)
        for code, *_ in CIRCLES:
            accounts.add_user(
                s, f"leader_{code}", role="circle_leader", password=PASSWORD, circles=[code]
            )
    engine.dispose()


def count_rows(url: str) -> dict[str, object]:
    """Projects (with their progress and note) and status changes, read back after the run."""
    from sqlalchemy import func, select, text

    from lifecircle.store import session_scope
    from lifecircle.store.db import make_engine
    from lifecircle.store.models import Project, ProjectStatusChange

    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            projects = {p.code: (p.progress, p.note) for p in s.scalars(select(Project))}
            changes = s.scalar(select(func.count()).select_from(ProjectStatusChange))
            ok = "ok"
            if engine.dialect.name == "sqlite":
                ok = str(s.execute(text("PRAGMA integrity_check")).scalar())
        return {"projects": projects, "status_changes": changes, "integrity": ok}
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(url: str, *, log: Path | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`lifecircle serve` on a free loopback port; yields its base URL and process."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "LIFECIRCLE_SECRET_KEY": "soak"}
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "lifecircle", "serve", "--port", str(port), "--db", url],
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}")
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start within 60 s")
            time.sleep(0.2)
        yield base, proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if log:
            out.close()  # type: ignore[union-attr]


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


# --------------------------------------------------------------------------- users
@dataclass
class Tally:
    requests: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    # what the server acknowledged: project code -> (progress, note) last set
    written: dict[str, tuple[int, str | None]] = field(default_factory=dict)


async def _token(client: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def _user(
    n: int,
    base: str,
    until: float,
    tally: Tally,
    write_share: float,
    tokens: dict[str, dict[str, str]],
) -> None:
    rng = random.Random(n)
    circle = CIRCLES[n % len(CIRCLES)][0]
    mine: dict[str, int] = {}  # project code -> version
    # a new connection per request: on a loaded machine a user task can sit idle past the
    # server's keep-alive timeout and meet a connection closed under it (a client artefact)
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as client:
        auth = tokens[circle]
        serial = 0
        while time.monotonic() < until:
            roll = rng.random()
            t0 = time.monotonic()
            try:
                if roll < write_share / 2 or (roll < write_share and not mine):
                    serial += 1
                    kind = "create"
                    r = await client.post(
                        "/api/v1/projects",
                        headers=auth,
                        json={
                            "name": f"压测项目 u{n} #{serial}",
                            "circle_id": circle,
                            "project_type": "micro_renewal",
                            "lead_unit": UNIT,
                            "due_date": "2026-06-30",
                            "note": "新建",
                        },
                    )
                    if r.status_code == 201:
                        body = r.json()
                        code, version = body["id"], body["version"]
                        tally.written[code] = (0, "新建")
                        for to in ("approved", "in_progress"):  # progress needs a started project
                            tally.requests["create"] += 1
                            tally.latencies.append(time.monotonic() - t0)
                            t0 = time.monotonic()
                            r = await client.patch(
                                f"/api/v1/projects/{code}",
                                headers=auth,
                                json={"version": version, "status": to},
                            )
                            if r.status_code != 200:
                                break
                            version = r.json()["version"]
                        else:
                            mine[code] = version
                elif roll < write_share:
                    kind = "update"
                    code = rng.choice(sorted(mine))
                    progress, note = rng.randrange(0, 101), f"u{n} 第 {serial} 次更新"
                    serial += 1
                    r = await client.patch(
                        f"/api/v1/projects/{code}",
                        headers=auth,
                        json={"version": mine[code], "progress": progress, "note": note},
                    )
                    if r.status_code == 200:
                        mine[code] = r.json()["version"]
                        tally.written[code] = (progress, note)
                elif roll < 0.75:
                    kind = "list"
                    r = await client.get(
                        "/api/v1/projects", headers=auth, params={"circle_id": circle}
                    )
                elif roll < 0.9:
                    kind = "circles"
                    r = await client.get("/api/v1/circles", headers=auth)
                else:
                    kind = "page"
                    r = await client.get("/public")
            except httpx.HTTPError as exc:
                tally.errors.append(f"{kind}: {exc!r}")
                continue
            tally.latencies.append(time.monotonic() - t0)
            tally.requests[kind] += 1
            if r.status_code >= 300:
                tally.errors.append(f"{kind}: HTTP {r.status_code} {r.text[:200]}")


async def sign_in(base: str) -> dict[str, dict[str, str]]:
    """A token per circle leader, before the clock starts (as a working day begins)."""
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        return {code: await _token(client, f"leader_{code}") for code, *_ in CIRCLES}


async def _drive(
    base: str, users: int, duration: float, write_share: float, tokens: dict[str, dict[str, str]]
) -> Tally:
    tally = Tally()
    until = time.monotonic() + duration
    await asyncio.gather(*(_user(n, base, until, tally, write_share, tokens) for n in range(users)))
    return tally


def run_soak(
    *, db: str, users: int, duration: float, write_share: float = 0.3, log: Path | None = None
) -> dict[str, object]:
    """Prepare a fresh database, serve it, run the users, count; the figures as a dict."""
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp, _database(db, Path(tmp)) as url:
        prepare_database(url)
        with server(url, log=log) as (base, proc):
            samples: list[float] = []
            stop = False

            async def sample() -> None:
                while not stop:
                    samples.append(rss_mb(proc.pid))
                    await asyncio.sleep(1)

            tokens = asyncio.run(sign_in(base))

            async def main() -> Tally:
                nonlocal stop
                sampler = asyncio.create_task(sample())
                tally = await _drive(base, users, duration, write_share, tokens)
                stop = True
                await sampler
                return tally

            t0 = time.monotonic()
            tally = asyncio.run(main())
            wall = time.monotonic() - t0
        counted = count_rows(url)
    stored: dict[str, tuple[int, str | None]] = counted["projects"]  # type: ignore[assignment]
    lost = [code for code, v in tally.written.items() if stored.get(code) != v]
    quarter = max(1, len(samples) // 4)
    lat = sorted(tally.latencies) or [0.0]
    return {
        "db": db,
        "load_average": round(os.getloadavg()[0], 1),
        "users": users,
        "duration_s": round(wall, 1),
        "requests": sum(tally.requests.values()),
        "by_kind": dict(tally.requests),
        "requests_per_s": round(sum(tally.requests.values()) / wall, 1),
        "latency_median_ms": round(statistics.median(lat) * 1000, 1),
        "latency_p95_ms": round(lat[int(0.95 * (len(lat) - 1))] * 1000, 1),
        "errors": len(tally.errors),
        "error_examples": tally.errors[:5],
        "writes_acknowledged": len(tally.written),
        "projects_stored": len(stored),
        "writes_lost": len(lost),
        "integrity": counted["integrity"],
        "rss_mb_first_quarter": round(statistics.median(samples[:quarter]), 1),
        "rss_mb_last_quarter": round(statistics.median(samples[-quarter:]), 1),
        "rss_mb_max": round(max(samples), 1),
    }


@contextmanager
def _database(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'soak.db'}"
        return
    sys.path.insert(0, str(ROOT / "tests"))
    from db_testing import temporary_postgres_database

    with temporary_postgres_database() as url:
        yield url


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    ap.add_argument("--users", type=int, default=100)
    ap.add_argument("--duration", type=float, default=300.0, help="seconds")
    ap.add_argument("--write-share", type=float, default=0.3)
    ap.add_argument("--log", type=Path, help="write the server's output here")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    figures = run_soak(
        db=args.db,
        users=args.users,
        duration=args.duration,
        write_share=args.write_share,
        log=args.log,
    )
    print(json.dumps(figures, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
