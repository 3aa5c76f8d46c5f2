"""Reading and validating a facility CSV file (format: docs/locator-import.md).

Pure parsing, no database: `parse_facility_csv(data)` returns the valid rows and, for each bad
row, its row number, column and reason. A file that cannot be read as such a CSV at all (not
UTF-8, no header, required columns missing, too large) raises `ImportFileError`; the import
then changes nothing. Row numbers count the header as row 1, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from openiop.locator import codes, geo
from openiop.locator.models import OWN_ID_PREFIX

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
REQUIRED_COLUMNS = ("facility_id", "name", "city", "state", "zip", "services")
OPTIONAL_COLUMNS = (
    "street",
    "latitude",
    "longitude",
    "phone",
    "website",
    "accepting_new_patients",
    "openings",
    "evenings",
    "weekends",
    "last_updated",
)
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
FACILITY_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "PR",
        "VI",
        "GU",
        "AS",
        "MP",
        "FM",
        "MH",
        "PW",
    ]
)
YES = frozenset({"y", "yes", "true", "1"})
NO = frozenset({"n", "no", "false", "0"})
MAX_OPENINGS = 10_000
_url_validator = URLValidator(schemes=["http", "https"])


class ImportFileError(ValueError):
    """The file as a whole is unusable; nothing is imported."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, column {self.column}: {self.message}"


@dataclass
class ParsedFacility:
    row: int
    external_id: str
    name: str
    address: str
    city: str
    state: str
    zip_code: str
    latitude: float
    longitude: float
    phone: str
    website: str
    care_types: int
    conditions: int
    populations: int
    payments: int
    languages: str
    telehealth: bool
    evenings: bool
    weekends: bool
    hours_reported: bool
    accepting_new_patients: bool | None
    openings: int | None
    last_updated: datetime | None


@dataclass
class ParseResult:
    facilities: list[ParsedFacility] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def rejected_rows(self) -> int:
        return len({e.row for e in self.errors})


def _decode(data: bytes) -> str:
    if not data.strip():
        raise ImportFileError("The file is empty.")
    if len(data) > MAX_BYTES:
        raise ImportFileError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            f"The file is not UTF-8 text (byte {exc.start}); save it as CSV UTF-8."
        ) from exc


def _header(reader: Iterator[list[str]]) -> list[str]:
    try:
        raw = next(reader)
    except StopIteration as exc:
        raise ImportFileError("The file has no header row.") from exc
    header = [name.strip().lower() for name in raw]
    duplicates = sorted({name for name in header if name and header.count(name) > 1})
    if duplicates:
        raise ImportFileError(f"The header names a column twice: {', '.join(duplicates)}.")
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ImportFileError(
            f"The header lacks the required column(s) {', '.join(missing)} "
            f"(required: {', '.join(REQUIRED_COLUMNS)})."
        )
    return header


def _yes_no(value: str, column: str, row: int, errors: list[RowError]) -> bool | None:
    text = value.strip().lower()
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    errors.append(RowError(row, column, f"{value!r} is not Y or N."))
    return None


def _coordinate(
    value: str, column: str, low: float, high: float, row: int, errors: list[RowError]
) -> float | None:
    try:
        number = float(value)
    except ValueError:
        errors.append(RowError(row, column, f"{value!r} is not a number."))
        return None
    if not low <= number <= high:
        errors.append(RowError(row, column, f"{number} is outside {low} to {high}."))
        return None
    return number


@dataclass
class _Row:
    """One data row being read: its cells and the errors found so far, in column order (the
    order the import page lists them)."""

    row: int
    cells: dict[str, str]
    errors: list[RowError] = field(default_factory=list)

    def cell(self, column: str) -> str:
        return self.cells.get(column, "").strip()

    def error(self, column: str, message: str) -> None:
        self.errors.append(RowError(self.row, column, message))

    def text(self, column: str, max_length: int, required: bool = False) -> str:
        value = self.cell(column)
        if required and not value:
            self.error(column, "is required.")
        elif len(value) > max_length:
            self.error(column, f"is longer than {max_length} characters.")
        return value

    def yes_no(self, column: str) -> bool | None:
        return _yes_no(self.cells.get(column, ""), column, self.row, self.errors)


def _facility_id(r: _Row) -> str:
    """The importer's own id of the facility; ids with our prefix are kept for facilities
    this organization publishes itself (models.OWN_ID_PREFIX)."""
    external_id = r.text("facility_id", 64, required=True)
    if external_id and not FACILITY_ID_RE.match(external_id):
        r.error("facility_id", "use letters, digits, '.', '_' or '-' (at most 64).")
    elif external_id.lower().startswith(OWN_ID_PREFIX):
        r.error("facility_id", f"ids starting with {OWN_ID_PREFIX!r} are reserved.")
    return external_id


def _state(r: _Row) -> str:
    state = r.text("state", 2, required=True).upper()
    if state and state not in STATES:
        r.error("state", f"{state!r} is not a US state or territory code.")
    return state


def _zip(r: _Row) -> tuple[str, str | None]:
    """The ZIP code as given and its five digits (None when it is not a ZIP code)."""
    zip_text = r.text("zip", 10, required=True)
    five = geo.normalize_zip(zip_text) if zip_text else None
    if zip_text and five is None:
        r.error("zip", f"{zip_text!r} is not a ZIP code such as 02139.")
    return zip_text, five


def _position(r: _Row, five: str | None) -> tuple[float | None, float | None]:
    """Latitude and longitude: both given, or neither and then the ZIP code's centre."""
    lat_text, lon_text = r.cell("latitude"), r.cell("longitude")
    if lat_text or lon_text:
        if not (lat_text and lon_text):
            column = "longitude" if lat_text else "latitude"
            r.error(column, "give both latitude and longitude, or neither.")
            return None, None
        return (
            _coordinate(lat_text, "latitude", -90.0, 90.0, r.row, r.errors),
            _coordinate(lon_text, "longitude", -180.0, 180.0, r.row, r.errors),
        )
    if five is None:
        return None, None
    place = geo.zip_place(five)
    if place is None:
        r.error("zip", f"{five} is not a known ZIP code; give latitude and longitude.")
        return None, None
    return place.latitude, place.longitude


def _phone(r: _Row) -> str:
    phone = r.text("phone", 40)
    if phone and sum(ch.isdigit() for ch in phone) < 7:
        r.error("phone", f"{phone!r} does not look like a phone number.")
    return phone


def _website(r: _Row) -> str:
    website = r.text("website", 300)
    if website:
        try:
            _url_validator(website)
        except ValidationError:
            r.error("website", "give a full http:// or https:// address.")
    return website


def _services(r: _Row) -> codes.DecodedServices:
    """The N-SUMHSS service codes, decoded; at least one must name a care type."""
    services_text = r.cell("services")
    if not services_text:
        r.error("services", "is required (N-SUMHSS codes such as OIT MD).")
        return codes.DecodedServices()
    decoded, unknown = codes.decode(codes.split_codes(services_text))
    if unknown:
        r.error("services", f"unknown N-SUMHSS code(s): {', '.join(unknown)}.")
    elif not decoded.care_types:
        r.error(
            "services",
            "names no care type (one of OIT, OP, ORT, PH, RES, RS, RL, DT, OD, RD, HID).",
        )
    return decoded


def _openings(r: _Row) -> int | None:
    openings_text = r.cell("openings")
    if not openings_text:
        return None
    if not openings_text.isdigit() or int(openings_text) > MAX_OPENINGS:
        r.error("openings", f"{openings_text!r} is not a whole number 0-{MAX_OPENINGS}.")
        return None
    return int(openings_text)


def _last_updated(r: _Row, now: datetime) -> datetime | None:
    """The day the facility's details were last checked, as midnight UTC; not after now."""
    updated_text = r.cell("last_updated")
    if not updated_text:
        return None
    try:
        day = date.fromisoformat(updated_text)
    except ValueError:
        r.error("last_updated", f"{updated_text!r} is not a date YYYY-MM-DD.")
        return None
    last_updated = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if last_updated > now:
        r.error("last_updated", "is in the future.")
    return last_updated


def _parse_row(
    row: int, cells: dict[str, str], now: datetime
) -> tuple[ParsedFacility | None, list[RowError]]:
    r = _Row(row, cells)
    external_id = _facility_id(r)
    name = r.text("name", 300, required=True)
    address = r.text("street", 300)
    city = r.text("city", 100, required=True)
    state = _state(r)
    zip_text, five = _zip(r)
    latitude, longitude = _position(r, five)
    phone = _phone(r)
    website = _website(r)
    decoded = _services(r)
    accepting = r.yes_no("accepting_new_patients")
    evenings = r.yes_no("evenings")
    weekends = r.yes_no("weekends")
    openings = _openings(r)
    last_updated = _last_updated(r, now)

    if r.errors or latitude is None or longitude is None:
        return None, r.errors
    languages = {"english"} | set(decoded.languages)  # English is assumed, see the module doc
    return (
        ParsedFacility(
            row=row,
            external_id=external_id,
            name=name,
            address=address,
            city=city,
            state=state,
            zip_code=zip_text,
            latitude=latitude,
            longitude=longitude,
            phone=phone,
            website=website,
            care_types=decoded.care_types,
            conditions=decoded.conditions,
            populations=decoded.populations,
            payments=decoded.payments,
            languages=codes.languages_text(languages),
            telehealth=decoded.telehealth,
            evenings=bool(evenings),
            weekends=bool(weekends),
            hours_reported=evenings is not None or weekends is not None,
            accepting_new_patients=accepting,
            openings=openings,
            last_updated=last_updated,
        ),
        [],
    )


def parse_facility_csv(data: bytes, *, now: datetime | None = None) -> ParseResult:
    """Validate every row; see the module docstring. Duplicates of a facility id within the
    file are rejected (the first occurrence is kept)."""
    now = now or datetime.now(tz=UTC)
    text = _decode(data)
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = _header(reader)
        result = ParseResult(ignored_columns=[c for c in header if c and c not in COLUMNS])
        first_row_of: dict[str, int] = {}
        row = 1
        for record in reader:
            row += 1
            if not any(cell.strip() for cell in record):
                continue  # blank line
            result.rows += 1
            if result.rows > MAX_ROWS:
                raise ImportFileError(f"The file has more than {MAX_ROWS:,} rows; split it.")
            if len(record) != len(header):
                result.errors.append(
                    RowError(
                        row,
                        "*",
                        f"has {len(record)} columns but the header has {len(header)} "
                        "(a missing or extra comma, or an unclosed quote).",
                    )
                )
                continue
            cells = dict(zip(header, record, strict=True))
            facility, errors = _parse_row(row, cells, now)
            if facility is not None:
                key = facility.external_id
                if key in first_row_of:
                    errors = [
                        RowError(
                            row,
                            "facility_id",
                            f"{facility.external_id!r} already appears on row {first_row_of[key]}; "
                            "that row is the one imported.",
                        )
                    ]
                    facility = None
                else:
                    first_row_of[key] = row
            result.errors.extend(errors)
            if facility is not None:
                result.facilities.append(facility)
    except csv.Error as exc:
        raise ImportFileError(f"The file is not a readable CSV file: {exc}.") from exc
    if result.rows == 0:
        raise ImportFileError("The file has a header but no facility rows.")
    return result
