"""Digests of signed notes, amendments and letters (SHA-256 over canonical bytes).

The canonical form of a note is JSON with sorted keys and no spaces over what was signed:
ids, kind, format, dates, the content, every section (by patient id), the signer and the
signing time. Recomputing it later and comparing with `Note.signed_hash` shows the signed
note is byte-for-byte what was signed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from openiop.delivery.models import Note, NoteAmendment


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def note_payload(
    note: Note,
    sections: list[tuple[int, dict[str, Any]]],
    *,
    signed_by_id: int,
    signed_at: datetime,
) -> dict[str, Any]:
    return {
        "note": note.pk,
        "organization": note.organization_id,
        "kind": note.kind,
        "format": note.format,
        "session": note.session_id,
        "patient": note.patient_id,
        "service_date": note.service_date.isoformat(),
        "duration_minutes": note.duration_minutes,
        "author": note.author_id,
        "content": note.content,
        "sections": [{"patient": pid, "content": content} for pid, content in sorted(sections)],
        "signed_by": signed_by_id,
        "signed_at": signed_at.isoformat(),
    }


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def note_digest(note: Note, sections: list[tuple[int, dict[str, Any]]]) -> str:
    """The digest of a signed note as stored now (its signer and time included)."""
    assert note.signed_by_id is not None and note.signed_at is not None
    return sha256(
        canonical(
            note_payload(note, sections, signed_by_id=note.signed_by_id, signed_at=note.signed_at)
        )
    )


def stored_note_digest(note: Note) -> str:
    """Recompute the digest from the database rows (for verification and tests)."""
    sections = [(s.patient_id, s.content) for s in note.sections.all()]
    return note_digest(note, sections)


def cosign_digest(note: Note, cosigner_id: int, at: datetime) -> str:
    return sha256(
        canonical({"signed_hash": note.signed_hash, "cosigner": cosigner_id, "at": at.isoformat()})
    )


def amendment_digest(amendment: NoteAmendment, note_hash: str) -> str:
    return sha256(
        canonical(
            {
                "note": amendment.note_id,
                "note_hash": note_hash,
                "section_patient": amendment.section_patient_id,
                "reason": amendment.reason,
                "text": amendment.text,
                "author": amendment.author_id,
                "signed_at": amendment.signed_at.isoformat(),
            }
        )
    )


def verify_bytes(data: bytes, digest: str) -> bool:
    """True when `data` has the recorded SHA-256 `digest` (constant-time comparison)."""
    return hmac.compare_digest(sha256(data), digest)
