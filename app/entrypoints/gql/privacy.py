"""Consent, erasure, subject access, retention and the audit log (for privacy officers)."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from app.entrypoints.gql.consent_types import ConsentDecision, ConsentVerdict, Purpose
from app.entrypoints.gql.context import CanHandlePrivacy, CanRead, Context
from app.entrypoints.gql.types import (
    IdentifierInput,
    IdentifierNotFound,
    InvalidIdentifier,
    ProfileNotFound,
)
from app.errors import InvalidInput, NotFound
from app.ports.audit import AuditEntry as AuditEntryView
from app.services.privacy.erasure import ErasurePreview as PreviewView
from app.services.privacy.erasure import ErasureStatus as StatusView


@strawberry.type(description="A consent decision was recorded.")
class ConsentRecorded:
    profile_id: str = strawberry.field(description="The active profile it applies to")
    decision: ConsentDecision


@strawberry.type(description="The consent request is malformed (purpose, expiry, target).")
class InvalidConsent:
    message: str


ConsentResult = Annotated[
    ConsentRecorded | IdentifierNotFound | ProfileNotFound | InvalidConsent | InvalidIdentifier,
    strawberry.union("ConsentResult"),
]


@strawberry.type(description="What an erasure would delete, and what it would only unlink.")
class ErasurePreview:
    profile_id: str
    merged_profiles: int = strawberry.field(description="Profiles merged into it, deleted too")
    identifiers: JSON = strawberry.field(description="Identifiers deleted, counted by type")
    shared: JSON = strawberry.field(
        description="Identifiers shared with someone else: unlinked and kept, by type"
    )
    events: int
    observations: int = strawberry.field(description="Trait observations deleted")
    consents: int = strawberry.field(description="Consent decisions deleted")

    @classmethod
    def from_view(cls, v: PreviewView) -> ErasurePreview:
        return cls(
            profile_id=v.profile_id,
            merged_profiles=v.merged_profiles,
            identifiers=JSON(v.identifiers),
            shared=JSON(v.shared),
            events=v.events,
            observations=v.observations,
            consents=v.consents,
        )


@strawberry.type(description="An erasure request and, once completed, its receipt (no PII).")
class Erasure:
    id: str
    status: str = strawberry.field(description="requested, running, completed or failed")
    requested_at: float
    requested_by: str
    reason: str
    started_at: float | None
    completed_at: float | None
    error: str | None = strawberry.field(description="The kind of error a failed run met")
    counts: JSON = strawberry.field(description="What was deleted, unlinked and destroyed")

    @classmethod
    def from_view(cls, v: StatusView) -> Erasure:
        return cls(
            id=v.id,
            status=v.status,
            requested_at=v.requested_at,
            requested_by=v.requested_by,
            reason=v.reason,
            started_at=v.started_at,
            completed_at=v.completed_at,
            error=v.error,
            counts=JSON(v.counts),
        )


PreviewResult = Annotated[
    ErasurePreview | IdentifierNotFound | InvalidIdentifier, strawberry.union("PreviewResult")
]
ErasureResult = Annotated[
    Erasure | IdentifierNotFound | InvalidIdentifier, strawberry.union("ErasureResult")
]


@strawberry.type(description="Everything held on a person, decrypted (subject access).")
class SubjectExport:
    document: JSON = strawberry.field(
        description="Profile, identifiers, traits with provenance, consents and events"
    )


ExportResult = Annotated[
    SubjectExport | IdentifierNotFound | InvalidIdentifier, strawberry.union("ExportResult")
]


@strawberry.type(description="A privacy-relevant action: who, what, when; never a value.")
class AuditEntry:
    id: str
    at: float
    actor: str
    action: str
    target: str | None = strawberry.field(description="A profile, erasure or source id")
    details: JSON

    @classmethod
    def from_view(cls, v: AuditEntryView) -> AuditEntry:
        return cls(
            id=v.id,
            at=v.at,
            actor=v.actor,
            action=v.action,
            target=v.target,
            details=JSON(v.details),
        )


@strawberry.type
class PrivacyQuery:
    @strawberry.field(
        description="Consent purposes of the workspace.", permission_classes=[CanRead]
    )
    async def purposes(self, info: Info[Context, Any]) -> list[Purpose]:
        return [Purpose.from_view(p) for p in await info.context.container.consent.purposes()]

    @strawberry.field(
        description="May this profile be used for this purpose now? The answer and its reason.",
        permission_classes=[CanRead],
    )
    async def may_use(
        self, info: Info[Context, Any], profile_id: str, purpose: str
    ) -> ConsentVerdict:
        verdict = await info.context.container.consent.may_use(profile_id, purpose)
        return ConsentVerdict.from_verdict(verdict)

    @strawberry.field(
        description="What erasing this identifier's subject would delete; changes nothing.",
        permission_classes=[CanHandlePrivacy],
    )
    async def preview_erasure(
        self, info: Info[Context, Any], identifier: IdentifierInput
    ) -> PreviewResult:
        try:
            view = await info.context.container.erasure.preview(identifier.type, identifier.value)
        except InvalidInput as exc:
            return InvalidIdentifier(message=str(exc))
        except NotFound as exc:
            return IdentifierNotFound(message=str(exc))
        return ErasurePreview.from_view(view)

    @strawberry.field(
        description="An erasure request or receipt by id.", permission_classes=[CanHandlePrivacy]
    )
    async def erasure(self, info: Info[Context, Any], id: str) -> Erasure | None:
        view = await info.context.container.erasure.status(id)
        return Erasure.from_view(view) if view else None

    @strawberry.field(
        description="The newest erasure requests and receipts.",
        permission_classes=[CanHandlePrivacy],
    )
    async def erasures(self, info: Info[Context, Any], limit: int = 50) -> list[Erasure]:
        views = await info.context.container.erasure.recent(limit)
        return [Erasure.from_view(v) for v in views]

    @strawberry.field(
        description="The audit log of privacy-relevant actions, newest first.",
        permission_classes=[CanHandlePrivacy],
    )
    async def audit_log(
        self,
        info: Info[Context, Any],
        limit: int = 100,
        action: str | None = None,
        before: float | None = None,
    ) -> list[AuditEntry]:
        entries = await info.context.container.audit.entries(limit, action, before)
        return [AuditEntry.from_view(e) for e in entries]


@strawberry.type
class PrivacyMutation:
    @strawberry.mutation(
        description="Record an explicit consent decision on an identifier or a profile.",
        permission_classes=[CanHandlePrivacy],
    )
    async def set_consent(
        self,
        info: Info[Context, Any],
        purpose: str,
        granted: bool,
        identifier: IdentifierInput | None = None,
        profile_id: str | None = None,
        expires_at: float | None = None,
        # Not `source`: strawberry's permission extension takes that name.
        decided_by: Annotated[
            str | None,
            strawberry.argument(name="source", description="Where it came from; 'manual'"),
        ] = None,
    ) -> ConsentResult:
        try:
            active, decision = await info.context.container.consent.set_consent(
                profile_id=profile_id,
                identifier=(identifier.type, identifier.value) if identifier else None,
                purpose=purpose,
                granted=granted,
                expires_at=expires_at,
                source=decided_by,
                by=info.context.actor,
            )
        except InvalidInput as exc:
            return InvalidConsent(message=str(exc))
        except NotFound as exc:
            if identifier is not None:
                return IdentifierNotFound(message=str(exc))
            return ProfileNotFound(message=str(exc))
        return ConsentRecorded(profile_id=active, decision=ConsentDecision.from_decision(decision))

    @strawberry.mutation(
        description="Add or update a consent purpose (name, description, default).",
        permission_classes=[CanHandlePrivacy],
    )
    async def set_purpose(
        self,
        info: Info[Context, Any],
        name: str,
        description: str = "",
        default_granted: bool = False,
    ) -> Purpose:
        view = await info.context.container.consent.add_purpose(
            name, description, default_granted, by=info.context.actor
        )
        return Purpose.from_view(view)

    @strawberry.mutation(
        description="Erase the subject this identifier belongs to: starts a job and returns "
        "its request (poll `erasure(id)`).",
        permission_classes=[CanHandlePrivacy],
    )
    async def erase_subject(
        self, info: Info[Context, Any], identifier: IdentifierInput, reason: str = ""
    ) -> ErasureResult:
        container = info.context.container

        try:
            view = await container.erasure.request(
                identifier.type,
                identifier.value,
                info.context.actor,
                reason,
                container.enqueue_erasure,
            )
        except InvalidInput as exc:
            return InvalidIdentifier(message=str(exc))
        except NotFound as exc:
            return IdentifierNotFound(message=str(exc))
        return Erasure.from_view(view)

    @strawberry.mutation(
        description="Everything held on the subject this identifier belongs to, decrypted.",
        permission_classes=[CanHandlePrivacy],
    )
    async def export_subject(
        self, info: Info[Context, Any], identifier: IdentifierInput
    ) -> ExportResult:
        try:
            document = await info.context.container.exporter.export(
                identifier.type, identifier.value, info.context.actor
            )
        except InvalidInput as exc:
            return InvalidIdentifier(message=str(exc))
        except NotFound as exc:
            return IdentifierNotFound(message=str(exc))
        return SubjectExport(document=JSON(document))

    @strawberry.mutation(
        description="Lift the suppression of an erased identifier (the person came back and "
        "consented); returns whether one existed.",
        permission_classes=[CanHandlePrivacy],
    )
    async def unsuppress_identifier(
        self, info: Info[Context, Any], identifier: IdentifierInput
    ) -> bool:
        return await info.context.container.erasure.unsuppress(
            identifier.type, identifier.value, info.context.actor
        )

    @strawberry.mutation(
        description="A source's event retention in days; null: the workspace default.",
        permission_classes=[CanHandlePrivacy],
    )
    async def set_source_retention(
        self, info: Info[Context, Any], source_id: str, days: int | None
    ) -> bool:
        await info.context.container.retention.set_source_retention(
            source_id, days, by=info.context.actor
        )
        return True
