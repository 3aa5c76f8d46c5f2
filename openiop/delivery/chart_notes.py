"""Chart tab "notes": group notes this patient attended (the group part and only their own
section) and their individual notes, with amendments to those parts.

The patient has already been authorized and the view audited (patients.views)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from openiop.delivery import access as delivery_access
from openiop.delivery import formats, selectors
from openiop.delivery.forms import INDIVIDUAL_FORMATS
from openiop.patients.models import Patient


def tab(request: HttpRequest, user: Any, patient: Patient) -> tuple[str, dict[str, Any]]:
    rows = []
    for item in selectors.chart_notes(patient):
        note = item.note
        fields = formats.fields_for(note.format)
        section = []
        if item.section is not None:
            for f in formats.SECTION:
                value = item.section.content.get(f.key, "")
                section.append((f.label, dict(f.choices).get(value, value) if f.choices else value))
        rows.append(
            {
                "note": note,
                "content": [(f.label, note.content.get(f.key, "")) for f in fields],
                "section": section,
                "amendments": item.amendments,
            }
        )
    return "delivery/partials/chart_notes.html", {
        "chart_notes": rows,
        "can_note": delivery_access.can_author_notes(user),
        "note_formats": INDIVIDUAL_FORMATS,
    }
