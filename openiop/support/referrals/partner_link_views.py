from django.http import Http404, HttpRequest, HttpResponse


def partner_referral(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    raise Http404("Not yet built.")
