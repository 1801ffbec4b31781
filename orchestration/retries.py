"""Retries for transient failures of the writer steps, and only for those.

A Dagster `RetryPolicy` retries a step whatever made it fail. For `dbt build` that would mean
rebuilding every model two more times after a failed data test, and a data-quality failure is
not going to pass on the second try. So the dlt and dbt steps classify their error and raise
`RetryRequested` (with exponential back-off) only when it is transient: DuckDB's file lock
held by another process (a BI tool on the wrong file, a dbt process still exiting), or a
temporarily unavailable resource.
"""

from __future__ import annotations

import errno

import dagster as dg

from orchestration.locking import is_lock_conflict

MAX_RETRIES = 3
FIRST_DELAY_SECONDS = 5.0

_TRANSIENT_TEXT = ("database is locked", "resource temporarily unavailable")
_TRANSIENT_ERRNOS = {errno.EAGAIN, errno.EBUSY, errno.ETIMEDOUT}


def is_transient(error: BaseException) -> bool:
    """Whether `error` (or anything in its cause chain) is worth retrying as it is."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if is_lock_conflict(current) or any(t in str(current).lower() for t in _TRANSIENT_TEXT):
            return True
        if isinstance(current, OSError) and current.errno in _TRANSIENT_ERRNOS:
            return True
        current = current.__cause__ or current.__context__
    return False


def retry_if_transient(
    context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext, error: BaseException
) -> None:
    """Raise RetryRequested (from `error`) when it is transient; return otherwise."""
    if not is_transient(error):
        return
    attempt = context.op_execution_context.retry_number
    delay = FIRST_DELAY_SECONDS * (2**attempt)
    context.log.warning(
        f"transient failure (attempt {attempt + 1} of {MAX_RETRIES + 1}); retrying in "
        f"{delay:.0f} s: {str(error).strip().splitlines()[0] if str(error).strip() else error!r}"
    )
    raise dg.RetryRequested(max_retries=MAX_RETRIES, seconds_to_wait=delay) from error
