"""Staff pages of the intake app (mounted at /intake/; need a session past TOTP).

URLs carry internal ids only, never names or dates of birth."""

from django.urls import URLPattern, URLResolver, path

from openiop.intake import views

app_name = "intake"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.board, name="board"),
    path("referrals/new/", views.referral_create, name="referral_create"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral"),
    path("referrals/<int:pk>/move/", views.referral_move, name="referral_move"),
    path("referrals/<int:pk>/link/", views.referral_link, name="referral_link"),
    path("referrals/<int:pk>/register/", views.referral_register, name="referral_register"),
    path("patients/<int:pk>/screening/", views.screening_choose, name="screening_choose"),
    path(
        "patients/<int:pk>/screening/<slug:instrument>/",
        views.screening_new,
        name="screening_new",
    ),
    path("screenings/<int:pk>/", views.screening_detail, name="screening"),
    path("safety-tasks/", views.safety_task_list, name="safety_tasks"),
    path("safety-tasks/<int:pk>/", views.safety_task_detail, name="safety_task"),
    path("safety-tasks/<int:pk>/assign/", views.safety_task_assign, name="safety_task_assign"),
    path(
        "safety-tasks/<int:pk>/complete/", views.safety_task_complete, name="safety_task_complete"
    ),
    path("patients/<int:pk>/placement/", views.placement_new, name="placement_new"),
    path("placements/<int:pk>/", views.placement_detail, name="placement"),
    path("patients/<int:pk>/admit/", views.admit, name="admit"),
    path("patients/<int:pk>/availability/", views.availability_edit, name="availability"),
    path("policy/", views.policy_list, name="policy_list"),
    path("policy/<int:pk>/", views.policy_edit, name="policy"),
]
