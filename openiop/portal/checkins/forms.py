"""The daily check-in form. Every item is required; the service names what is missing too, so
a missing answer is never counted as zero or "no"."""

from __future__ import annotations

from typing import Any

from django import forms

from openiop.portal.checkins.services import CRAVING_MAX, ITEM_NAMES
from openiop.portal.models import Mood, Sleep

YES_NO = [("yes", "Yes"), ("no", "No")]


def _required(key: str) -> dict[str, str]:
    return {"required": f"Answer this question: {ITEM_NAMES[key]}"}


def _craving_choices() -> list[tuple[str, str]]:
    labels = {0: "0 (none)", CRAVING_MAX: f"{CRAVING_MAX} (worst)"}
    return [(str(n), labels.get(n, str(n))) for n in range(CRAVING_MAX + 1)]


class DailyCheckInForm(forms.Form):
    craving = forms.ChoiceField(
        label=ITEM_NAMES["craving"],
        choices=_craving_choices(),
        widget=forms.RadioSelect,
        error_messages=_required("craving"),
        help_text="0 means no craving at all, 10 the worst craving you can imagine.",
    )
    mood = forms.ChoiceField(
        label=ITEM_NAMES["mood"],
        choices=[(str(v), label) for v, label in Mood.choices],
        widget=forms.RadioSelect,
        error_messages=_required("mood"),
    )
    sleep = forms.ChoiceField(
        label=ITEM_NAMES["sleep"],
        choices=[(str(v), label) for v, label in Sleep.choices],
        widget=forms.RadioSelect,
        error_messages=_required("sleep"),
    )
    used = forms.ChoiceField(
        label=ITEM_NAMES["used"],
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages=_required("used"),
    )
    need_to_talk = forms.ChoiceField(
        label=ITEM_NAMES["need_to_talk"],
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages=_required("need_to_talk"),
        help_text="If you answer yes, your care team is told at once and will contact you today.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.error_messages["invalid_choice"] = (
                f"Choose one of the answers offered: {ITEM_NAMES[name]}"
            )

    def answers(self) -> dict[str, object]:
        return {name: self.cleaned_data[name] for name in ITEM_NAMES}


def initial_from(checkin: Any) -> dict[str, str]:
    """Today's earlier answers, to change them."""
    if checkin is None:
        return {}
    return {
        "craving": str(checkin.craving),
        "mood": str(checkin.mood),
        "sleep": str(checkin.sleep),
        "used": "yes" if checkin.used else "no",
        "need_to_talk": "yes" if checkin.need_to_talk else "no",
    }
