"""ZIP code centroids (offline), great-circle distance and the bounding box that prefilters search.

Centroids come from the `zipcodes` package (data bundled with it: no network, no third party
sees what a visitor searched). Nothing is loaded when a process starts. A lookup asks the
package for one ZIP (its compiled index, about 40 MiB once loaded, a few milliseconds a
lookup) and keeps the answer in a small cache; the whole table as Python objects (42,000 ZIPs,
about 150 MiB that a process never gives back) is built only by `all_zip_places`, for the
demo data command, never by a web request.
Distances are straight-line miles by the haversine formula on a sphere of mean Earth radius
3,958.8 miles (IUGG mean radius 6,371.0 km): good to about 0.5%, far below what matters when
choosing a program to drive to.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LATITUDE = 69.0  # 2*pi*R/360 = 69.09; 69.0 makes the box slightly larger: safe
ZIP_RE = re.compile(r"^(\d{5})(?:-\d{4})?$")


@dataclass(frozen=True)
class ZipPlace:
    zip_code: str
    city: str
    state: str
    latitude: float
    longitude: float


def _place(row: dict[str, Any]) -> ZipPlace | None:
    try:
        lat, lon = float(row["lat"]), float(row["long"])
    except (TypeError, ValueError):
        return None
    return ZipPlace(str(row["zip_code"]), str(row["city"]), str(row["state"]), lat, lon)


@lru_cache(maxsize=8192)
def _lookup(five: str) -> ZipPlace | None:
    import zipcodes

    for row in zipcodes.matching(five):  # type: ignore[no-untyped-call]
        if row.get("zip_code") == five:
            return _place(row)
    return None


def normalize_zip(text: str) -> str | None:
    """The 5-digit ZIP of `text` ("02139" or "02139-4307"), or None if it is not one."""
    match = ZIP_RE.match(text.strip())
    return match.group(1) if match else None


def zip_place(text: str) -> ZipPlace | None:
    """The centroid of a US ZIP code, or None for a malformed or unknown ZIP."""
    five = normalize_zip(text)
    if five is None:
        return None
    return _lookup(five)


def all_zip_places() -> list[ZipPlace]:
    """Every ZIP centroid. Loads the whole table (about 150 MiB, kept by the process): for the
    demo data command only."""
    import zipcodes

    places = (_place(row) for row in zipcodes.list_all())  # type: ignore[no-untyped-call]
    return [place for place in places if place is not None]


def haversine_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in miles between two points given in degrees."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi = p2 - p1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Box:
    """Latitude and longitude ranges that contain every point within the radius.

    `lon_ranges` has two ranges when the box crosses the 180th meridian (western Alaska).
    """

    lat_min: float
    lat_max: float
    lon_ranges: tuple[tuple[float, float], ...]


def bounding_box(lat: float, lon: float, radius_miles: float) -> Box:
    """The smallest lat/lon box (with a small margin) around a circle of `radius_miles`."""
    dlat = radius_miles / MILES_PER_DEGREE_LATITUDE
    lat_min, lat_max = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    # A degree of longitude is shortest at the box edge farthest from the equator.
    widest = max(abs(lat_min), abs(lat_max))
    if widest >= 89.0:
        return Box(lat_min, lat_max, ((-180.0, 180.0),))
    dlon = radius_miles / (MILES_PER_DEGREE_LATITUDE * math.cos(math.radians(widest)))
    if dlon >= 180.0:
        return Box(lat_min, lat_max, ((-180.0, 180.0),))
    west, east = lon - dlon, lon + dlon
    if west < -180.0:
        return Box(lat_min, lat_max, ((west + 360.0, 180.0), (-180.0, east)))
    if east > 180.0:
        return Box(lat_min, lat_max, ((west, 180.0), (-180.0, east - 360.0)))
    return Box(lat_min, lat_max, ((west, east),))
