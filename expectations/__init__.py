"""Great Expectations suites over the DuckDB warehouse, evaluated in DuckDB through SQL.

Import-light on purpose: great_expectations (3-10 s to import) is loaded only when a suite
runs. Suites are listed in ``expectations.suites.ALL_SUITES``.
"""

from expectations.runner import (
    ExpectationOutcome,
    SuiteExecutionError,
    SuiteRun,
    run_suite,
    run_suites,
    validate_suites,
)
from expectations.spec import SuiteSpec

__all__ = [
    "ExpectationOutcome",
    "SuiteExecutionError",
    "SuiteRun",
    "SuiteSpec",
    "run_suite",
    "run_suites",
    "validate_suites",
]
