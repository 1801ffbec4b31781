"""How a refresh's outcome is told: what failed, the failing rows and their files, and what to do.

Shared by `crmkpi refresh` (right after the run) and `crmkpi status` (from the check results
stored in the instance), so both name a failure the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_VALUES_SHOWN = 6

CORRECTION_HINT = (
    "To correct: fix the rows named above in their export files (or export them again), put "
    "the corrected files into the landing folder in place of the old ones and run `crmkpi "
    "refresh` again: a replaced file is read again. `crmkpi retract FILE` removes a file's "
    "rows. Rows not traced to an export come from several of them: see the check in `crmkpi "
    "status` or the Data Docs."
)


def wrapped(text: str, indent: str = "  ", width: int = 100) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent)


def _value(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def failing_row_line(row: Mapping[str, Any]) -> str:
    """`salesforce/Opportunity.csv row 17: closed_date=..., created_date=...`."""
    if "error" in row:
        return f"(rows could not be fetched: {row['error']})"
    values = ", ".join(
        f"{name}={_value(value)}"
        for name, value in list((row.get("values") or {}).items())[:_VALUES_SHOWN]
    )
    source = row.get("source_file")
    where = f"{source} row {row.get('source_row')}" if source else "(not traced to an export row)"
    return f"{where}: {values}" if values else where


def check_failure_lines(
    label: str,
    description: str,
    failures: Mapping[str, int | None],
    failing_rows: Mapping[str, list[Mapping[str, Any]]],
    files: Mapping[str, Any],
) -> list[str]:
    """One failed check: its name, each failing expectation with a few rows, its files."""
    lines = [f"failed check {label}"]
    expectations = list(dict.fromkeys([*failing_rows, *failures]))
    for expectation in expectations:
        count = failures.get(expectation)
        counted = f": {count:,} unexpected" if isinstance(count, int) else ""
        lines.append(f"  {expectation}{counted}")
        lines += [f"    {failing_row_line(row)}" for row in failing_rows.get(expectation, [])]
    if not expectations and description:
        lines.append(f"  {description}")
    lines += [f"  {name}: {detail}" for name, detail in files.items()]
    return lines


def source_files(failing_rows: Mapping[str, list[Mapping[str, Any]]]) -> list[str]:
    """The export files the failing rows came from."""
    return sorted(
        {
            str(row["source_file"])
            for rows in failing_rows.values()
            for row in rows
            if row.get("source_file")
        }
    )
