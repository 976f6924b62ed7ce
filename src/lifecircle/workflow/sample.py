"""A small checkup.json dict that follows docs/interfaces.md exactly (tests, web, examples)."""

from __future__ import annotations

STREETS = ["侯家塘街道", "左家塘街道", "圭塘街道", "砂子塘街道", "东塘街道"]


def _indicator(ind_id, status, category="constraint"):
    return {
        "id": ind_id,
        "name_zh": ind_id,
        "name_en": ind_id,
        "category": category,
        "kind": "coverage",
        "value": 1.0 if status == "pass" else 0.5,
        "threshold": 0.9,
        "operator": ">=",
        "unit": "%",
        "status": status,
        "margin": 0.1 if status == "pass" else -0.4,
        "radius_m": 500,
        "facility_categories": ["kindergarten"],
        "plan_item": "2",
        "source": "test",
        "verified": False,
        "deadline": None,
    }


def sample_checkup(
    n=30, *, run_id="run-2024", created_at="2024-06-01T08:00:00+08:00", failing=None
):
    """A small checkup.json dict that follows docs/interfaces.md exactly.

    ``failing`` maps circle id -> list of failing constraint ids (default: every 4th circle
    fails ``kindergarten_cov``); other circles grade AA, every 3rd AAA.
    """
    circles = []
    for i in range(1, n + 1):
        cid = f"C{i:02d}"
        fails = (
            failing.get(cid, [])
            if failing is not None
            else (["kindergarten_cov"] if i % 4 == 0 else [])
        )
        inds = [
            _indicator("kindergarten_cov", "fail" if "kindergarten_cov" in fails else "pass"),
            _indicator("elderly_cov", "fail" if "elderly_cov" in fails else "pass"),
            _indicator("shared_parking", "pass", "guiding"),
        ]
        grade = "NONE" if fails else ("AAA" if i % 3 == 0 else "AA")
        circles.append(
            {
                "id": cid,
                "name": f"测试{i}号生活圈",
                "street": STREETS[i % len(STREETS)],
                "communities": [f"测试{i}社区", f"测试{i}甲社区"],
                "population": 20000 + i,
                "households": 8000,
                "area_km2": 1.5,
                "compound_count": 12,
                "grade": grade,
                "grade_reason": "test",
                "indicators": inds,
                "shortfalls": [
                    {
                        "indicator_id": f,
                        "name_zh": f,
                        "category": "constraint",
                        "value": 0.5,
                        "threshold": 0.9,
                        "unit": "%",
                        "facility_categories": ["kindergarten"],
                        "affected_population": 1000,
                        "affected_compounds": [
                            {"id": "X1", "name": "某小区", "population": 1000, "nearest_m": 900.0}
                        ],
                    }
                    for f in fails
                ],
            }
        )
    return {
        "schema_version": "1.0",
        "run": {
            "id": run_id,
            "created_at": created_at,
            "software_version": "0.1.0",
            "catalogue": {
                "id": "changsha-provisional",
                "version": "0.1",
                "provisional": True,
                "title": "测试",
            },
            "input_hash": "sha256:" + "0" * 64,
            "district": {"name": "雨花区", "admin_code": "430111"},
            "generated_geometry": True,
            "notice": "示例数据：几何为生成数据",
        },
        "summary": {
            "circles": n,
            "population": sum(c["population"] for c in circles),
            "grades": {g: sum(c["grade"] == g for c in circles) for g in ("NONE", "AA", "AAA")},
        },
        "district_indicators": [],
        "circles": circles,
        "warnings": [],
    }
