"""Many users at once: concurrent creations all land; concurrent edits of one version let
exactly one through and tell the others in Chinese (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from .conftest import PASSWORD, UNIT, make_client


def _token(client, who: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": who, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_concurrent_writes(seeded):
    with make_client(seeded.engine) as c:
        headers = _token(c, "district")
        start = threading.Barrier(6)

        def create(i: int) -> int:
            start.wait()
            body = {
                "name": f"并发新建{i}",
                "circle_id": seeded.circle_a,
                "project_type": "micro_renewal",
                "lead_unit": UNIT,
                "due_date": "2025-08-31",
            }
            return c.post("/api/v1/projects", json=body, headers=headers).status_code

        with ThreadPoolExecutor(6) as pool:
            assert list(pool.map(create, range(6))) == [201] * 6

        code = c.get("/api/v1/projects", params={"q": "并发新建0"}, headers=headers).json()[0]["id"]
        start = threading.Barrier(6)

        def edit(i: int) -> tuple[int, str]:
            start.wait()
            r = c.patch(
                f"/api/v1/projects/{code}", json={"version": 1, "note": f"修改{i}"}, headers=headers
            )
            return r.status_code, r.json().get("detail", "")

        with ThreadPoolExecutor(6) as pool:
            results = list(pool.map(edit, range(6)))
        assert sorted(s for s, _ in results) == [200] + [409] * 5, results
        assert all("已被他人修改" in d for s, d in results if s == 409)
        final = c.get(f"/api/v1/projects/{code}", headers=headers).json()
        assert final["version"] == 2 and final["note"].startswith("修改")
