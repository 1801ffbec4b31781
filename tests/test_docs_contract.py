"""The repository's copy of the KPI contract matches the shared one it mirrors."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_CONTRACT = REPO.parent / "shared" / "docs" / "kpi_definitions.md"


@pytest.mark.skipif(not SHARED_CONTRACT.exists(), reason="no shared contract beside this clone")
def test_kpi_contract_copy_is_current() -> None:
    copy = REPO / "docs" / "kpi_definitions.md"
    assert copy.read_text() == SHARED_CONTRACT.read_text(), "refresh docs/kpi_definitions.md"
