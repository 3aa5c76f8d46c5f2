"""API endpoints of the locator app, mounted under /api/v1/. These two are public (no log-in,
throttled per address): the middleware lets /api/v1/locator/ through."""

from django.urls import URLPattern, URLResolver, path

from openiop.locator import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("locator/search", api.LocatorSearchAPI.as_view(), name="locator_search"),
    path("locator/cost-estimate", api.CostEstimateAPI.as_view(), name="locator_cost_estimate"),
]
