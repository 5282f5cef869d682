"""The wheel, installed outside the checkout, runs ``joinedup demo`` and has its agreements.

The Northbridge agreements used to be found through the source tree (``docs/agreements/``),
which an installed package does not have: a hub installed from the wheel served the demo with
no agreements, and so shared nothing. They are package data now (``joinedup/policy/examples``).

The wheel is built with ``uv build`` and installed with ``--no-deps`` into a fresh venv that
sees this project's environment for its dependencies through a ``.pth`` line (no download).
That line adds the environment's site-packages as a plain path, so its editable install of
joinedup (itself a ``.pth`` file, which only ``site`` processes) is not followed: the import
below is checked to come from the wheel, and every command runs from a directory outside the
checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # two wheel builds and a demo: about 20 s

ROOT = Path(__file__).resolve().parents[3]
NORTHBRIDGE = {
    "northbridge-befriending",
    "northbridge-befriending-own-use",
    "northbridge-council-services",
    "northbridge-health-and-care",
}


def _uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    if found is None:
        pytest.skip("uv is not on PATH (make test and .ci/run put it there)")
    return found


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, (
        f"{args[0]} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    )
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A venv outside the checkout with the wheel installed; its ``bin`` and a clean env."""
    uv = _uv()
    tmp = tmp_path_factory.mktemp("wheel")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JOINEDUP_", "PYTHON"))}
    env.pop("VIRTUAL_ENV", None)
    env["HOME"] = str(tmp)
    _run([uv, "build", "--wheel", "--out-dir", str(tmp / "dist"), str(ROOT)], tmp, env)
    [wheel] = (tmp / "dist").glob("joinedup-*.whl")
    venv = tmp / "venv"
    _run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], tmp, env)
    python = venv / "bin" / "python"
    site = _run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], tmp, env
    )
    (Path(site.strip()) / "_project_env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run(
        [
            uv,
            "pip",
            "install",
            "--quiet",
            "--offline",
            "--no-deps",
            "--python",
            str(python),
            str(wheel),
        ],
        tmp,
        env,
    )
    return venv / "bin", env


def test_the_wheel_holds_the_agreements_and_the_web_assets(tmp_path: Path) -> None:
    uv = _uv()
    _run(
        [uv, "build", "--wheel", "--out-dir", str(tmp_path), str(ROOT)], tmp_path, dict(os.environ)
    )
    [wheel] = tmp_path.glob("joinedup-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {
        f"joinedup/policy/examples/{p.name}"
        for p in (ROOT / "src/joinedup/policy/examples").iterdir()
    }
    assert shipped and shipped <= names
    # GOV.UK Frontend and htmx are copied in by `make assets` and ignored by git, which
    # hatchling followed: the wheel served pages without their styles or scripts.
    vendor = ROOT / "src/joinedup/web/static/vendor"
    if not (vendor / ".built").exists():
        pytest.skip("the web assets are not built here (make assets)")
    built = {
        "joinedup/" + p.relative_to(ROOT / "src/joinedup").as_posix()
        for p in vendor.rglob("*")
        if p.is_file() and p.name != ".built"
    }
    assert built and built <= names, sorted(built - names)[:5]


def test_joinedup_demo_runs_from_the_installed_wheel(
    installed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    bin_dir, env = installed
    where = _run(
        [str(bin_dir / "python"), "-c", "import joinedup; print(joinedup.__file__)"], tmp_path, env
    )
    assert str(bin_dir.parent) in where and str(ROOT) not in where, where
    out = _run(
        [
            str(bin_dir / "joinedup"),
            "demo",
            "--no-serve",
            "--people",
            "200",
            "--dir",
            str(tmp_path / "demo"),
        ],
        tmp_path,
        env,
    )
    assert "Generated Northbridge: 200 residents" in out
    # The agreements the demo serves with (serve_hook's JOINEDUP_AGREEMENTS_DIR), read by the
    # store that every decision goes through.
    probe = (
        "import json; from joinedup.demo.agreements import DEMO_AGREEMENTS_DIR as d; "
        "from joinedup.services.agreements_store import current_agreements as c; "
        "print(json.dumps([str(d), sorted({a.id for a in c(d)})]))"
    )
    directory, ids = json.loads(_run([str(bin_dir / "python"), "-c", probe], tmp_path, env))
    assert directory.startswith(str(bin_dir.parent)), directory
    assert set(ids) == NORTHBRIDGE
    # And the examples' own policy tests pass from the package, as `joinedup policy test` runs them.
    tested = _run([str(bin_dir / "joinedup"), "policy", "test", directory], tmp_path, env)
    assert "FAIL" not in tested and "PASS:" in tested
