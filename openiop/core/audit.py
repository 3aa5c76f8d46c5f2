"""Writing and verifying the hash-chained audit trail.

`record()` must be called inside the same transaction as the write it describes, so the
event exists if and only if the change does. Views of patient data call it too.
Digest: HMAC-SHA256(key, prev_hash || canonical JSON of the event), key from AUDIT_HMAC_KEY
(falls back to a key derived from SECRET_KEY). A keyed digest means someone with database
access but not the key cannot rewrite the chain to hide an edit.

What the chain alone cannot show is a cut tail: delete the last events, copy the new last
event's digest into the head row (no key needed) and the rest still verifies. A *checkpoint*
closes that gap: a small file, signed with the same key, naming the head's sequence number and
digest at a moment in time. Kept where the database's users cannot change it (write-once
storage), it lets `verify` prove that the chain still reaches that event unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.http import HttpRequest
from django.utils import timezone

from openiop.core import clientip
from openiop.core.models import AuditAction, AuditEvent, AuditHead

if TYPE_CHECKING:
    from openiop.accounts.models import User

GENESIS = "0" * 64


def _key() -> bytes:
    explicit = os.environ.get("AUDIT_HMAC_KEY", "")
    if explicit:
        return explicit.encode()
    return hashlib.sha256(b"openiop-audit:" + settings.SECRET_KEY.encode()).digest()


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "seq": event.seq,
        "organization": event.organization_id_value,
        "occurred_at": event.occurred_at.isoformat(),
        "user": event.user_id_value,
        "username": event.username,
        "patient": event.patient_id_value,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "fields": list(event.fields or []),
        "client_ip": event.client_ip,
        "break_glass": bool(event.break_glass),
        "part2": bool(event.part2),
        "detail": event.detail,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def compute_hash(prev_hash: str, event: AuditEvent) -> str:
    return hmac.new(_key(), prev_hash.encode() + _canonical(event), hashlib.sha256).hexdigest()


def client_ip(request: HttpRequest | None) -> str:
    """The client's address (behind the TLS proxy, the one the proxy saw)."""
    if request is None:
        return ""
    return clientip.client_ip(request)


def record(
    *,
    actor: User | None,
    action: str,
    patient: Any = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    fields: Sequence[str] = (),
    request: HttpRequest | None = None,
    detail: str = "",
    break_glass: bool = False,
    part2: bool | None = None,
    organization_id: int | None = None,
) -> AuditEvent:
    """Append one event to the chain. Call inside the transaction of the audited write."""
    if action not in AuditAction.values:
        raise ValueError(f"unknown audit action {action!r}")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    if request is not None and not break_glass:
        break_glass = bool(getattr(request, "break_glass_active", False))
    patient_id = getattr(patient, "pk", patient)
    organization_id = (
        organization_id
        or getattr(actor, "organization_id", None)
        or getattr(patient, "organization_id", None)
    )
    with transaction.atomic():
        head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
        event = AuditEvent(
            seq=head.seq + 1,
            organization_id_value=organization_id,
            occurred_at=timezone.now(),
            user_id_value=getattr(actor, "pk", None),
            username=getattr(actor, "username", "") or "",
            patient_id_value=patient_id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            fields=sorted(fields),
            client_ip=client_ip(request),
            break_glass=break_glass,
            part2=bool(patient_id) if part2 is None else part2,
            detail=detail[:500],
            prev_hash=head.hash,
        )
        event.hash = compute_hash(head.hash, event)
        event.save(force_insert=True)
        head.seq = event.seq
        head.hash = event.hash
        head.save(update_fields=["seq", "hash"])
    return event


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def _walk(events: Iterable[AuditEvent]) -> Iterator[tuple[AuditEvent, str | None]]:
    prev_hash = GENESIS
    expected_seq = 1
    for event in events:
        if event.seq != expected_seq:
            yield (
                event,
                (f"sequence gap or insertion: expected #{expected_seq}, found #{event.seq}"),
            )
            return
        if event.prev_hash != prev_hash:
            yield event, "link to the previous event is broken (row inserted, deleted or moved)"
            return
        if compute_hash(prev_hash, event) != event.hash:
            yield event, "content does not match its digest (row edited)"
            return
        yield event, None
        prev_hash = event.hash
        expected_seq += 1


def verify() -> VerifyResult:
    """Walk the whole chain in order; report the first event that fails."""
    checked = 0
    last: AuditEvent | None = None
    for event, problem in _walk(AuditEvent.objects.order_by("seq", "id").iterator(2000)):
        if problem:
            return VerifyResult(False, checked, event.seq, problem)
        checked += 1
        last = event
    head = AuditHead.objects.filter(pk=1).first()
    head_seq = head.seq if head else 0
    head_hash = head.hash if head else GENESIS
    last_seq = last.seq if last else 0
    last_hash = last.hash if last else GENESIS
    if head_seq != last_seq or head_hash != last_hash:
        return VerifyResult(
            False,
            checked,
            last_seq + 1,
            f"chain ends at #{last_seq} but the head records #{head_seq} (events removed "
            "from the end, or the head was altered)",
        )
    return VerifyResult(True, checked)


# --- Checkpoints ----------------------------------------------------------------------------

CHECKPOINT_FORMAT = "openiop-audit-checkpoint/1"
CHECKPOINT_MAX_BYTES = 4096
_HEX64 = frozenset("0123456789abcdef")


class CheckpointFormatError(ValueError):
    """The checkpoint file is not a well-formed checkpoint (says what is wrong)."""


class CheckpointHeadError(RuntimeError):
    """The head row does not match the event it names, so there is nothing sound to sign."""


@dataclass(frozen=True)
class Checkpoint:
    sequence: int
    digest: str
    created_at: str
    signature: str = ""

    def _signed_fields(self) -> dict[str, Any]:
        return {
            "format": CHECKPOINT_FORMAT,
            "sequence": self.sequence,
            "digest": self.digest,
            "created_at": self.created_at,
        }

    def expected_signature(self) -> str:
        """HMAC-SHA256 with the chain's key over the canonical JSON of every other field."""
        canonical = json.dumps(self._signed_fields(), sort_keys=True, separators=(",", ":"))
        return hmac.new(_key(), canonical.encode(), hashlib.sha256).hexdigest()

    def signature_ok(self) -> bool:
        return hmac.compare_digest(self.expected_signature(), self.signature)

    def to_json(self) -> str:
        return json.dumps({**self._signed_fields(), "signature": self.signature}, indent=2) + "\n"


def checkpoint_create() -> Checkpoint:
    """A signed checkpoint of the chain's head as it is now.

    Refuses (CheckpointHeadError) when the head names an event that is missing or has another
    digest: signing that state would vouch for a chain that is already inconsistent.
    """
    head = AuditHead.objects.filter(pk=1).first()
    seq, digest = (head.seq, head.hash) if head else (0, GENESIS)
    if seq:
        last = AuditEvent.objects.filter(seq=seq).values_list("hash", flat=True).first()
        if last != digest:
            raise CheckpointHeadError(
                f"the head records #{seq} but that event is missing or has another digest; "
                "run `audit verify`"
            )
    unsigned = Checkpoint(seq, digest, timezone.now().isoformat())
    return replace(unsigned, signature=unsigned.expected_signature())


def checkpoint_parse(text: str) -> Checkpoint:
    """Read a checkpoint file's text; CheckpointFormatError names the first problem."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CheckpointFormatError(f"not JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise CheckpointFormatError("not a JSON object")
    expected = {"format", "sequence", "digest", "created_at", "signature"}
    if set(data) != expected:
        missing, extra = expected - set(data), set(data) - expected
        raise CheckpointFormatError(
            "fields differ from the format"
            + (f"; missing: {', '.join(sorted(missing))}" if missing else "")
            + (f"; unexpected: {', '.join(sorted(extra))}" if extra else "")
        )
    if data["format"] != CHECKPOINT_FORMAT:
        raise CheckpointFormatError(f"format is {data['format']!r}, expected {CHECKPOINT_FORMAT!r}")
    seq = data["sequence"]
    if type(seq) is not int or seq < 0:
        raise CheckpointFormatError("sequence is not a whole number >= 0")
    for name in ("digest", "signature"):
        value = data[name]
        if not isinstance(value, str) or len(value) != 64 or not set(value) <= _HEX64:
            raise CheckpointFormatError(f"{name} is not 64 lowercase hexadecimal digits")
    created_at = data["created_at"]
    try:
        when = datetime.fromisoformat(created_at) if isinstance(created_at, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise CheckpointFormatError("created_at is not an ISO 8601 date-time with a UTC offset")
    return Checkpoint(seq, data["digest"], created_at, data["signature"])


def checkpoint_problem(checkpoint: Checkpoint) -> str:
    """Why the chain in the database does not reach `checkpoint` unchanged ("" if it does).

    Checks one row: the walk of `verify()` proves every link up to the head, so an event
    whose digest matches the checkpoint also vouches for every event before it.
    """
    if checkpoint.sequence == 0:
        return ""
    digest = (
        AuditEvent.objects.filter(seq=checkpoint.sequence).values_list("hash", flat=True).first()
    )
    if digest is None:
        return (
            f"the chain no longer reaches checkpoint seq {checkpoint.sequence}: "
            "events deleted from the end or table emptied"
        )
    if not hmac.compare_digest(digest, checkpoint.digest):
        return (
            f"event #{checkpoint.sequence} differs from the checkpoint: events were deleted "
            "from the end and new ones written in their place"
        )
    return ""
