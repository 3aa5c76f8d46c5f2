"""Administrator setup pages: sites, programs, tracks, rooms (and their weekly hours) and staff."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from openiop.accounts.models import User
from openiop.core import access, policy
from openiop.core.forms import render_form, set_queryset, submit
from openiop.core.policy import Action
from openiop.organization import selectors, services
from openiop.organization.forms import SETUP_FORMS, RoomHoursForm, StaffForm
from openiop.organization.models import StaffProfile, Weekday


def _require_setup(request: HttpRequest) -> User:
    user = access.staff(request)
    policy.require(user, Action.SETUP_MANAGE, request=request, object_type="organization.setup")
    return user


def _querysets(user: User) -> dict[str, Any]:
    return {
        "sites": selectors.org_sites(user),
        "programs": selectors.org_programs(user),
        "tracks": selectors.org_tracks(user),
        "rooms": selectors.org_rooms(user),
    }


def setup_home(request: HttpRequest) -> HttpResponse:
    user = _require_setup(request)
    context = {key: list(value) for key, value in _querysets(user).items()}
    context["staff"] = list(selectors.org_staff(user))
    return render(request, "organization/setup.html", context)


def _limit_choices(form: forms.ModelForm[Any], qs: dict[str, Any]) -> None:
    for name, key in (("site", "sites"), ("program", "programs")):
        if name in form.fields:
            set_queryset(form, name, qs[key])


def setup_edit(request: HttpRequest, kind: str, pk: int | None = None) -> HttpResponse:
    user = _require_setup(request)
    if kind not in SETUP_FORMS:
        raise Http404
    form_class, title = SETUP_FORMS[kind]
    qs = _querysets(user)
    instance = None
    if pk is not None:
        instance = qs[kind].filter(pk=pk).first()
        if instance is None:
            raise access.not_found(user, f"organization.{kind}", pk, request=request)
    form = form_class(request.POST or None, instance=instance)
    _limit_choices(form, qs)
    if request.method == "POST" and form.is_valid():
        obj = form.save(commit=False)
        if kind in ("rooms", "sites"):
            obj.organization_id = access.organization_id(user)
        saved = submit(
            form,
            lambda _: services.setup_object_save(
                actor=user, obj=obj, fields=form.changed_data, request=request
            ),
        )
        if saved is not None:
            messages.success(request, "Saved.")
            return redirect("organization:setup")
    return render_form(
        request,
        "organization/edit.html",
        {"form": form, "title": title, "kind": kind, "instance": instance},
    )


def room_hours(request: HttpRequest, pk: int) -> HttpResponse:
    """A room's weekly hours; none recorded: open whenever its site has groups."""
    user = _require_setup(request)
    room = selectors.org_rooms(user).filter(pk=pk).first()
    if room is None:
        raise access.not_found(user, "organization.room", pk, request=request)
    initial: dict[str, Any] = {}
    for a in room.availability.all():
        initial[f"start_{a.weekday}"] = a.start
        initial[f"end_{a.weekday}"] = a.end
    # Posting no hours at all is valid: the room is then open whenever groups meet.
    form = RoomHoursForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            lambda _: services.room_hours_save(
                actor=user, room=room, availability=form.availability(), request=request
            ),
        )
        if saved is not None:
            messages.success(request, "Room hours saved.")
            return redirect("organization:setup")
    days = [(day.label, form[f"start_{day.value}"], form[f"end_{day.value}"]) for day in Weekday]
    return render_form(
        request, "organization/room_hours.html", {"form": form, "room": room, "days": days}
    )


def staff_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _require_setup(request)
    profile = None
    if pk is not None:
        profile = selectors.org_staff(user).filter(pk=pk).first()
        if profile is None:
            raise access.not_found(user, "organization.staffprofile", pk, request=request)
    initial: dict[str, Any] = {}
    if profile is not None:
        u = profile.user
        initial = {
            "username": u.username,
            "first_name": u.first_name,
            "last_name": u.last_name,
            "email": u.email,
            "role": u.role,
            "can_break_glass": u.can_break_glass,
            "is_active": u.is_active,
            "credentials": profile.credentials,
            "requires_cosignature": profile.requires_cosignature,
            "max_weekly_hours": profile.max_weekly_hours,
            "sites": list(profile.sites.all()),
            "programs": list(profile.programs.all()),
            "tracks": list(profile.tracks.all()),
        }
        for a in profile.availability.all():
            initial[f"start_{a.weekday}"] = a.start
            initial[f"end_{a.weekday}"] = a.end
    form = StaffForm(request.POST or None, initial=initial, actor=user, profile=profile)
    if request.method == "POST" and form.is_valid():
        saved = submit(
            form,
            lambda d: services.staff_save(
                actor=user,
                user_data={
                    k: d[k]
                    for k in (
                        "username",
                        "first_name",
                        "last_name",
                        "email",
                        "role",
                        "can_break_glass",
                        "is_active",
                    )
                },
                profile=profile,
                password=d.get("password") or None,
                profile_data={
                    k: d[k]
                    for k in (
                        "credentials",
                        "requires_cosignature",
                        "max_weekly_hours",
                        "sites",
                        "programs",
                        "tracks",
                    )
                },
                availability=form.availability(),
                request=request,
            ),
        )
        if saved is not None:
            messages.success(request, "Staff member saved.")
            return redirect("organization:setup")
    days = [(day.label, form[f"start_{day.value}"], form[f"end_{day.value}"]) for day in Weekday]
    return render_form(
        request,
        "organization/staff_edit.html",
        {"form": form, "profile": profile, "days": days},
    )


__all__ = ["StaffProfile", "room_hours", "setup_edit", "setup_home", "staff_edit"]
