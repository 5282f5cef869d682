"""``joinedup link --engine spark`` as an operator runs it: stdout holds the summary and stderr
stays empty — no log4j INFO or WARN lines, no start-up notices — while what a JVM that cannot
start says still reaches stderr. The installed command in a subprocess, on a SQLite file, since
the JVM's output goes to the process's own stderr, which Typer's runner does not see.

Spark takes a while to start, so this runs in CI or with ``JOINEDUP_TEST_SPARK=1``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from joinedup.ingest.pipeline import ingest_file
from joinedup.store.db import make_engine, upgrade
from tests.integration.ingest.helpers import ALL_ROWS, write_csv, write_mapping

pytestmark = [
    pytest.mark.spark,
    pytest.mark.slow,
    pytest.mark.skipif(
        not (os.environ.get("CI") or os.environ.get("JOINEDUP_TEST_SPARK") == "1"),
        reason="Spark tests run in CI or with JOINEDUP_TEST_SPARK=1",
    ),
]

_SCRIPT = Path(sys.executable).with_name("joinedup")
JOINEDUP = str(_SCRIPT) if _SCRIPT.exists() else (shutil.which("joinedup") or "joinedup")
#: A log4j line in Spark's default layout ("26/12/07 14:12:09 WARN NativeCodeLoader: …") or
#: in joinedup's ("spark: 14:12:09 INFO …").
LOG4J_LINE = re.compile(r"\b(TRACE|DEBUG|INFO|WARN|WARNING)\b")


@pytest.fixture
def hub(tmp_path: Path) -> dict[str, str]:
    """A SQLite hub holding three ingested records, and the environment to run commands on it."""
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    engine = make_engine(url)
    upgrade(engine)
    ingest_file(engine, write_mapping(tmp_path), write_csv(tmp_path, ALL_ROWS))
    engine.dispose()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("JOINEDUP_", "LOG4J_", "SPARK_CONF_DIR"))
    }
    return {**env, "JOINEDUP_DATABASE_URL": url, "JOINEDUP_DATA_DIR": str(tmp_path / "data")}


def _link(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [JOINEDUP, "link", "--engine", "spark", "--full"],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
        check=False,
    )


def test_a_spark_link_leaves_stderr_empty(hub: dict[str, str]) -> None:
    done = _link(hub)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("link run 1 (full, spark)\n")
    noisy = [line for line in done.stderr.splitlines() if LOG4J_LINE.search(line)]
    assert noisy == [], done.stderr
    # Nor anything else: the incubator notice, "Using Spark's default log4j profile",
    # "Setting default log level", "To adjust logging level". A cron job mails stderr.
    assert done.stderr == ""


def test_what_a_jvm_that_cannot_start_says_is_shown(hub: dict[str, str]) -> None:
    done = _link({**hub, "JOINEDUP_SPARK_DRIVER_MEMORY": "2q"})  # not a size
    assert done.returncode == 2
    assert "Invalid maximum heap size: -Xmx2q" in done.stderr
    assert done.stderr.rstrip().splitlines()[-1] == (
        "Error: the Spark driver (a Java process) did not start; what it said is above. Check "
        "JAVA_HOME, JOINEDUP_SPARK_DRIVER_MEMORY and JOINEDUP_SPARK_MASTER"
    )
    assert "Traceback" not in done.stderr
