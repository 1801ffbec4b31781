"""Registry of every expectation suite. Cheap to import: no great_expectations here."""

from __future__ import annotations

from expectations.spec import SuiteSpec
from expectations.suites import facts, marts, raw

ALL_SUITES: tuple[SuiteSpec, ...] = (*raw.SUITES, *facts.SUITES, *marts.SUITES)


def _check_unique() -> None:
    names = [s.name for s in ALL_SUITES]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"duplicate suite names: {duplicates}")


_check_unique()


def get_suite(name: str) -> SuiteSpec:
    """The registered suite called ``name``; KeyError lists the known names."""
    for suite in ALL_SUITES:
        if suite.name == name:
            return suite
    raise KeyError(f"no suite {name!r}; known: {[s.name for s in ALL_SUITES]}")


def suites_for_asset(asset_key: tuple[str, ...]) -> tuple[SuiteSpec, ...]:
    """Suites that check the Dagster asset with this key path."""
    return tuple(s for s in ALL_SUITES if s.asset_key == tuple(asset_key))


__all__ = ["ALL_SUITES", "SuiteSpec", "get_suite", "suites_for_asset"]
