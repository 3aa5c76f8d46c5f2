"""A program of the staff user's sites and programs, for pages and services about a program
(the portal's family events and settings, the support settings, alumni events): scope first
(an audited 404), then the role (an audited 403)."""

from __future__ import annotations

from django.http import HttpRequest

from openiop.accounts.models import User
from openiop.core import access, policy
from openiop.core.policy import Action
from openiop.organization.models import Program
from openiop.organization.selectors import programs_for_user


def program_for(request: HttpRequest, program_id: int, action: Action) -> Program:
    """The program with this id in the user's scope (else an audited 404), if their role
    allows `action` (else an audited 403)."""
    user = access.staff(request)
    program = programs_for_user(user).filter(pk=program_id).first()
    if program is None:
        raise access.not_found(
            user,
            "organization.program",
            program_id,
            request=request,
            detail="program outside the user's sites and programs, or unknown",
        )
    policy.require(
        user,
        action,
        request=request,
        object_type="organization.program",
        object_id=str(program.pk),
    )
    return program


def require_program(
    actor: User, program: Program, action: Action, *, request: HttpRequest | None, what: str
) -> None:
    """The same two checks inside a service (defence in depth), refusals audited."""
    policy.require(
        actor,
        action,
        request=request,
        object_type="organization.program",
        object_id=str(program.pk),
    )
    if not programs_for_user(actor).filter(pk=program.pk).exists():
        raise policy.refuse(
            actor,
            "This program is outside your sites and programs.",
            request=request,
            object_type="organization.program",
            object_id=str(program.pk),
            detail=f"{what} refused: program outside the user's scope",
        )
