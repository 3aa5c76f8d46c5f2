"""Staff pages of the intake app (mounted at /intake/; need a session past TOTP).

URLs carry internal ids only, never names or dates of birth."""

from django.urls import URLPattern, URLResolver, path

from openiop.intake import state_reporting, views

app_name = "intake"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.board, name="board"),
    path("referrals/new/", views.referral_create, name="referral_create"),
    path("referrals/<id:pk>/", views.referral_detail, name="referral"),
    path("referrals/<id:pk>/move/", views.referral_move, name="referral_move"),
    path("referrals/<id:pk>/link/", views.referral_link, name="referral_link"),
    path("referrals/<id:pk>/register/", views.referral_register, name="referral_register"),
    path("patients/<id:pk>/screening/", views.screening_choose, name="screening_choose"),
    path(
        "patients/<id:pk>/screening/<slug:instrument>/",
        views.screening_new,
        name="screening_new",
    ),
    path("screenings/<id:pk>/", views.screening_detail, name="screening"),
    path("safety-tasks/", views.safety_task_list, name="safety_tasks"),
    path("safety-tasks/<id:pk>/", views.safety_task_detail, name="safety_task"),
    path("safety-tasks/<id:pk>/assign/", views.safety_task_assign, name="safety_task_assign"),
    path("safety-tasks/<id:pk>/complete/", views.safety_task_complete, name="safety_task_complete"),
    path("patients/<id:pk>/placement/", views.placement_new, name="placement_new"),
    path("placements/<id:pk>/", views.placement_detail, name="placement"),
    path("patients/<id:pk>/admit/", views.admit, name="admit"),
    path("patients/<id:pk>/availability/", views.availability_edit, name="availability"),
    path("admissions/<id:pk>/state-reporting/", state_reporting.edit, name="state_reporting"),
    path("policy/", views.policy_list, name="policy_list"),
    path("policy/<id:pk>/", views.policy_edit, name="policy"),
]
