"""Low-level output formats: Salesforce ids, Data Loader CSV, timestamps and time zones.

Time inside the generator is an ``int`` of UTC epoch seconds; days are ``int`` epoch days.
Integer arithmetic plus small caches keeps the large scale (millions of rows) fast.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import IO
from zoneinfo import ZoneInfo

SECONDS_PER_DAY = 86_400
SECONDS_PER_HOUR = 3_600
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_WRITE_BUFFER_BYTES = 1 << 20

# Salesforce 15 -> 18 character id suffix alphabet and the base-62 digit order of ids.
_CHECKSUM_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# Key prefixes of the exported objects (plus Contact, referenced by WhoId only).
USER_PREFIX = "005"
ACCOUNT_PREFIX = "001"
CONTACT_PREFIX = "003"
OPPORTUNITY_PREFIX = "006"
OPPORTUNITY_HISTORY_PREFIX = "008"
TASK_PREFIX = "00T"
EVENT_PREFIX = "00U"


def salesforce_id(key_prefix: str, number: int) -> str:
    """Return the 18-character, case-insensitive-safe Salesforce id for a record number.

    15-char layout: key prefix (3) + pod "5g" + "0000" + base-62 record number (6); the
    3-char suffix is Salesforce's checksum of which characters are upper case.
    """
    digits = []
    for _ in range(6):
        number, remainder = divmod(number, 62)
        digits.append(_BASE62[remainder])
    if number:
        raise ValueError("record number does not fit in a Salesforce id")
    id15 = f"{key_prefix}5g0000{''.join(reversed(digits))}"
    suffix = []
    for chunk_start in (0, 5, 10):
        flags = 0
        for bit, char in enumerate(id15[chunk_start : chunk_start + 5]):
            if "A" <= char <= "Z":
                flags |= 1 << bit
        suffix.append(_CHECKSUM_ALPHABET[flags])
    return id15 + "".join(suffix)


class SalesforceIdFactory:
    """Hands out ascending ids per key prefix, like an org's record sequence."""

    # Start well inside the number space so ids look like a mature org's, not "...000001".
    _FIRST_NUMBER = 3 * 62**5 + 17 * 62**4

    def __init__(self) -> None:
        self._next_number: dict[str, int] = {}

    def next_id(self, key_prefix: str) -> str:
        number = self._next_number.get(key_prefix, self._FIRST_NUMBER)
        self._next_number[key_prefix] = number + 1
        return salesforce_id(key_prefix, number)


@lru_cache(maxsize=8192)
def iso_date(day: int) -> str:
    """Epoch day -> ``2025-03-04``."""
    return date.fromordinal(day + _EPOCH_ORDINAL).isoformat()


def day_to_date(day: int) -> date:
    return date.fromordinal(day + _EPOCH_ORDINAL)


def date_to_day(value: date) -> int:
    return value.toordinal() - _EPOCH_ORDINAL


def sf_datetime(moment: int) -> str:
    """Epoch seconds -> Data Loader datetime ``2025-03-04T14:00:00.000Z``."""
    day, seconds = divmod(moment, SECONDS_PER_DAY)
    hours, seconds = divmod(seconds, SECONDS_PER_HOUR)
    minutes, seconds = divmod(seconds, 60)
    return f"{iso_date(day)}T{hours:02d}:{minutes:02d}:{seconds:02d}.000Z"


def sf_bool(value: bool) -> str:
    return "true" if value else "false"


def sf_number(value: float | None) -> str:
    """Data Loader renders numbers like ``15000.0``; null is the empty string."""
    if value is None:
        return ""
    return repr(round(float(value), 2))


def to_epoch(moment: datetime) -> int:
    return int(moment.astimezone(UTC).timestamp())


def from_epoch(moment: int) -> datetime:
    return datetime.fromtimestamp(moment, UTC)


def weekday(day: int) -> int:
    """Monday = 0 (1970-01-01 was a Thursday)."""
    return (day + 3) % 7


@lru_cache(maxsize=32768)
def utc_offset_seconds(timezone_name: str, day: int) -> int:
    """UTC offset of a zone during business hours of a day (DST switches at night)."""
    noon = datetime.fromtimestamp(day * SECONDS_PER_DAY + 12 * SECONDS_PER_HOUR, UTC)
    offset = noon.astimezone(ZoneInfo(timezone_name)).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def quarter_of_day(day: int) -> tuple[int, int]:
    value = day_to_date(day)
    return value.year, (value.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[int, int]:
    """First and last epoch day of a calendar quarter (inclusive)."""
    first = date(year, 3 * quarter - 2, 1)
    next_first = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return date_to_day(first), date_to_day(next_first) - 1


def month_end_day(day: int) -> int:
    value = day_to_date(day)
    next_first = date(value.year + (value.month == 12), value.month % 12 + 1, 1)
    return date_to_day(next_first) - 1


def ascii_slug(text: str, separator: str = "-") -> str:
    """``Müller Logistik`` -> ``mueller-logistik`` (German umlauts spelled out)."""
    text = (
        text.replace("ä", "ae")
        .replace("ö", "oe")
        .replace("ü", "ue")
        .replace("Ä", "Ae")
        .replace("Ö", "Oe")
        .replace("Ü", "Ue")
        .replace("ß", "ss")
    )
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = "".join(c.lower() if c.isalnum() else " " for c in ascii_text.replace("'", ""))
    return separator.join(words.split())


class DataLoaderCsvWriter:
    """Streams rows the way Salesforce Data Loader exports them.

    Every field, header included, is double-quoted (embedded quotes doubled); rows end
    with LF; UTF-8 without BOM; null is the empty string.
    """

    def __init__(self, path: Path, columns: Sequence[str]) -> None:
        self.path = path
        self.columns = tuple(columns)
        self.rows_written = 0
        self._file: IO[str] = path.open(
            "w", encoding="utf-8", newline="", buffering=_WRITE_BUFFER_BYTES
        )
        self._file.write(self._render(self.columns))

    @staticmethod
    def _render(values: Sequence[str]) -> str:
        return '"' + '","'.join([value.replace('"', '""') for value in values]) + '"\n'

    def write(self, values: Sequence[str]) -> None:
        if len(values) != len(self.columns):
            raise ValueError(f"{self.path.name}: {len(values)} values for {len(self.columns)}")
        self._file.write(self._render(values))
        self.rows_written += 1

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> DataLoaderCsvWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
