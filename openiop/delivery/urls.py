"""Staff pages of the delivery app (mounted at /delivery/; need a session past TOTP).
URLs carry internal ids and dates only, never names."""

from django.urls import URLPattern, URLResolver, path

from openiop.delivery import views, views_billing, views_notes

app_name = "delivery"
urlpatterns: list[URLPattern | URLResolver] = [
    path("today/", views.today, name="today"),
    path("week/", views.week, name="week"),
    path("week/patients/", views.week_patients, name="week_patients"),
    path("week/day/", views.week_day, name="week_day"),
    path("week/sessions/<id:pk>/", views.week_session, name="week_session"),
    path("billing-rules/", views_billing.billing_rules, name="billing_rules"),
    path(
        "billing-rules/<id:program_id>/",
        views_billing.billing_rule_edit,
        name="billing_rule",
    ),
    path("sessions/<id:pk>/", views.session_roster, name="roster"),
    path("sessions/<id:pk>/drop-in/", views.drop_in, name="drop_in"),
    path(
        "sessions/<id:pk>/patients/<id:patient_id>/check-in/",
        views.check_in,
        name="check_in",
    ),
    path(
        "sessions/<id:pk>/patients/<id:patient_id>/check-out/",
        views.check_out,
        name="check_out",
    ),
    path(
        "sessions/<id:pk>/patients/<id:patient_id>/attendance/",
        views.attendance_edit,
        name="attendance",
    ),
    path("sessions/<id:pk>/note/", views_notes.group_note, name="group_note"),
    path("notes/<id:pk>/", views_notes.note_detail, name="note"),
    path("notes/<id:pk>/sign/", views_notes.note_sign, name="note_sign"),
    path("notes/<id:pk>/cosign/", views_notes.note_cosign, name="note_cosign"),
    path("notes/<id:pk>/amend/", views_notes.note_amend, name="note_amend"),
    path("patients/<id:pk>/notes/new/", views_notes.individual_note, name="individual_note"),
    path(
        "patients/<id:pk>/notes/<id:note_id>/edit/",
        views_notes.individual_note,
        name="individual_note_edit",
    ),
    path("patients/<id:pk>/leave/", views.leave_add, name="leave"),
    path("patients/<id:pk>/step-down/", views.step_down_add, name="step_down"),
    path("patients/<id:pk>/letter/", views.letter, name="letter"),
]
