"""How a served hub logs: one configuration, the same in one server process and in many.

``joinedup serve`` applies :func:`log_config` in its own process and hands the same dictionary
to uvicorn as its ``log_config``, which uvicorn applies again in each worker process: a worker is
a fresh interpreter (started with ``spawn``) and inherits none of its parent's logging set-up.
Before this was passed, workers had only uvicorn's own configuration, which gives joinedup's
loggers no handler, so with two or more workers the access log and the application's lines
below WARNING went nowhere.

Every line goes to standard error as ``time level [process id] logger message``; the process
id tells the workers apart. uvicorn's own access log stays off: it prints the raw request line,
query string included, and search parameters are names, dates of birth and NHS numbers.
``joinedup.access`` (see :mod:`joinedup.api.app`) writes the route template instead.
"""

from __future__ import annotations

import logging.config
from typing import Any

LOG_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s %(message)s"


def log_config(level: str = "INFO") -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dictionary for serving (a new one on each call).

    New each time because uvicorn may edit the one it is given. ``disable_existing_loggers``
    is false: joinedup's loggers are made when their modules are imported, before this runs.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": LOG_FORMAT}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            # Listed so that handlers a previous configuration gave them are taken away and
            # their lines reach the one handler above, formatted like the rest.
            "uvicorn": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.error": {"level": level, "handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": False},
        },
    }


def configure_logging(level: str = "INFO") -> None:
    """Apply :func:`log_config` to this process."""
    logging.config.dictConfig(log_config(level))
