"""API plumbing shared by every app: the permission and problem-style JSON errors.

Every error is a problem details object (RFC 9457, https://www.rfc-editor.org/rfc/rfc9457),
served as `application/problem+json`: `{"type", "title", "status", "detail"}` plus, for invalid
input, `errors` mapping each field to its messages so a client can show them next to the inputs.
This handler is the one place that maps refusals (403/404), DRF validation errors and the
services' Django `ValidationError`s to those responses: an API view calls its service and lets
the exception through. Where the API names a field differently from the service, the call sits
in `with api_field_names({...}):`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from openiop.core.access import is_verified_staff
from openiop.core.forms import rename_fields

if TYPE_CHECKING:
    from rest_framework.views import APIView


class IsVerifiedStaff(BasePermission):
    """Authenticated staff who passed TOTP; objects are checked by core.access getters."""

    message = "Multi-factor verification is required."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_verified_staff(request.user)


@contextmanager
def api_field_names(names: Mapping[str, str]) -> Iterator[None]:
    """A service's ValidationError raised inside the block names the API's fields (`names`
    maps the service's name to the API's); the handler below answers it as usual."""
    try:
        yield
    except DjangoValidationError as exc:
        raise rename_fields(exc, names) from exc


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    from rest_framework.views import exception_handler

    response = exception_handler(exc, context)
    if response is None:
        return None
    code = response.status_code
    data = response.data
    body: dict[str, Any] = {"type": "about:blank", "status": code}
    if isinstance(exc, exceptions.ValidationError):
        body["title"] = "Invalid input"
        body["detail"] = "Some fields are not valid; see errors."
        body["errors"] = data if isinstance(data, dict) else {"non_field_errors": data}
    else:
        detail = data.get("detail") if isinstance(data, dict) else data
        body["title"] = str(detail) if detail else status.HTTP_400_BAD_REQUEST
        body["detail"] = body["title"]
    response.data = body
    # DRF sets Content-Type from the renderer unless the response names its own.
    response.content_type = "application/problem+json"
    return response
