"""Unwrapped data keys kept in memory, least recently used dropped first."""

from collections import OrderedDict


class KeyCache:
    def __init__(self, size: int) -> None:
        self.size = max(0, size)
        self._keys: OrderedDict[str, bytes] = OrderedDict()

    def get_many(self, owners: list[str]) -> dict[str, bytes]:
        found: dict[str, bytes] = {}
        for owner in owners:
            key = self._keys.get(owner)
            if key is not None:
                self._keys.move_to_end(owner)
                found[owner] = key
        return found

    def remember(self, keys: dict[str, bytes]) -> None:
        if not self.size:
            return
        self._keys.update(keys)
        for owner in keys:
            self._keys.move_to_end(owner)
        while len(self._keys) > self.size:
            self._keys.popitem(last=False)

    def pop(self, owner: str) -> None:
        self._keys.pop(owner, None)

    def clear(self) -> None:
        self._keys.clear()
