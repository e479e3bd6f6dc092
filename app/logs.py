"""JSON logs on stderr (one object a line), so any log shipper can parse them."""

from __future__ import annotations

import gc
import logging
import re
import sys
import time
from datetime import UTC, datetime
from typing import Any

import orjson

_RESERVED = set(vars(logging.makeLogRecord({})))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        entry.update({k: v for k, v in vars(record).items() if k not in _RESERVED})
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time of the record, not at configuration
    (a test harness or a daemoniser may swap and close the stream it had)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


#: Path segments that are secrets: the write key in Segment's settings path.
_SECRET_SEGMENT = re.compile(r"(/v1/projects/)[^/?#]+")


def redacted_path(path: str) -> str:
    """A request path fit for a log: no query string (GraphQL GETs carry their variables and
    literals there) and no write key."""
    return _SECRET_SEGMENT.sub(r"\1<write-key>", path.split("?", 1)[0])


class AccessLogRedaction(logging.Filter):
    """Rewrites uvicorn's access lines (`client - "METHOD path HTTP/v" status`) so they hold
    no client address (personal data), no query string and no write key. Installed on the
    handler, so it applies to every record, whichever logger it came from."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "uvicorn.access" and isinstance(record.args, tuple):
            args = list(record.args)
            if len(args) >= 3 and isinstance(args[2], str):
                args[0] = "-"
                args[2] = redacted_path(args[2])
                record.args = tuple(args)
        return True


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    handler = _StderrHandler()
    handler.addFilter(AccessLogRedaction())
    plain = logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s")
    handler.setFormatter(JsonFormatter() if json else plain)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("neo4j", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if _log_gc_pause not in gc.callbacks:
        gc.callbacks.append(_log_gc_pause)


#: A garbage collection longer than this is logged: it stalls every task of the process.
GC_PAUSE_LOG_MS = 100.0
_gc_started = [0.0]


def _log_gc_pause(phase: str, info: dict[str, int]) -> None:
    """Log the process's long garbage-collection pauses, to set beside latency outliers."""
    if phase == "start":
        _gc_started[0] = time.perf_counter()
        return
    took = (time.perf_counter() - _gc_started[0]) * 1000
    if took >= GC_PAUSE_LOG_MS:
        logging.getLogger("app.gc").warning(
            "garbage collection paused the process for %.0f ms",
            took,
            extra={
                "generation": info.get("generation"),
                "collected": info.get("collected"),
                "pause_ms": round(took),
            },
        )
