"""Forms of the partner directory and the referral pages (parsing only; the services check)."""

from __future__ import annotations

from typing import Any

from django import forms

from openiop.core.converters import MAX_ID
from openiop.support.models import Language, NeedKind, ReferralOutcome, ReferralStatus

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SERVICE_ROWS = 5  # service rows shown on the partner form (blank rows are ignored)


class PartnerSearchForm(forms.Form):
    text = forms.CharField(label="Name", max_length=100, required=False)
    kind = forms.ChoiceField(
        label="Kind of help", choices=[("", "Any"), *NeedKind.choices], required=False
    )
    language = forms.ChoiceField(
        label="Language", choices=[("", "Any"), *Language.choices], required=False
    )


class PartnerForm(forms.Form):
    name = forms.CharField(max_length=200)
    contact_name = forms.CharField(label="Contact person", max_length=200, required=False)
    phone = forms.CharField(max_length=30, required=False)
    email = forms.EmailField(label="E-mail", required=False)
    website = forms.URLField(required=False, assume_scheme="https")
    address = forms.CharField(max_length=300, required=False)
    city = forms.CharField(max_length=100, required=False)
    state = forms.CharField(max_length=2, required=False)
    zip_code = forms.CharField(label="ZIP code", max_length=10, required=False)
    eligibility = forms.CharField(
        label="Who they serve",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    languages = forms.MultipleChoiceField(
        choices=Language.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    active = forms.BooleanField(label="Takes referrals now", required=False)
    facility: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label="Matching entry in the public treatment directory (optional)",
        queryset=None,
        required=False,
        empty_label="None",
    )

    def __init__(self, *args: Any, facilities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["facility"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = facilities
        field.label_from_instance = lambda f: f"{f.name} ({f.city}, {f.state})"  # type: ignore[method-assign,assignment]


class ServiceRowForm(forms.Form):
    pk = forms.IntegerField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label="Kind of help", choices=[("", "—"), *NeedKind.choices], required=False
    )
    name = forms.CharField(label="Service", max_length=200, required=False)
    eligibility = forms.CharField(label="Who can use it", max_length=1000, required=False)
    remove = forms.BooleanField(label="Remove", required=False)


ServiceRows = forms.formset_factory(ServiceRowForm, extra=0, max_num=50)


class ReferForm(forms.Form):
    partner: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=None, empty_label=None, widget=forms.RadioSelect
    )
    service = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    message = forms.CharField(
        label="What help is asked of the partner",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    follow_up_on = forms.DateField(label="Follow up on", widget=DATE)
    check = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, partners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["partner"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = partners
        field.label_from_instance = lambda p: str(p.name)  # type: ignore[method-assign,assignment]


class ChangeForm(forms.Form):
    expected_status = forms.CharField(widget=forms.HiddenInput, required=False)
    to_status = forms.ChoiceField(label="What happened", choices=[])
    occurred_on = forms.DateField(label="On", widget=DATE)
    declined_reason = forms.CharField(label="Why it was declined", max_length=500, required=False)
    outcome = forms.ChoiceField(
        label="Was the need resolved?",
        choices=[("", "—"), *[c for c in ReferralOutcome.choices if c[0]]],
        required=False,
    )
    note = forms.CharField(
        max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(ReferralStatus.choices)
        field = self.fields["to_status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s, labels[s]) for s in allowed]


class FollowUpForm(forms.Form):
    expected_status = forms.CharField(widget=forms.HiddenInput, required=False)
    follow_up_on = forms.DateField(label="New follow-up day", widget=DATE)
    note = forms.CharField(max_length=1000, required=False)


class PartnerChangeForm(forms.Form):
    to_status = forms.ChoiceField(label="What happened", choices=[])
    occurred_on = forms.DateField(label="On", widget=DATE)
    partner_person = forms.CharField(label="Your name", max_length=200)
    declined_reason = forms.CharField(
        label="If you cannot help: why", max_length=500, required=False
    )
    note = forms.CharField(
        label="Note for the program",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, allowed: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels: dict[str, str] = {
            ReferralStatus.RECEIVED: "We received it",
            ReferralStatus.ACCEPTED: "We can help (accepted)",
            ReferralStatus.DECLINED: "We cannot help (declined)",
            ReferralStatus.DELIVERED: "The service was given",
        }
        field = self.fields["to_status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(s, labels.get(s, s)) for s in allowed]


class WorkListForm(forms.Form):
    overdue = forms.BooleanField(label="Overdue only", required=False)
    partner = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput
    )
    status = forms.ChoiceField(
        label="Status",
        choices=[
            ("", "Any open"),
            *[
                (s.value, s.label)
                for s in ReferralStatus
                if s
                in (
                    ReferralStatus.SENT,
                    ReferralStatus.RECEIVED,
                    ReferralStatus.ACCEPTED,
                    ReferralStatus.DELIVERED,
                )
            ],
        ],
        required=False,
    )
