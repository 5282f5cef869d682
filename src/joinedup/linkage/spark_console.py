"""What the Spark driver writes on stderr: errors, not its start-up chatter.

Left alone, a local Spark session started for ``joinedup link --engine spark`` writes five lines
on stderr before the run has done anything: the JVM's ``WARNING: Using incubator modules:
jdk.incubator.vector`` (Spark 4's launcher adds the module, and the JVM announces it with no
option to stop it), Hadoop's ``WARN NativeCodeLoader: Unable to load native-hadoop library``,
``Using Spark's default log4j profile``, ``Setting default log level to "WARN"`` and how to
change it — and, with a cluster master, INFO and WARN lines as it goes. None of it is anything a
council data engineer can act on, and a cron job mails whatever reaches stderr. So:

- :func:`configure_log4j` gives the driver JVM joinedup's log4j 2 configuration
  (``spark-log4j2.properties`` beside this module): the root logger at
  ``JOINEDUP_SPARK_LOG_LEVEL`` (``ERROR`` unless set), each line starting ``spark:``, and
  Spark's REPL logger at the same level, which is what keeps the "default log level" lines
  away. It is set through ``LOG4J_CONFIGURATION_FILE`` in the environment the JVM inherits, as
  ``SPARK_LOCAL_IP`` is, so it is in force before the JVM logs its first line (a
  ``setLogLevel`` call can only come after); an operator's own configuration — that variable
  already set, or a ``log4j2.properties`` in ``SPARK_CONF_DIR`` — is left in force instead.
- :func:`launch_gateway` starts the JVM as PySpark does, but with its stderr through a pipe
  that a thread copies to this process's stderr line by line, leaving out the JVM's
  incubator-module notice (:data:`JVM_NOTICES`) only. Everything else the JVM writes — a log4j
  error, a crash, "JAVA_HOME is not set" — still arrives as it was written.

Spark's error lines are Spark's own text and, like any Spark job's log, can quote a value of
the row a task failed on; ``JOINEDUP_SPARK_LOG_LEVEL=OFF`` silences them too.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from joinedup.errors import JoinedupError

#: The driver's log4j 2 configuration, shipped in the package.
LOG4J_CONFIG = Path(__file__).resolve().parent / "spark-log4j2.properties"
LEVEL_VAR = "JOINEDUP_SPARK_LOG_LEVEL"
LEVELS = ("OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL")
DEFAULT_LEVEL = "ERROR"
#: Lines the JVM itself writes on stderr that say nothing to act on, by how they start.
JVM_NOTICES: tuple[bytes, ...] = (b"WARNING: Using incubator modules: ",)


def log_level() -> str:
    """The driver's log level: ``JOINEDUP_SPARK_LOG_LEVEL`` (any case), ``ERROR`` unless set."""
    value = os.environ.get(LEVEL_VAR, "").strip().upper() or DEFAULT_LEVEL
    if value not in LEVELS:
        raise JoinedupError(
            f"{LEVEL_VAR}={os.environ.get(LEVEL_VAR)!r} is not a log level; use one of "
            f"{', '.join(LEVELS)}"
        )
    return value


def configure_log4j() -> str | None:
    """Point the driver JVM this process will start at joinedup's log4j 2 configuration,
    unless the operator configured Spark's logging themselves; return the level to set once the
    session is up (``None``: leave the operator's configuration alone)."""
    explicit = os.environ.get(LEVEL_VAR, "").strip() != ""
    level = log_level()
    # The properties file reads the level from the environment; normalised, so "warn" works.
    os.environ[LEVEL_VAR] = level
    conf_dir = os.environ.get("SPARK_CONF_DIR")
    own = (
        "LOG4J_CONFIGURATION_FILE" in os.environ
        or "log4j2.configurationFile" in os.environ
        or bool(conf_dir and (Path(conf_dir) / "log4j2.properties").is_file())
    )
    if own:
        return level if explicit else None
    os.environ["LOG4J_CONFIGURATION_FILE"] = LOG4J_CONFIG.as_uri()
    return level


def launch_gateway(conf: Any) -> Any | None:
    """A Py4J gateway to a new driver JVM whose stderr leaves out :data:`JVM_NOTICES`; ``None``
    when this process already has one (or is itself run by ``spark-submit``), which PySpark then
    uses as it is. ``conf`` is the session's ``SparkConf``."""
    from pyspark import SparkContext
    from pyspark.errors import PySparkRuntimeError
    from pyspark.java_gateway import launch_gateway as pyspark_launch

    if SparkContext._gateway is not None or "PYSPARK_GATEWAY_PORT" in os.environ:
        return None
    read_end, write_end = os.pipe()
    copier = threading.Thread(
        target=_copy_stderr, args=(read_end,), name="joinedup-spark-stderr", daemon=True
    )
    copier.start()
    try:
        # PySpark's own hook for this ("capturing stdout/stderr"): the JVM's fd 2 is the pipe.
        return pyspark_launch(conf, popen_kwargs={"stderr": write_end})
    except PySparkRuntimeError as exc:
        # What the JVM said (a bad -Xmx, no Java) is on stderr above this line, once copied:
        # the JVM has exited, so the pipe ends as soon as this side's end is closed.
        os.close(write_end)
        write_end = -1
        copier.join(timeout=10)
        raise JoinedupError(
            "the Spark driver (a Java process) did not start; what it said is above. Check "
            "JAVA_HOME, JOINEDUP_SPARK_DRIVER_MEMORY and JOINEDUP_SPARK_MASTER"
        ) from exc
    finally:
        # The JVM holds its own copy; when it exits, the pipe closes and the thread ends.
        if write_end >= 0:
            os.close(write_end)


def _copy_stderr(read_end: int) -> None:
    with os.fdopen(read_end, "rb") as pipe:
        for line in pipe:
            if not line.startswith(JVM_NOTICES):
                _write_all(2, line)


def _write_all(fd: int, data: bytes) -> None:
    # File descriptor 2, as the JVM wrote to before: not sys.stderr, which a test runner or a
    # redirect in Python may have replaced.
    view = memoryview(data)
    while view:
        try:
            written = os.write(fd, view)
        except OSError:
            return  # stderr closed: nowhere to say it, and the JVM must not block on the pipe
        view = view[written:]
