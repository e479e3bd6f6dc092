"""Whether a blind-index rotation is pending, read at most every few seconds."""

from __future__ import annotations

import time

from app.ports.rekeying import RekeyStore
from app.services.identity.keys import Sealer

#: How long a process trusts what it last read about a finished rotation.
SETTLED_CHECK_SECONDS = 10.0


class RotationWatch:
    """Identifiers may exist under a kid other than the current one while a rotation runs
    (or was left unfinished); the graph records the kid every identifier is keyed under
    once one finishes."""

    def __init__(self, store: RekeyStore, sealer: Sealer) -> None:
        self.store = store
        self.sealer = sealer
        #: (when read, the kid every identifier is known to be keyed under)
        self._settled: tuple[float, str | None] = (float("-inf"), None)

    def recheck(self) -> None:
        """Read the rotation state again next time (a rotation in this process ended)."""
        self._settled = (float("-inf"), None)

    async def pending(self) -> bool:
        """Whether identifiers may exist under a kid other than the current one."""
        if not self.sealer.rotating:
            return False
        now = time.monotonic()
        if now - self._settled[0] > SETTLED_CHECK_SECONDS:
            self._settled = (now, await self.store.settled())
        return self._settled[1] != self.sealer.index.kid
