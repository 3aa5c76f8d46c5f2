"""Administrator setup pages: sites, programs, tracks, rooms and staff."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from openiop.core import access
from openiop.core.forms import apply_validation_error
from openiop.organization import selectors, services
from openiop.organization.forms import SETUP_FORMS, StaffForm
from openiop.organization.models import StaffProfile, Weekday


def _require_setup(request: HttpRequest) -> None:
    if not access.can_setup(request.user):  # type: ignore[arg-type]
        raise PermissionDenied("Only an administrator can change the setup.")


def _querysets(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    return {
        "sites": selectors.org_sites(user),  # type: ignore[arg-type]
        "programs": selectors.org_programs(user),  # type: ignore[arg-type]
        "tracks": selectors.org_tracks(user),  # type: ignore[arg-type]
        "rooms": selectors.org_rooms(user),  # type: ignore[arg-type]
    }


def setup_home(request: HttpRequest) -> HttpResponse:
    _require_setup(request)
    qs = _querysets(request)
    context = {key: list(value) for key, value in qs.items()}
    context["staff"] = list(selectors.org_staff(request.user))  # type: ignore[arg-type]
    return render(request, "organization/setup.html", context)


def _limit_choices(form: forms.ModelForm, qs: dict[str, Any]) -> None:
    if "site" in form.fields:
        form.fields["site"].queryset = qs["sites"]  # type: ignore[attr-defined]
    if "program" in form.fields:
        form.fields["program"].queryset = qs["programs"]  # type: ignore[attr-defined]


def setup_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    _require_setup(request)
    if kind not in SETUP_FORMS:
        raise Http404
    form_class, title = SETUP_FORMS[kind]
    qs = _querysets(request)
    instance = None
    if pk is not None:
        instance = qs[kind].filter(pk=pk).first()
        if instance is None:
            raise Http404
    form = form_class(request.POST or None, instance=instance)
    _limit_choices(form, qs)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if kind == "rooms":
            obj.organization_id = request.user.organization_id  # type: ignore[union-attr]
        if kind == "sites":
            obj.organization_id = request.user.organization_id  # type: ignore[union-attr]
        try:
            services.setup_object_save(actor=request.user, obj=obj, fields=form.changed_data, request=request)  # type: ignore[arg-type]
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Saved.")
            return redirect("organization:setup")
    return render(
        request,
        "organization/edit.html",
        {"form": form, "title": title, "kind": kind, "instance": instance},
        status=422 if request.method == "POST" else 200,
    )


def staff_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _require_setup(request)
    profile = None
    if pk is not None:
        profile = selectors.org_staff(request.user).filter(pk=pk).first()  # type: ignore[arg-type]
        if profile is None:
            raise Http404
    initial: dict[str, Any] = {}
    if profile is not None:
        u = profile.user
        initial = {
            "username": u.username, "first_name": u.first_name, "last_name": u.last_name, "email": u.email,
            "role": u.role, "can_break_glass": u.can_break_glass, "is_active": u.is_active,
            "credentials": profile.credentials, "requires_cosignature": profile.requires_cosignature,
            "max_weekly_hours": profile.max_weekly_hours, "sites": list(profile.sites.all()),
            "programs": list(profile.programs.all()), "tracks": list(profile.tracks.all()),
        }
        for a in profile.availability.all():
            initial[f"start_{a.weekday}"] = a.start
            initial[f"end_{a.weekday}"] = a.end
    form = StaffForm(request.POST or None, initial=initial, actor=request.user, profile=profile)  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.staff_save(
                actor=request.user,  # type: ignore[arg-type]
                user_data={k: d[k] for k in ("username", "first_name", "last_name", "email", "role", "can_break_glass", "is_active")},
                profile=profile,
                password=d.get("password") or None,
                profile_data={k: d[k] for k in ("credentials", "requires_cosignature", "max_weekly_hours", "sites", "programs", "tracks")},
                availability=form.availability(),
                request=request,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "Staff member saved.")
            return redirect("organization:setup")
    days = [(day.label, form[f"start_{day.value}"], form[f"end_{day.value}"]) for day in Weekday]
    return render(
        request, "organization/staff_edit.html", {"form": form, "profile": profile, "days": days},
        status=422 if request.method == "POST" else 200,
    )


__all__ = ["setup_edit", "setup_home", "staff_edit", "StaffProfile"]
