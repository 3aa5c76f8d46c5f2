"""Structured note formats: the fields each format has, in order, with their labels.

Group notes have a group part (topic, interventions, group summary) written once and an
individual section per attendee (participation, response, progress on their plan's goals).
Individual counselling notes use DAP, BIRP or SOAP, the structures documentation guides
for behavioural health commonly teach [R: common practice, not a regulation; verify
against your payer's documentation rules].
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NoteField:
    key: str
    label: str
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int = 4000


GROUP_PART = (
    NoteField("topic", "Topic", "Curriculum topic of the session.", max_length=200),
    NoteField("interventions", "Interventions", "What the counselor did (e.g. CBT skills, MI)."),
    NoteField(
        "summary",
        "Group summary",
        "What happened in the group, without naming or describing other patients.",
    ),
)

PARTICIPATION_CHOICES = (
    ("active", "Active"),
    ("prompted", "Engaged when prompted"),
    ("minimal", "Minimal"),
    ("none", "Did not participate"),
)

SECTION = (
    NoteField("participation", "Participation", choices=PARTICIPATION_CHOICES, max_length=20),
    NoteField("response", "Response", "How the patient responded to the interventions."),
    NoteField("progress", "Progress on plan goals", "Progress on their treatment plan's goals."),
)

INDIVIDUAL: dict[str, tuple[NoteField, ...]] = {
    "dap": (
        NoteField("data", "Data", "Observations and what the patient said."),
        NoteField("assessment", "Assessment", "Clinical interpretation."),
        NoteField("plan", "Plan", "Next steps, homework, next session."),
    ),
    "birp": (
        NoteField("behavior", "Behaviour", "Presentation and reported behaviour."),
        NoteField("intervention", "Intervention", "What the counselor did."),
        NoteField("response", "Response", "How the patient responded."),
        NoteField("plan", "Plan", "Next steps."),
    ),
    "soap": (
        NoteField("subjective", "Subjective", "What the patient reported."),
        NoteField("objective", "Objective", "Observations, measures, screens."),
        NoteField("assessment", "Assessment", "Clinical interpretation."),
        NoteField("plan", "Plan", "Next steps."),
    ),
    # A prescriber's medication management visit: the SOAP structure with the medication list
    # and the changes made written out, so they can be shown on the chart.
    "med": (
        NoteField("subjective", "Subjective", "Symptoms, cravings, side effects, adherence."),
        NoteField("objective", "Objective", "Vital signs, observations, screens."),
        NoteField(
            "medications",
            "Current medications",
            "One per line: name, dose, route, frequency.",
        ),
        NoteField(
            "changes",
            "Medication changes",
            "Started, stopped or changed today, one per line (write 'None' if none).",
        ),
        NoteField("plan", "Plan", "Next visit, labs, what the patient was told."),
    ),
}


def fields_for(note_format: str) -> tuple[NoteField, ...]:
    """The note-level fields of a format ("group" gives the group part)."""
    if note_format == "group":
        return GROUP_PART
    return INDIVIDUAL[note_format]


def clean_content(
    fields: tuple[NoteField, ...], data: dict[str, object], *, complete: bool, prefix: str = ""
) -> tuple[dict[str, str], dict[str, str]]:
    """Keep only the format's keys as stripped strings; return (content, errors by field).
    With `complete`, every field must be filled (signing needs a whole note)."""
    content: dict[str, str] = {}
    errors: dict[str, str] = {}
    for field in fields:
        raw = data.get(field.key, "")
        value = raw.strip() if isinstance(raw, str) else ""
        name = f"{prefix}{field.key}"
        if field.choices and value and value not in dict(field.choices):
            errors[name] = "Choose one of the options."
            continue
        if len(value) > field.max_length:
            errors[name] = f"At most {field.max_length} characters."
            continue
        if complete and not value:
            errors[name] = f"{field.label} is needed to sign."
            continue
        content[field.key] = value
    return content, errors
