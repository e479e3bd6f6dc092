"""Write docs/segment.schema.json: `python -m app.domain.segments.schema_file`."""

from __future__ import annotations

import json
from pathlib import Path

from app.domain.segments import json_schema

PATH = Path(__file__).resolve().parents[3] / "docs" / "segment.schema.json"


def main() -> None:
    PATH.write_text(json.dumps(json_schema(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {PATH}")


if __name__ == "__main__":
    main()
