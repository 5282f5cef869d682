"""``.ci/uv-bootstrap.sh`` against a fake PATH: uv is found or installed on a fresh Debian 12,
where ``pip install uv`` is refused (PEP 668) and ``python3 -m venv`` needs python3-venv.

Every program the script may call is a stub here that logs its arguments: python3 (its venv
and pip), apt-get, pipx and the uv they install. Nothing is installed or downloaded.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / ".ci" / "uv-bootstrap.sh"
TOOLS = ("rm", "mkdir", "cat", "chmod", "touch", "dirname")

UV = '#!/bin/bash\necho "uv 0.0.0 (stub)"\n'
# python3: `-m venv DIR` works once python3-venv is "installed" (a file in the state dir) and
# makes a venv whose pip installs uv; `-m pip install` is refused as Debian 12 refuses it,
# unless --break-system-packages is given and pip is "installed".
PYTHON3 = """#!/bin/bash
echo "python3 $*" >> "$STATE/log"
if [[ $1 == -m && $2 == venv ]]; then
  mkdir -p "$3/bin"
  [[ -e $STATE/python3-venv ]] || { echo "ensurepip is not available" >&2; exit 1; }
  printf "%s" "$PIP_STUB" > "$3/bin/pip"; chmod +x "$3/bin/pip"
  exit 0
fi
if [[ $1 == -m && $2 == pip ]]; then
  if [[ -e $STATE/pip && " $* " == *" --break-system-packages "* ]]; then
    mkdir -p "$HOME/.local/bin"; printf "%s" "$UV_STUB" > "$HOME/.local/bin/uv"
    chmod +x "$HOME/.local/bin/uv"; exit 0
  fi
  echo "error: externally-managed-environment" >&2; exit 1
fi
exit 1
"""
# The pip of a venv: installs uv beside itself.
PIP = """#!/bin/bash
echo "pip $*" >> "$STATE/log"
printf "%s" "$UV_STUB" > "$(dirname "$0")/uv"; chmod +x "$(dirname "$0")/uv"
"""
APT_GET = """#!/bin/bash
echo "apt-get $*" >> "$STATE/log"
[[ $1 == update ]] && exit 0
for package in "$@"; do
  [[ $package == python3-venv && -e $STATE/apt-has-venv ]] && touch "$STATE/python3-venv"
  if [[ $package == pipx && -e $STATE/apt-has-pipx ]]; then
    printf "%s" "$PIPX_STUB" > "$FAKEBIN/pipx"; chmod +x "$FAKEBIN/pipx"
  fi
done
exit 0
"""
PIPX = """#!/bin/bash
echo "pipx $*" >> "$STATE/log"
if [[ $1 == environment ]]; then echo "$HOME/.local/bin"; exit 0; fi
mkdir -p "$HOME/.local/bin"; printf "%s" "$UV_STUB" > "$HOME/.local/bin/uv"
chmod +x "$HOME/.local/bin/uv"
"""

# description, what the machine has, where uv ends up ("" for nowhere), what was called
CASES = [
    ("uv on PATH: nothing to do", {"uv"}, "fakebin/uv", []),
    ("installed by an earlier run", {"old-venv-uv"}, "checkout/.ci/.uv/bin/uv", []),
    (
        "fresh Debian 12: apt installs python3-venv, uv goes in a venv under the checkout",
        {"apt", "apt-has-venv"},
        "checkout/.ci/.uv/bin/uv",
        ["python3 -m venv", "apt-get update", "apt-get install -y -qq python3-venv",
         "python3 -m venv", "pip install --quiet uv"],
    ),
    (
        "python3-venv there already",
        {"python3-venv"},
        "checkout/.ci/.uv/bin/uv",
        ["python3 -m venv", "pip install --quiet uv"],
    ),
    (
        "no venv to be had, pipx on PATH",
        {"pipx"},
        "home/.local/bin/uv",
        ["python3 -m venv", "pipx install --quiet uv", "pipx environment"],
    ),
    (
        "no venv, apt installs pipx",
        {"apt", "apt-has-pipx"},
        "home/.local/bin/uv",
        ["python3 -m venv", "apt-get update", "apt-get install -y -qq python3-venv",
         "apt-get install -y -qq pipx", "pipx install --quiet uv", "pipx environment"],
    ),
    (
        "last resort: pip --user --break-system-packages",
        {"pip"},
        "home/.local/bin/uv",
        ["python3 -m venv", "python3 -m pip install --quiet --user --break-system-packages uv"],
    ),
    ("nothing works: a clear error", set(), "", ["python3 -m venv", "python3 -m pip install"]),
]  # fmt: skip


def _stub(path: Path, text: str) -> None:
    path.write_text(text)
    path.chmod(0o755)


@pytest.mark.parametrize(
    ("has", "lands", "calls"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_ensure_uv(tmp_path: Path, has: set[str], lands: str, calls: list[str]) -> None:
    fakebin, tools, state = tmp_path / "fakebin", tmp_path / "tools", tmp_path / "state"
    checkout, home = tmp_path / "checkout", tmp_path / "home"
    for directory in (fakebin, tools, state, checkout, home):
        directory.mkdir()
    for tool in TOOLS:
        (tools / tool).symlink_to(
            next(Path(d) / tool for d in ("/usr/bin", "/bin") if (Path(d) / tool).exists())
        )
    _stub(fakebin / "python3", PYTHON3)
    if "uv" in has:
        _stub(fakebin / "uv", UV)
    if "old-venv-uv" in has:
        (checkout / ".ci/.uv/bin").mkdir(parents=True)
        _stub(checkout / ".ci/.uv/bin/uv", UV)
    if "apt" in has:
        _stub(fakebin / "apt-get", APT_GET)
    if "pipx" in has:
        _stub(fakebin / "pipx", PIPX)
    for flag in has & {"apt-has-venv", "apt-has-pipx", "python3-venv", "pip"}:
        (state / flag).touch()
    env = {
        "PATH": f"{fakebin}:{tools}",
        "HOME": str(home),
        "STATE": str(state),
        "FAKEBIN": str(fakebin),
        "UV_STUB": UV,
        "PIPX_STUB": PIPX,
        "PIP_STUB": PIP,
    }
    done = subprocess.run(
        # As .ci/run sources it: under set -euo pipefail, where a stray failure would end it.
        ["/bin/bash", "-c", f'set -euo pipefail; source "{SCRIPT}"; ensure_uv; command -v uv'],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    log = (state / "log").read_text().splitlines() if (state / "log").exists() else []
    said = (done.returncode, done.stdout.splitlines())
    if lands:
        assert said == (0, [str(tmp_path / lands)]), (done.stdout, done.stderr, log)
    else:
        assert said == (1, []), (done.stdout, done.stderr, log)
        assert "cannot install uv" in done.stderr
    assert [line for line in log if not any(line.startswith(c) for c in calls)] == [], log
    assert [c for c in calls if not any(line.startswith(c) for line in log)] == [], log
    # Debian's own Python is never asked to take a package without the PEP 668 override.
    assert not [line for line in log if line.startswith("python3 -m pip install --quiet uv")]
    assert os.access(tmp_path / lands, os.X_OK) if lands else True
