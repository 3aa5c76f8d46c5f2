"""Placeholder: the chart's Support tab (filled by the needs and peer pages)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from openiop.accounts.models import User
from openiop.patients.models import Patient


def tab(request: HttpRequest, user: User, patient: Patient) -> tuple[str, dict[str, Any]]:
    return "support/chart_tab.html", {}
