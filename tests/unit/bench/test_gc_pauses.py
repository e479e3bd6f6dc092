"""Neo4j's GC log is read into pauses per benchmark phase."""

from datetime import UTC, datetime
from pathlib import Path

from bench.monitor import gc_pauses

LOG = """\
[2026-11-29T14:21:42.000+0000][0.003s] Using G1
[2026-11-29T14:21:43.500+0000][1.0s] GC(1) Pause Young (Normal) (G1) 51M->19M(2048M) 7.500ms
[2026-11-29T14:21:44.000+0000][1.5s] GC(2) Pause Young (Normal) (G1) 99M->19M(2048M) 12.500ms
[2026-11-29T14:21:51.000+0000][8.5s] GC(3) Pause Young (Mixed) (G1) 99M->19M(2048M) 30.000ms
[2026-11-29T14:21:40.000+0000][0.1s] GC(0) Pause Young (Normal) (G1) 9M->1M(2048M) 1.000ms
"""


def test_pauses_are_counted_per_phase(tmp_path: Path) -> None:
    log = tmp_path / "gc.log"
    log.write_text(LOG)
    t0 = datetime(2026, 11, 29, 14, 21, 43, tzinfo=UTC).timestamp()
    pauses = gc_pauses(log, [("drain", t0), ("latency", t0 + 7)])
    assert pauses == {
        "drain": {"pauses": 2, "total_ms": 20.0, "max_ms": 12.5},
        "latency": {"pauses": 1, "total_ms": 30.0, "max_ms": 30.0},
    }
    assert gc_pauses(tmp_path / "missing.log", [("drain", t0)]) == {}
