"""Public pages of the scheduling app, mounted under /public/ (no log-in: never PHI out).

The calendar feed is reached by its private token alone; it holds no health detail.
"""

from django.urls import URLPattern, URLResolver, re_path

from openiop.scheduling import views

app_name = "scheduling_public"
urlpatterns: list[URLPattern | URLResolver] = [
    re_path(r"^calendar/(?P<token>[A-Za-z0-9_-]{16,128})\.ics$", views.feed, name="feed"),
]
