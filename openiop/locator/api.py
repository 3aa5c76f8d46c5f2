"""Public REST API of the locator (no log-in; rate-limited per client address by DRF's
anonymous throttle, 60 requests a minute as configured in settings):

- `GET /api/v1/locator/search?zip=...&radius_miles=...&care_type=...`: facilities nearest first
  with `distance_miles`; an unknown ZIP or a bad parameter answers 400 naming it;
- `POST /api/v1/locator/cost-estimate`: the cost estimate with every assumption.
Nothing here reads or writes personal data, so no session is used (every caller is anonymous).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from openiop.core import clientip
from openiop.domain.costing import CostingInputError, Insurance, MoneyRange
from openiop.domain.costing.insurance import MAX_COPAY_PER_DAY, MAX_PLAN_YEAR_AMOUNT
from openiop.locator import costs, geo, selectors
from openiop.locator.codes import LANGUAGES, CareType, Condition, Payment, Population
from openiop.locator.models import HoursBasis


class SearchQuerySerializer(serializers.Serializer[Any]):
    zip = serializers.CharField(
        max_length=10,
        required=False,
        help_text="US ZIP code, e.g. 01608 (or give latitude and longitude).",
    )
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    radius_miles = serializers.FloatField(
        required=False,
        default=selectors.DEFAULT_RADIUS_MILES,
        min_value=0.5,
        max_value=selectors.MAX_RADIUS_MILES,
    )
    care_type = serializers.ChoiceField(choices=CareType.choices(), required=False)
    condition = serializers.ChoiceField(choices=Condition.choices(), required=False)
    population = serializers.ChoiceField(choices=Population.choices(), required=False)
    payment = serializers.ChoiceField(choices=Payment.choices(), required=False)
    language = serializers.ChoiceField(choices=LANGUAGES, required=False)
    evenings = serializers.BooleanField(required=False, default=False)
    weekends = serializers.BooleanField(required=False, default=False)
    telehealth = serializers.BooleanField(required=False, default=False)
    accepting = serializers.BooleanField(
        required=False, default=False, help_text="Only facilities accepting new patients."
    )
    limit = serializers.IntegerField(
        required=False, default=selectors.DEFAULT_LIMIT, min_value=1, max_value=100
    )

    def validate_zip(self, value: str) -> str:
        if geo.normalize_zip(value) is None:
            raise serializers.ValidationError("Not a 5-digit US ZIP code.")
        if geo.zip_place(value) is None:
            raise serializers.ValidationError(f"Unknown ZIP code {value.strip()}.")
        return value.strip()

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        has_lat, has_lon = "latitude" in attrs, "longitude" in attrs
        if "zip" in attrs and (has_lat or has_lon):
            raise serializers.ValidationError(
                {"zip": ["Give a ZIP code or coordinates, not both."]}
            )
        if has_lat != has_lon:
            missing = "longitude" if has_lat else "latitude"
            raise serializers.ValidationError({missing: ["Give both latitude and longitude."]})
        if "zip" not in attrs and not has_lat:
            raise serializers.ValidationError(
                {"zip": ["Give a ZIP code, or latitude and longitude."]}
            )
        return attrs


class FacilityOutSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField(source="facility.pk")
    name = serializers.CharField(source="facility.name")
    source = serializers.CharField(source="facility.source")  # type: ignore[assignment]
    distance_miles = serializers.FloatField()
    address = serializers.CharField(source="facility.address")
    city = serializers.CharField(source="facility.city")
    state = serializers.CharField(source="facility.state")
    zip = serializers.CharField(source="facility.zip_code")
    latitude = serializers.FloatField(source="facility.latitude")
    longitude = serializers.FloatField(source="facility.longitude")
    phone = serializers.CharField(source="facility.phone")
    website = serializers.CharField(source="facility.website")
    care_types = serializers.SerializerMethodField()
    conditions = serializers.SerializerMethodField()
    populations = serializers.SerializerMethodField()
    payments = serializers.SerializerMethodField()
    languages = serializers.ListField(
        child=serializers.CharField(), source="facility.language_keys"
    )
    telehealth = serializers.BooleanField(source="facility.telehealth")
    evenings = serializers.BooleanField(
        help_text="Evening groups (for OpenIOP programs: from the published group schedule)."
    )
    weekends = serializers.BooleanField(
        help_text="Weekend groups (for OpenIOP programs: from the published group schedule)."
    )
    hours_basis = serializers.ChoiceField(choices=HoursBasis.choices)
    accepting_new_patients = serializers.BooleanField(source="accepting", allow_null=True)
    openings = serializers.IntegerField(allow_null=True)
    capacity = serializers.IntegerField(allow_null=True)
    takes_online_referrals = serializers.BooleanField(source="is_own")
    last_updated = serializers.DateTimeField(source="facility.last_updated")

    def get_care_types(self, hit: selectors.FacilityHit) -> list[str]:
        return CareType.keys_in(hit.facility.care_types)

    def get_conditions(self, hit: selectors.FacilityHit) -> list[str]:
        return Condition.keys_in(hit.facility.conditions)

    def get_populations(self, hit: selectors.FacilityHit) -> list[str]:
        return Population.keys_in(hit.facility.populations)

    def get_payments(self, hit: selectors.FacilityHit) -> list[str]:
        return Payment.keys_in(hit.facility.payments)


class SearchOutSerializer(serializers.Serializer[Any]):
    zip = serializers.CharField(
        allow_null=True, help_text="The ZIP searched from, if one was given."
    )
    latitude = serializers.FloatField(help_text="The centre of the search.")
    longitude = serializers.FloatField()
    radius_miles = serializers.FloatField()
    total = serializers.IntegerField(
        help_text="Facilities within the radius that pass the filters."
    )
    results = FacilityOutSerializer(
        many=True, help_text="The nearest `limit` of them, nearest first."
    )


class LocatorErrorSerializer(serializers.Serializer[Any]):
    """Problem-style error (openiop.core.api): `errors` names each bad parameter."""

    title = serializers.CharField()
    status = serializers.IntegerField()
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


ERRORS = {
    400: OpenApiResponse(LocatorErrorSerializer, description="Bad parameters, named in `errors`."),
    429: OpenApiResponse(
        LocatorErrorSerializer, description="Too many requests from this address."
    ),
}


class ClientAddressThrottle(AnonRateThrottle):
    """DRF's anonymous throttle, counted per client address as every other limit counts it
    (`core.clientip`: behind the TLS proxy, the address the proxy saw)."""

    def get_ident(self, request: Request) -> str:
        return clientip.client_ip(request)


class PublicAPIView(APIView):
    """No session, anyone may call, throttled per client address."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [ClientAddressThrottle]


class LocatorSearchAPI(PublicAPIView):
    @extend_schema(
        operation_id="locator_search",
        parameters=[SearchQuerySerializer],
        responses={200: SearchOutSerializer, **ERRORS},
        auth=[],
        description=(
            "Facilities near a ZIP code (or coordinates), nearest first. "
            "400 names an unknown ZIP or a bad parameter."
        ),
    )
    def get(self, request: Request) -> Response:
        query = SearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        if "zip" in data:
            place = geo.zip_place(data["zip"])
            assert place is not None
            zip_code, latitude, longitude = place.zip_code, place.latitude, place.longitude
        else:
            zip_code, latitude, longitude = None, data["latitude"], data["longitude"]
        params = selectors.SearchParams(
            latitude=latitude,
            longitude=longitude,
            radius_miles=data["radius_miles"],
            care_type=data.get("care_type", ""),
            condition=data.get("condition", ""),
            population=data.get("population", ""),
            payment=data.get("payment", ""),
            language=data.get("language", ""),
            evenings=data["evenings"],
            weekends=data["weekends"],
            telehealth=data["telehealth"],
            accepting=data["accepting"],
            limit=data["limit"],
        )
        result = selectors.facility_search(params)
        body = {
            "zip": zip_code,
            "latitude": latitude,
            "longitude": longitude,
            "radius_miles": params.radius_miles,
            "total": result.total,
            "results": result.hits,
        }
        return Response(SearchOutSerializer(body).data)


def _money(high: Decimal = MAX_PLAN_YEAR_AMOUNT, **kwargs: Any) -> serializers.DecimalField:
    """A plan term from $0 to `high` (an input sanity bound, costing.insurance)."""
    sentence = f"Give an amount from $0 to ${high:,.0f}."
    return serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=high,
        error_messages={
            "min_value": sentence,
            "max_value": sentence,
            "max_digits": sentence,
            "max_whole_digits": sentence,
        },
        **kwargs,
    )


class InsuranceInSerializer(serializers.Serializer[Any]):
    deductible_remaining = _money(default=Decimal("0"))
    coinsurance = serializers.DecimalField(
        max_digits=4,
        decimal_places=3,
        min_value=Decimal("0"),
        max_value=Decimal("1"),
        default=Decimal("0"),
        help_text="A fraction: 0.2 means the patient pays 20%.",
    )
    copay_per_day = _money(MAX_COPAY_PER_DAY, default=Decimal("0"))
    out_of_pocket_max_remaining = _money(required=False, allow_null=True, default=None)


class CostEstimateInSerializer(serializers.Serializer[Any]):
    facility = serializers.IntegerField(
        required=False, allow_null=True, help_text="A directory facility: its program's fees."
    )
    days_per_week = serializers.IntegerField(min_value=1, max_value=7)
    weeks = serializers.IntegerField(min_value=1, max_value=52)
    population = serializers.CharField(default="adults")
    services = serializers.ListField(child=serializers.CharField(), default=list)
    amenities = serializers.ListField(child=serializers.CharField(), default=list)
    location_cost_index = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        required=False,
        allow_null=True,
        help_text="Only without a program fee schedule; 1.00 = national average.",
    )
    insurance = InsuranceInSerializer(required=False, allow_null=True, help_text="Null: self-pay.")


class RangeOutSerializer(serializers.Serializer[Any]):
    low = serializers.DecimalField(max_digits=12, decimal_places=2)
    expected = serializers.DecimalField(max_digits=12, decimal_places=2)
    high = serializers.DecimalField(max_digits=12, decimal_places=2)


class LineOutSerializer(serializers.Serializer[Any]):
    label = serializers.CharField()  # type: ignore[assignment]
    amount = RangeOutSerializer()


class CostEstimateOutSerializer(serializers.Serializer[Any]):
    fee_schedule = serializers.CharField()
    program_days = serializers.IntegerField()
    total = RangeOutSerializer()
    per_day = RangeOutSerializer()
    out_of_pocket = RangeOutSerializer()
    lines = LineOutSerializer(many=True)
    assumptions = serializers.ListField(child=serializers.CharField())


def _range(r: MoneyRange) -> dict[str, Decimal]:
    return {"low": r.low, "expected": r.expected, "high": r.high}


class CostEstimateAPI(PublicAPIView):
    @extend_schema(
        operation_id="locator_cost_estimate",
        request=CostEstimateInSerializer,
        responses={200: CostEstimateOutSerializer, **ERRORS},
        auth=[],
        description="Expected total and out-of-pocket range of a course of IOP, with every assumption.",
    )
    def post(self, request: Request) -> Response:
        body = CostEstimateInSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        facility = None
        if data.get("facility") is not None:
            facility = selectors.own_facility(data["facility"])
            if facility is None:
                raise ValidationError({"facility": ["Unknown facility."]})
        choice = costs.schedule_for(facility)
        insurance_data = data.get("insurance")
        try:
            insurance = (
                Insurance(
                    deductible_remaining=insurance_data["deductible_remaining"].quantize(
                        Decimal("0.01")
                    ),
                    coinsurance=insurance_data["coinsurance"],
                    copay_per_day=insurance_data["copay_per_day"].quantize(Decimal("0.01")),
                    out_of_pocket_max_remaining=(
                        insurance_data["out_of_pocket_max_remaining"].quantize(Decimal("0.01"))
                        if insurance_data.get("out_of_pocket_max_remaining") is not None
                        else None
                    ),
                )
                if insurance_data
                else None
            )
            result = costs.run_estimate(
                choice,
                days_per_week=data["days_per_week"],
                weeks=data["weeks"],
                population=data["population"],
                services=tuple(data["services"]),
                amenities=tuple(data["amenities"]),
                insurance=insurance,
                location_cost_index=data.get("location_cost_index"),
            )
        except CostingInputError as exc:
            raise ValidationError({exc.field: [str(exc)]}) from exc
        out = {
            "fee_schedule": choice.schedule.name,
            "program_days": result.program_days,
            "total": _range(result.total),
            "per_day": _range(result.per_day),
            "out_of_pocket": _range(result.out_of_pocket),
            "lines": [
                {"label": line.label, "amount": _range(line.amount)} for line in result.lines
            ],
            "assumptions": list(result.assumptions),
        }
        return Response(CostEstimateOutSerializer(out).data)
