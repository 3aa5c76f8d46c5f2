"""Forms of the measurement-based care settings. They parse and check input shape; rules live
in ``measures.services``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms


class MeasureScheduleForm(forms.Form):
    def __init__(self, *args: Any, instruments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for iid, name in instruments:
            self.fields[iid] = forms.IntegerField(
                required=False, min_value=1, max_value=26, label=f"{name}: every N weeks"
            )

    def schedule(self) -> dict[str, int]:
        return {k: v for k, v in self.cleaned_data.items() if v}


class ReliabilityForm(forms.Form):
    instrument = forms.ChoiceField(choices=())
    sd = forms.DecimalField(label="Standard deviation", min_value=Decimal("0.1"), max_value=100)
    reliability = forms.DecimalField(
        min_value=0, max_value=Decimal("0.999"), decimal_places=3, help_text="For example 0.89."
    )
    source = forms.CharField(max_length=300, help_text="Where the values come from.")

    def __init__(self, *args: Any, instruments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["instrument"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = instruments
