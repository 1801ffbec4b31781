"""Working-hours moments in a rep's time zone.

Every moment picked here falls between 08:00 and 18:00 local time *and* on the same UTC
calendar date as the local date, so a Salesforce date field (ActivityDate, CloseDate)
always equals the UTC date of its timestamp.
"""

from __future__ import annotations

import random

from .formats import SECONDS_PER_DAY, SECONDS_PER_HOUR, utc_offset_seconds, weekday

_DAY_START = 8 * SECONDS_PER_HOUR
_DAY_END = 18 * SECONDS_PER_HOUR
_SLOT = 1_800  # meetings start on the half hour


class BusinessClock:
    def __init__(self, timezone_name: str) -> None:
        self.timezone_name = timezone_name

    def offset(self, day: int) -> int:
        return utc_offset_seconds(self.timezone_name, day)

    def local_seconds(self, moment: int) -> int:
        """Seconds since the epoch on the local wall clock (for ICS TZID times)."""
        return moment + self.offset(moment // SECONDS_PER_DAY)

    def working_hours(self, day: int) -> tuple[int, int]:
        """Local seconds-of-day window that is inside office hours and inside the UTC day."""
        offset = self.offset(day)
        return max(_DAY_START, offset), min(_DAY_END, SECONDS_PER_DAY + offset)

    def at(self, day: int, local_seconds_of_day: int) -> int:
        return day * SECONDS_PER_DAY + local_seconds_of_day - self.offset(day)

    def moment_on(self, rng: random.Random, day: int, slot_minutes: int = 0) -> int:
        """A working-hours moment on ``day`` (optionally a half-hour slot fitting a meeting)."""
        start, end = self.working_hours(day)
        if slot_minutes:
            first_slot = -(-start // _SLOT)
            last_slot = (end - slot_minutes * 60) // _SLOT
            return self.at(day, rng.randint(first_slot, max(first_slot, last_slot)) * _SLOT)
        return self.at(day, rng.randrange(start, end))

    def moment_between(self, rng: random.Random, low: int, high: int, slot_minutes: int = 0) -> int:
        """A weekday working-hours moment in ``[low, high)``; uniform if the window is tiny."""
        if high - low <= 1:
            return low
        for _ in range(8):
            day = rng.randrange(low, high) // SECONDS_PER_DAY
            if weekday(day) >= 5 and rng.random() < 0.95:
                continue
            moment = self.moment_on(rng, day, slot_minutes)
            if low <= moment < high:
                return moment
        return rng.randrange(low, high)

    def weekday_on_or_before(self, day: int) -> int:
        while weekday(day) >= 5:
            day -= 1
        return day

    def snap(self, rng: random.Random, moment: int, not_before: int) -> int:
        """Move a raw simulated moment to working hours of its (next) weekday."""
        day = moment // SECONDS_PER_DAY
        while weekday(day) >= 5:
            day += 1
        snapped = self.moment_on(rng, day)
        if snapped <= not_before:
            snapped = not_before + rng.randint(15 * 60, 4 * SECONDS_PER_HOUR)
        return snapped
