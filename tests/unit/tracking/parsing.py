"""What the tracking-parse tests share: a receipt at a fixed time and the refusal a call raises."""

from __future__ import annotations

from typing import Any

import pytest

from app.domain.tracking.parse import Receipt, TrackingError

NOW = 1_700_000_000.0  # 2023-11-14T22:13:20Z
RECEIPT = Receipt("src-1", NOW, horizon_days=365)


def refusal(call: Any, *args: Any) -> TrackingError:
    """The error `call(*args)` refuses its input with."""
    with pytest.raises(TrackingError) as caught:
        call(*args)
    return caught.value
