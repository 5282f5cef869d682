"""Guards on the package's shape: pure, self-contained, a thin public surface."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import joinedup.standards as standards

PACKAGE = Path(standards.__file__).parent
# Third-party packages the standards may use; everything else must be the standard library.
ALLOWED_THIRD_PARTY = {"phonenumbers", "nicknames"}
FORBIDDEN_STDLIB = {"os", "io", "pathlib", "socket", "subprocess", "logging", "sqlite3", "shutil"}


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_imports_nothing_else_of_joinedup_and_no_io() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        for name in _imports(path):
            top = name.split(".")[0]
            if top == "joinedup":
                assert name.startswith("joinedup.standards"), f"{path.name} imports {name}"
            assert top not in FORBIDDEN_STDLIB, f"{path.name} imports {name}: no I/O here"
            assert top in ALLOWED_THIRD_PARTY or top == "joinedup" or top in sys.stdlib_module_names


def test_every_public_name_is_exported() -> None:
    for name in standards.__all__:
        assert hasattr(standards, name), name


def test_nickname_data_is_loaded_lazily() -> None:
    code = "import sys, joinedup.standards; print('nicknames' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_modules_stay_small() -> None:
    for path in PACKAGE.glob("*.py"):
        assert len(path.read_text(encoding="utf-8").splitlines()) <= 400, path.name
