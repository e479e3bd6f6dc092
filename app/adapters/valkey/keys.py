"""Every Valkey key the platform writes, named in one place.

All of a workspace's keys start with `cdp:<ws>:`, so one workspace's data can be listed,
purged or wiped by that prefix, and an erasure (`EventStream.purge_mentions`) knows every
stream that may mention a subject. Redis Cluster is not supported: the keys carry no hash tag.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WorkspaceKeys:
    ws: str

    @property
    def prefix(self) -> str:
        return f"cdp:{self.ws}"

    # -- tracking: the event stream and what the resolver keeps beside it -------------------

    @property
    def events(self) -> str:
        """The stream of accepted messages, consumed by the resolvers' group."""
        return f"{self.prefix}:events"

    @property
    def backlog(self) -> str:
        """Messages accepted and not yet written (the back-pressure bound counts these)."""
        return f"{self.prefix}:backlog"

    @property
    def counters(self) -> str:
        """Pipeline counters (a hash): accepted, stored, duplicates, retried, failed..."""
        return f"{self.prefix}:counters"

    def counters_minute(self, minute: int) -> str:
        """The counters of one minute (a hash, epoch minute; expires after two hours)."""
        return f"{self.prefix}:counters:{minute}"

    @property
    def dead_letters(self) -> str:
        return f"{self.prefix}:deadletters"

    @property
    def failures(self) -> str:
        """Attempts per stream entry (a hash), until an entry becomes a dead letter."""
        return f"{self.prefix}:failures"

    @property
    def dedup_prefix(self) -> str:
        """`<prefix><source>:<messageId>`: a message seen within the de-duplication window."""
        return f"{self.prefix}:dedup:"

    # -- changes: the feed and the live notices --------------------------------------------

    @property
    def changes(self) -> str:
        """The change feed (a stream): notices of what changed on profiles."""
        return f"{self.prefix}:changes"

    @property
    def profile_notices(self) -> str:
        """The pub/sub channel of `profileUpdated` subscribers."""
        return f"{self.prefix}:profiles"

    @property
    def segment_events(self) -> str:
        """Profiles entering and leaving segments (a stream)."""
        return f"{self.prefix}:segment-events"

    # -- destinations ----------------------------------------------------------------------

    def destination(self, name: str, part: str) -> str:
        """A destination's `outbox`, `dead` letters or `stats`."""
        return f"{self.prefix}:dest:{name}:{part}"

    @property
    def destination_pattern(self) -> str:
        """A SCAN pattern matching every destination key of the workspace."""
        return f"{self.prefix}:dest:*"

    # -- jobs ------------------------------------------------------------------------------

    @property
    def job_queue(self) -> str:
        """The workspace's arq queue: a worker runs only its own workspace's jobs."""
        return f"{self.prefix}:arq:queue"

    def rotation_progress(self, kind: str) -> str:
        """Counts of a running rotation (`kek` or `blind_index`), a hash."""
        return f"{self.prefix}:rotation:{kind}"

    @property
    def streams_naming_people(self) -> tuple[str, ...]:
        """The streams besides destinations' whose entries may name a profile or an identifier
        key (an erasure purges its subject's mentions from them)."""
        return (self.changes, self.segment_events)
