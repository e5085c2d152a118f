"""Small-integer codes for the categories every table uses: statuses, sectors, origins.

The names are stable: they appear in every output table and scenario file.
"""

from __future__ import annotations

__all__ = [
    "STATUSES",
    "HOST_STATUSES",
    "PROGRAMME_STATUSES",
    "SECTORS",
    "ORIGINS",
    "ORIGIN_NAMES",
    "status_code",
    "sector_code",
    "origin_code",
    "NO_SECTOR",
]

# Order fixes the int8 code of each status. "home" is the candidate pool (a count, never
# an agent); "returned" is a former worker living at origin.
STATUSES: tuple[str, ...] = (
    "home",
    "titp",
    "esd",
    "ssw1",
    "ssw2",
    "professional",
    "student",
    "status_based",
    "designated",
    "irregular",
    "returned",
)
HOST_STATUSES: tuple[str, ...] = STATUSES[1:10]
# Statuses recruited from the origin pools by employers with vacancies.
PROGRAMME_STATUSES: tuple[str, ...] = ("titp", "esd", "ssw1", "ssw2")

# Host sectors (MHLW industry groups joined with the SSW fields that map onto them).
SECTORS: tuple[str, ...] = (
    "manufacturing",
    "food_manufacturing",
    "construction",
    "agriculture",
    "caregiving",
    "food_lodging",
    "retail",
    "other_services",
)
NO_SECTOR = "none"  # used for the candidate pools in output tables

# ISO 3166-1 alpha-3; OTH groups every other nationality.
ORIGINS: tuple[str, ...] = ("VNM", "CHN", "PHL", "NPL", "IDN", "MMR", "BRA", "OTH")
ORIGIN_NAMES: dict[str, str] = {
    "VNM": "Vietnam",
    "CHN": "China",
    "PHL": "Philippines",
    "NPL": "Nepal",
    "IDN": "Indonesia",
    "MMR": "Myanmar",
    "BRA": "Brazil",
    "OTH": "Other nationalities",
}


def _lookup(kind: str, names: tuple[str, ...], name: str) -> int:
    try:
        return names.index(name)
    except ValueError:
        raise ValueError(f"{kind} must be one of {', '.join(names)}. Got {name!r} instead.") from None


def status_code(name: str) -> int:
    return _lookup("status", STATUSES, name)


def sector_code(name: str) -> int:
    return _lookup("sector", SECTORS, name)


def origin_code(name: str) -> int:
    return _lookup("origin", ORIGINS, name)
