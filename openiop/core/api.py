"""API plumbing shared by every app: the permission and problem-style JSON errors.

Errors follow RFC 9457 (problem details) in spirit: `{"title", "status", "errors"}` where
`errors` maps each field to its messages, so a client can show them next to the inputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from openiop.core.access import is_verified_staff

if TYPE_CHECKING:
    from rest_framework.views import APIView


class IsVerifiedStaff(BasePermission):
    """Authenticated staff who passed TOTP; objects are checked by core.access getters."""

    message = "Multi-factor verification is required."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_verified_staff(request.user)  # type: ignore[arg-type]


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    from rest_framework.views import exception_handler

    response = exception_handler(exc, context)
    if response is None:
        return None
    code = response.status_code
    data = response.data
    body: dict[str, Any] = {"status": code}
    if isinstance(exc, exceptions.ValidationError):
        body["title"] = "Invalid input"
        body["errors"] = data if isinstance(data, dict) else {"non_field_errors": data}
    else:
        detail = data.get("detail") if isinstance(data, dict) else data
        body["title"] = str(detail) if detail else status.HTTP_400_BAD_REQUEST
    response.data = body
    response["Content-Type"] = "application/problem+json"
    return response
