"""The Spark driver's console (``linkage.spark_console``) without starting Spark: which log4j
configuration the JVM is given, the level, and which of the JVM's lines are left out."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from joinedup.errors import JoinedupError
from joinedup.linkage import spark_console


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """None of the variables set, and whatever ``configure_log4j`` sets undone afterwards."""
    for name in (
        "LOG4J_CONFIGURATION_FILE",
        "log4j2.configurationFile",
        "SPARK_CONF_DIR",
        spark_console.LEVEL_VAR,
    ):
        # Set first, so that monkeypatch restores the variable's absence too.
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)


def test_the_shipped_configuration_is_used_errors_only_by_default() -> None:
    assert spark_console.configure_log4j() == "ERROR"
    assert os.environ["LOG4J_CONFIGURATION_FILE"] == spark_console.LOG4J_CONFIG.as_uri()
    text = spark_console.LOG4J_CONFIG.read_text(encoding="utf-8")
    # The root and the gateway's logger (which decides Spark's "Setting default log level"
    # lines) read the same level: equal, so those lines are not printed.
    level = "${env:JOINEDUP_SPARK_LOG_LEVEL:-ERROR}"
    assert f"rootLogger.level = {level}" in text
    assert "logger.gateway.name = org.apache.spark.api.python.PythonGatewayServer" in text
    assert f"logger.gateway.level = {level}" in text
    assert "appender.stderr.target = SYSTEM_ERR" in text


def test_the_level_is_the_operators_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(spark_console.LEVEL_VAR, " warn ")
    assert spark_console.configure_log4j() == "WARN"
    assert os.environ[spark_console.LEVEL_VAR] == "WARN"  # what the properties file reads


def test_a_level_that_is_not_one_is_refused_naming_the_levels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(spark_console.LEVEL_VAR, "loud")
    with pytest.raises(JoinedupError, match="is not a log level; use one of OFF, FATAL, ERROR"):
        spark_console.configure_log4j()


@pytest.mark.parametrize("where", ["environment", "spark conf dir"])
def test_an_operators_own_log4j_configuration_is_left_alone(
    where: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    if where == "environment":
        monkeypatch.setenv("LOG4J_CONFIGURATION_FILE", "file:///etc/spark/log4j2.properties")
    else:
        (tmp_path / "log4j2.properties").write_text("rootLogger.level = info\n")
        monkeypatch.setenv("SPARK_CONF_DIR", str(tmp_path))
    # Their file decides the level, unless they also ask for one through joinedup.
    assert spark_console.configure_log4j() is None
    assert os.environ.get("LOG4J_CONFIGURATION_FILE") in (
        None,
        "file:///etc/spark/log4j2.properties",
    )
    monkeypatch.setenv(spark_console.LEVEL_VAR, "info")
    assert spark_console.configure_log4j() == "INFO"


def test_the_jvms_stderr_is_copied_but_for_its_incubator_notice(
    capfd: pytest.CaptureFixture[str],
) -> None:
    read_end, write_end = os.pipe()
    copier = threading.Thread(target=spark_console._copy_stderr, args=(read_end,))
    copier.start()
    os.write(
        write_end,
        b"WARNING: Using incubator modules: jdk.incubator.vector\n"
        b"spark: 10:01:02 ERROR Executor: Exception in task 0.0\n"
        b"Error: Could not create the Java Virtual Machine.\n"
        b"a last line without its newline",
    )
    os.close(write_end)
    copier.join(timeout=10)
    assert not copier.is_alive()
    assert capfd.readouterr().err == (
        "spark: 10:01:02 ERROR Executor: Exception in task 0.0\n"
        "Error: Could not create the Java Virtual Machine.\n"
        "a last line without its newline"
    )
