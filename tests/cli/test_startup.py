"""Start-up: help, version and the command table load without the heavy libraries.

Each check runs in a fresh interpreter and reads ``sys.modules`` afterwards; no timing.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lifecircle import __version__

HEAVY = ("numba", "llvmlite", "geopandas", "pandas", "scipy", "shapely", "pyproj", "pyogrio",
         "pyarrow", "sqlalchemy", "matplotlib", "docx", "openpyxl")  # fmt: skip


def _loaded_after(code: str) -> tuple[list[str], str]:
    """Run ``code`` in a new interpreter; return the heavy modules it loaded, and stdout."""
    probe = (
        "import sys, json\n"
        f"{code}\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    *out, last = r.stdout.strip().splitlines()
    return json.loads(last), "\n".join(out)


def _cli(*args: str) -> str:
    """Code that runs the console script with ``args`` and swallows its exit."""
    return (
        "from lifecircle.cli import main\n"
        f"sys.argv = ['lifecircle', *{list(args)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass"
    )


def test_importing_the_cli_and_its_commands_loads_nothing_heavy():
    loaded, _ = _loaded_after("import lifecircle.cli\nlifecircle.cli._register()")
    assert loaded == []


@pytest.mark.parametrize(
    "args", [("--help",), ("access", "--help"), ("checkup", "--help"), ("demo", "--help")]
)
def test_help_loads_nothing_heavy(args):
    loaded, out = _loaded_after(_cli(*args))
    assert loaded == []
    assert "用法：" in out and "Usage" not in out


def test_version_prints_the_version_without_loading_anything_heavy():
    loaded, out = _loaded_after(_cli("--version"))
    assert loaded == []
    assert out.strip() == __version__


def test_version_from_the_console_entry():
    r = subprocess.run(
        [sys.executable, "-m", "lifecircle", "--version"], capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert r.returncode == 0
    assert r.stdout.strip() == __version__


def test_the_access_engine_and_the_warmup_import_without_numba():
    loaded, _ = _loaded_after("import lifecircle.network.warmup")
    assert loaded == []
    loaded, _ = _loaded_after("from lifecircle.access import compute_access")
    assert "numba" not in loaded
    assert "pandas" in loaded  # the probe does see what an import loads


def test_a_missing_input_file_is_reported_before_anything_heavy_loads(tmp_path):
    missing = str(tmp_path / "homes.csv")
    loaded, _ = _loaded_after(
        _cli("access", "--homes", missing, "--facilities", missing, "--network", missing,
             "--out", str(tmp_path / "out"))
    )  # fmt: skip
    assert loaded == []
    r = subprocess.run(
        [sys.executable, "-m", "lifecircle", "access", "--homes", missing, "--facilities",
         missing, "--network", missing, "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert r.returncode == 2
    assert "文件不存在" in r.stderr and missing in r.stderr


def test_the_help_renderer_loads_only_for_help_and_is_in_chinese_then():
    # Typer's rich help renderer (rich, markdown-it: 0.3 s) is needed to show help or an
    # error, not to run a command; its titles are translated when it is first imported.
    probe = (
        "import sys\nfrom lifecircle.cli import main, _register\n"
        "import lifecircle.cli._zh as zh\nzh.install()\n_register()\n"
        "before = 'typer.rich_utils' in sys.modules\n"
        "from typer import rich_utils\n"
        "print(before, rich_utils.OPTIONS_PANEL_TITLE, rich_utils.REQUIRED_LONG_STRING)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert r.stdout.split() == ["False", "选项", "[必填]"]


def test_the_demo_checks_its_options_without_loading_the_generator(tmp_path):
    # the demo's parent process checks the scale and then waits for its children: the
    # generator's pandas and geopandas (160 MB, 2 s) load only where the district is made
    loaded, _ = _loaded_after("from lifecircle.demo.limits import check_scale\ncheck_scale(1.0)")
    assert loaded == []
    loaded, _ = _loaded_after(_cli("demo", "--scale", "9", "--out", str(tmp_path / "d")))
    assert loaded == []
    loaded, _ = _loaded_after("from lifecircle.demo import generate_demo")
    assert "geopandas" in loaded  # the lazy name still loads what it needs
