"""The project's error tree.

Services raise these; the HTTP and GraphQL layers turn them into 4xx answers or typed results.
No subclass carries personal data in its message.
"""


class CdpError(Exception):
    """Root of every error the platform raises on purpose."""


class ConfigurationError(CdpError):
    """Settings or rules are invalid; the platform refuses to start with them."""


class InvalidInput(CdpError):
    """A caller sent something malformed; the message names the problem (never the value)."""


class NotFound(CdpError):
    """The thing asked for does not exist in this workspace."""


class Unauthorized(CdpError):
    """Missing or wrong credentials."""


class Forbidden(CdpError):
    """Valid credentials without the right to do this."""


class Conflict(CdpError):
    """The request contradicts a rule of the identity graph (for example a type cap)."""


class DeliveryFailed(CdpError):
    """An outbound delivery (a webhook, a destination's batch) was not accepted after its
    retries, or has nowhere to go."""


class Unavailable(CdpError):
    """A backing service (Neo4j, Valkey, the key store) does not answer."""


class LocalServiceError(CdpError):
    """A local development service (Neo4j, Valkey) could not be fetched, started or stopped."""


class BackupError(CdpError):
    """A backup could not be taken, or a backup is refused (incomplete, altered, unreadable
    with the configured KEK); the message names the file or the setting concerned."""
