"""REST API of intake: `POST /api/v1/screenings/score`.

Scores answers with the domain and returns the same six-key object as `openiop score`
(`instrument`, `total`, `band`, `subscores`, `flags`, `complete`); stores nothing. Invalid or
incomplete answers answer 400 with problem JSON naming every offending item under
`errors.answers` (item key -> messages). A staff session past MFA is required, as for every
API endpoint.
"""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openiop.domain.screening import INSTRUMENTS, InvalidAnswers, UnknownInstrument, score


class _DuplicateKeys(ValueError):
    pass


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise _DuplicateKeys(", ".join(repeated))
    return dict(pairs)


class StrictJSONParser(JSONParser):
    """JSON whose objects may not repeat a key: json.loads would keep the last answer
    silently, so "9" given twice is refused as `openiop score` refuses it."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        raw = stream.read() if stream is not None else b""
        try:
            return json.loads(raw.decode("utf-8"), object_pairs_hook=_refuse_duplicates)
        except _DuplicateKeys as exc:
            raise ParseError(f"A JSON object names a key more than once: {exc}") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise ParseError(f"JSON parse error: {exc}") from exc


class ScoreInSerializer(serializers.Serializer[Any]):
    instrument = serializers.CharField(
        help_text=f"One of: {', '.join(INSTRUMENTS)}.", max_length=20
    )
    answers = serializers.JSONField(
        help_text='Answers keyed by item ("1", "2", ..., "6b", "a1", "b1", "7a"); see '
        "docs/instruments.md for each instrument's encoding."
    )

    def validate_instrument(self, value: str) -> str:
        if value not in INSTRUMENTS:
            raise serializers.ValidationError(
                f"Unknown instrument {value!r}; known: {', '.join(INSTRUMENTS)}."
            )
        return value

    def validate_answers(self, value: Any) -> Any:
        if not isinstance(value, dict):
            raise serializers.ValidationError("Answers must be a JSON object keyed by item.")
        return value


class ScoreOutSerializer(serializers.Serializer[Any]):
    instrument = serializers.CharField()
    total = serializers.IntegerField(allow_null=True)
    band = serializers.CharField(allow_null=True)
    subscores = serializers.DictField(child=serializers.IntegerField())
    flags = serializers.ListField(child=serializers.CharField())
    complete = serializers.BooleanField()


PHQ9_EXAMPLE = {"1": 0, "2": 1, "3": 2, "4": 3, "5": 0, "6": 0, "7": 0, "8": 0, "9": 1}


class ScreeningScoreAPI(APIView):
    parser_classes = [StrictJSONParser]

    @extend_schema(
        operation_id="screenings_score",
        request=ScoreInSerializer,
        responses={200: ScoreOutSerializer},
        examples=[
            OpenApiExample(
                "PHQ-9",
                value={"instrument": "phq9", "answers": PHQ9_EXAMPLE},
                request_only=True,
            )
        ],
        description="Score answers exactly as `openiop score` does; nothing is stored. "
        "400 names every missing, unknown, out-of-range or wrongly typed item.",
    )
    def post(self, request: Request) -> Response:
        serializer = ScoreInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            result = score(data["instrument"], data["answers"])
        except UnknownInstrument as exc:  # pragma: no cover - validated above
            raise ValidationError({"instrument": [str(exc)]}) from exc
        except InvalidAnswers as exc:
            items: dict[str, list[str]] = {}
            for error in exc.errors:
                items.setdefault(error.item, []).append(error.message)
            raise ValidationError({"answers": items}) from exc
        return Response(ScoreOutSerializer(result.to_dict()).data)
