"""Export timestamps to UTC: the zone a value or its file states wins; otherwise the zone the user gave; never a guess.

Returned values are naive UTC `YYYY-MM-DD HH:MM:SS` text, as the loader stores timestamps.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from cxmetrics.ingest.imports.export import ImportFailed

# Month-first as the tools' English exports write them, with and without seconds, 12- and 24-hour clocks.
_SLASH_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y")
_DAY_FIRST = tuple(f.replace("%m/%d", "%d/%m") for f in _SLASH_FORMATS)
# Day first with dots, as Excel writes dates in German-speaking and other European locales.
_DOTTED = ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y")
_YEAR_FIRST = ("%Y/%m/%d %I:%M:%S %p", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M")
_DOTTED_DATE = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{4}")
_YEAR_SLASH = re.compile(r"^\d{4}/")
_GMT_SUFFIX = re.compile(r"\s+(?:GMT|UTC)([+-]\d{1,2})(?::?(\d{2}))?$")
_ISO_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}:\d{2}")
_ISO_MINUTES = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(?!:)")


def zone(name: str) -> ZoneInfo:
    """The IANA zone called `name` (letter case and padding ignored), or an error that says what was expected."""
    known = {key.lower(): key for key in available_timezones()}
    try:
        return ZoneInfo(known.get(name.strip().lower(), name))
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ImportFailed(f"unknown time zone {name!r}: give an IANA name such as Europe/Berlin or UTC") from exc


def _gmt_offset(text: str) -> tuple[str, timezone | None]:
    """A trailing `GMT+2` / `UTC-05:30` (as Google Forms writes it) split off as a fixed offset."""
    found = _GMT_SUFFIX.search(text)
    if not found:
        return text, None
    hours, minutes = int(found.group(1)), int(found.group(2) or 0)
    offset = timedelta(hours=hours, minutes=minutes if hours >= 0 else -minutes)
    return text[: found.start()], timezone(offset)


def parse(text: str, day_first: bool = False) -> tuple[datetime, bool]:
    """A timestamp as written (aware when it carries an offset) and whether it has seconds; ValueError if unreadable."""
    text, offset = _gmt_offset(text.strip())
    if _DOTTED_DATE.match(text):
        value, has_seconds = _first_match(text, _DOTTED)
    elif "/" not in text:
        value = datetime.fromisoformat(text.replace(" UTC", "+00:00"))
        has_seconds = bool(_ISO_SECONDS.match(text)) or not _ISO_MINUTES.match(text)
    else:
        value, has_seconds = _slashed(text, day_first)
    return (value.replace(tzinfo=offset) if offset else value), has_seconds


def _slashed(text: str, day_first: bool) -> tuple[datetime, bool]:
    patterns = _YEAR_FIRST if _YEAR_SLASH.match(text) else _DAY_FIRST if day_first else _SLASH_FORMATS
    return _first_match(text, patterns)


def _first_match(text: str, patterns: tuple[str, ...]) -> tuple[datetime, bool]:
    """The first pattern that reads `text`, and whether it has seconds (a date alone counts as exact)."""
    for pattern in patterns:
        try:
            return datetime.strptime(text, pattern), "%S" in pattern or pattern.endswith("%Y")
        except ValueError:
            continue
    raise ValueError(text)


def to_utc(value: datetime, local: ZoneInfo | None) -> tuple[datetime | None, str | None]:
    """(`value` in UTC, problem): its own offset if it has one, else read in `local`.

    A local time that does not exist (skipped when clocks go forward) or exists twice (when they go back) is a
    problem, not a guess; so is a naive time without a zone.
    """
    if value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None), None
    if local is None:
        return None, "no time zone (the time states none and none was given)"
    first, second = value.replace(tzinfo=local), value.replace(tzinfo=local, fold=1)
    if first.utcoffset() != second.utcoffset():
        skipped = first.astimezone(UTC).astimezone(local).replace(tzinfo=None) != value
        kind = "nonexistent local time in {} (skipped when the clocks went forward)"
        kind = kind if skipped else "ambiguous local time in {} (it occurs twice when the clocks go back)"
        return None, kind.format(local.key)
    return first.astimezone(UTC).replace(tzinfo=None), None


def utc_text(value: datetime) -> str:
    """A naive UTC datetime as the loader reads it."""
    return value.strftime("%Y-%m-%d %H:%M:%S")
