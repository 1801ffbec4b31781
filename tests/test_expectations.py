"""Known-answer tests for the GX suites, the DuckDB engine fix and read-only access.

Every warehouse here is a tiny hand-made DuckDB file; the counts below are counted by hand.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from expectations import SuiteExecutionError, SuiteSpec, run_suite
from expectations.suites import ALL_SUITES, get_suite, suites_for_asset

REPO = Path(__file__).resolve().parents[1]

# Tables in non-main schemas, like the real warehouse, plus a decoy `main.opportunity`
# with other columns: a schema-blind column lookup would pick it up.
CLEAN_SQL = """
CREATE SCHEMA raw_salesforce;
CREATE SCHEMA marts;
CREATE TABLE main.opportunity AS SELECT 1 AS unrelated;
CREATE TABLE raw_salesforce.opportunity (
    id VARCHAR, account_id VARCHAR, stage_name VARCHAR, amount DOUBLE, close_date DATE,
    is_closed BOOLEAN, is_won BOOLEAN, created_date TIMESTAMPTZ
);
INSERT INTO raw_salesforce.opportunity VALUES
    ('006A', 'A1', 'Closed Won', 1000, '2024-02-01', true, true, '2024-01-01 09:00:00+00'),
    ('006B', 'A1', 'Prospecting', NULL, '2024-06-30', false, false, '2024-01-05 09:00:00+00'),
    ('006C', 'A2', 'Closed Lost', 0, '2024-01-10', true, false, '2024-01-10 09:00:00+00');
CREATE TABLE marts.fct_opportunities (
    opportunity_id VARCHAR, account_id VARCHAR, rep_id VARCHAR, created_at TIMESTAMPTZ,
    closed_at TIMESTAMPTZ, amount DOUBLE, amount_reporting DOUBLE, current_stage VARCHAR,
    is_closed BOOLEAN, is_won BOOLEAN, sales_cycle_days INTEGER,
    created_date DATE, closed_date DATE
);
INSERT INTO marts.fct_opportunities VALUES
    ('o1', 'A1', 'R1', '2024-01-01 09:00:00+00', '2024-02-01 00:00:00+00', 1000, 1000,
     'won', true, true, 31, '2024-01-01', '2024-02-01'),
    ('o2', 'A1', 'R1', '2024-01-05 09:00:00+00', NULL, NULL, NULL,
     'proposal', false, false, NULL, '2024-01-05', NULL),
    -- closed the day it was created: closed_at (00:00 of CloseDate) < created_at is fine
    ('o3', 'A2', 'R2', '2024-01-10 09:00:00+00', '2024-01-10 00:00:00+00', 0, 0,
     'lost', true, false, 0, '2024-01-10', '2024-01-10');
CREATE TABLE marts.kpi_rep_period_performance (
    scope VARCHAR, scope_id VARCHAR, period_grain VARCHAR, period_start DATE,
    opportunities_created INTEGER, opportunities_won INTEGER, opportunities_lost INTEGER,
    win_rate DOUBLE, won_amount DOUBLE, target_amount DOUBLE, attainment DOUBLE
);
INSERT INTO marts.kpi_rep_period_performance VALUES
    ('company', NULL, 'month', '2024-01-01', 4, 2, 2, 0.5, 1250, 1000, 1.25),
    ('team', 'T1', 'quarter', '2024-01-01', 1, 0, 0, NULL, 0, 500, 0),
    ('rep', 'R1', 'week', '2024-01-01', 3, 1, 2, 1.0 / 3, 100, NULL, NULL);
"""

# Each planted row breaks the rules named beside it, and nothing else.
PLANTED_SQL = """
INSERT INTO raw_salesforce.opportunity VALUES
    ('006A', 'A3', 'Prospecting', 5, '2024-03-01', false, false, '2024-01-02 00:00:00+00'),
    ('006D', 'A3', 'Prospecting', -1, '2024-03-01', false, false, '2024-01-02 00:00:00+00'),
    ('006E', 'A3', 'Prospecting', 5, '1900-01-01', false, false, '2024-01-02 00:00:00+00'),
    ('006F', 'A3', NULL, 5, '2024-03-01', false, false, '2024-01-02 00:00:00+00'),
    ('006G', 'A3', 'Prospecting', 5, '2024-03-01', false, NULL, '2024-01-02 00:00:00+00');
INSERT INTO marts.fct_opportunities VALUES
    -- duplicate id: both o2 rows are unexpected
    ('o2', 'A1', 'R1', '2024-01-05 09:00:00+00', NULL, 10, 10,
     'qualification', false, false, NULL, '2024-01-05', NULL),
    -- negative amount
    ('o4', 'A1', 'R1', '2024-01-05 09:00:00+00', NULL, -5, -5,
     'proposal', false, false, NULL, '2024-01-05', NULL),
    -- closed before the day it was created
    ('o5', 'A2', 'R2', '2024-03-01 09:00:00+00', '2024-02-01 00:00:00+00', 10, 10,
     'lost', true, false, NULL, '2024-03-01', '2024-02-01'),
    -- unknown stage (a raw Salesforce label that escaped the mapping)
    ('o6', 'A2', 'R2', '2024-01-05 09:00:00+00', NULL, 10, 10,
     'Negotiation/Review', false, false, NULL, '2024-01-05', NULL);
INSERT INTO marts.kpi_rep_period_performance VALUES
    -- win_rate above 1, and so also inconsistent with won / (won + lost)
    ('rep', 'R2', 'month', '2024-01-01', 3, 3, 0, 1.2, 10, 10, 1.0),
    -- win_rate in range but not 1 / (1 + 1)
    ('rep', 'R3', 'month', '2024-01-01', 2, 1, 1, 0.4, 10, 10, 1.0),
    ('region', 'X', 'month', '2024-01-01', 0, 0, 0, NULL, 0, NULL, NULL),
    ('team', 'T2', 'year', '2024-01-01', 0, 0, 0, NULL, 0, NULL, NULL),
    ('team', 'T3', 'month', '2024-01-01', 0, 0, 0, NULL, 0, 10, -0.1);
"""

WIN_RATE_RULE = "unexpected_rows_expectation"

# (expectation type, column) -> unexpected count, per suite, for the planted warehouse.
PLANTED_FAILURES: dict[str, dict[tuple[str, str | None], int]] = {
    "raw_salesforce_opportunity": {
        ("expect_column_values_to_be_unique", "id"): 2,
        ("expect_column_values_to_be_between", "amount"): 1,
        ("expect_column_values_to_be_between", "close_date"): 1,
        ("expect_column_values_to_not_be_null", "stage_name"): 1,
        ("expect_column_values_to_not_be_null", "is_won"): 1,
    },
    "fct_opportunities": {
        ("expect_column_values_to_be_unique", "opportunity_id"): 2,
        ("expect_column_values_to_be_between", "amount"): 1,
        ("expect_column_pair_values_a_to_be_greater_than_b", "closed_date,created_date"): 1,
        ("expect_column_values_to_be_in_set", "current_stage"): 1,
    },
    "kpi_rep_period_performance": {
        ("expect_column_values_to_be_between", "win_rate"): 1,
        ("expect_column_values_to_be_between", "attainment"): 1,
        ("expect_column_values_to_be_in_set", "scope"): 1,
        ("expect_column_values_to_be_in_set", "period_grain"): 1,
        (WIN_RATE_RULE, None): 2,
    },
}


ORIGINAL_SUITES = [get_suite(name) for name in PLANTED_FAILURES]


def _make_warehouse(path: Path, *scripts: str) -> Path:
    con = duckdb.connect(str(path))
    try:
        for script in scripts:
            con.execute(script)
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def gx_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gx")


@pytest.fixture(scope="module")
def clean_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _make_warehouse(tmp_path_factory.mktemp("clean") / "warehouse.duckdb", CLEAN_SQL)


@pytest.fixture(scope="module")
def planted_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("planted") / "warehouse.duckdb"
    return _make_warehouse(path, CLEAN_SQL, PLANTED_SQL)


# --- registry ---------------------------------------------------------------------------


def test_registry_follows_the_asset_key_convention() -> None:
    by_name = {s.name: s for s in ALL_SUITES}
    assert by_name["raw_salesforce_opportunity"].asset_key == ("salesforce", "opportunity")
    assert by_name["raw_salesforce_opportunity"].qualified_table == "raw_salesforce.opportunity"
    assert by_name["fct_opportunities"].asset_key == ("marts", "fct_opportunities")
    assert by_name["kpi_rep_period_performance"].qualified_table == (
        "marts.kpi_rep_period_performance"
    )
    assert all(s.blocking for s in ALL_SUITES)
    assert suites_for_asset(("marts", "fct_opportunities")) == (get_suite("fct_opportunities"),)
    # The other suites have their known answers in test_expectations_suites.py.
    assert set(PLANTED_FAILURES) <= set(by_name)
    with pytest.raises(ValueError, match="asset_key"):
        SuiteSpec("x", "s", "t", (), True, list)


def test_importing_suites_does_not_import_great_expectations() -> None:
    code = (
        "import sys, expectations, expectations.suites; "
        "assert 'great_expectations' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


# --- the DuckDB engine fix --------------------------------------------------------------


def _validate_directly(warehouse: Path, datasource_factory: str, schema: str, table: str) -> list:
    """Validate two expectations on column ``id`` of ``schema.table``, bypassing the runner."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    from expectations import duckdb_engine_fix
    from expectations.gx_context import read_only_url

    context = gx.get_context(mode="ephemeral")
    add = getattr(context.data_sources, datasource_factory)
    datasource = add(name="w", connection_string=read_only_url(warehouse))
    try:
        asset = datasource.add_table_asset(name="t", table_name=table, schema_name=schema)
        batch = asset.add_batch_definition_whole_table("all").get_batch()
        return [
            batch.validate(gxe.ExpectColumnValuesToNotBeNull(column="id")),
            batch.validate(gxe.ExpectColumnValuesToBeUnique(column="id")),
        ]
    finally:
        if isinstance(datasource, duckdb_engine_fix.DuckDBEngineDatasource):
            datasource.dispose()
        else:
            datasource.get_execution_engine().close()
            datasource.get_engine().dispose()


def test_fixed_engine_evaluates_expectations_on_duckdb(planted_warehouse: Path) -> None:
    """Fails without expectations/duckdb_engine_fix.py: GX then errors on every metric."""
    not_null, unique = _validate_directly(
        planted_warehouse, "add_duckdb_engine", "raw_salesforce", "opportunity"
    )
    for result in (not_null, unique):
        # A flat record that says nothing was raised, not a dict of per-metric errors.
        assert result.exception_info.get("raised_exception") is False, result.exception_info
    assert not_null.success is True
    assert not_null.result["unexpected_count"] == 0
    assert unique.success is False
    assert unique.result["unexpected_count"] == 2  # both rows of the duplicated '006A'
    assert unique.result["partial_unexpected_list"] == ["006A", "006A"]


def test_stock_gx_still_needs_the_fix(tmp_path: Path, planted_warehouse: Path) -> None:
    """Canary: if this fails after an upgrade, upstream fixed DuckDB; drop that part of the fix."""
    main_only = _make_warehouse(
        tmp_path / "main.duckdb", "CREATE TABLE main.t AS SELECT 1 AS id UNION ALL SELECT 2"
    )
    # Defect 1: results fetched after the connection closed, all-False, even in `main`.
    for result in _validate_directly(main_only, "add_sql", "main", "t"):
        assert result.success is False
        assert "list index out of range" in str(result.exception_info)
    # Defect 2: SQLAlchemy 2.1's column reflection queries pg_collation, absent in DuckDB.
    import sqlalchemy as sa

    from expectations.gx_context import read_only_url

    engine = sa.create_engine(read_only_url(planted_warehouse))
    try:
        with pytest.raises(sa.exc.ProgrammingError, match="pg_collation"):
            sa.inspect(engine).get_columns("opportunity", schema="raw_salesforce")
    finally:
        engine.dispose()


# --- suites on hand-made warehouses -----------------------------------------------------


@pytest.mark.parametrize("suite", ORIGINAL_SUITES, ids=lambda s: s.name)
def test_clean_tables_pass_every_expectation(
    suite: SuiteSpec, clean_warehouse: Path, gx_root: Path
) -> None:
    run = run_suite(clean_warehouse, suite, build_docs=False, context_root=gx_root)
    assert run.success, [(o.label, o.unexpected_count, o.observed) for o in run.failed]
    assert run.table == suite.qualified_table
    assert len(run.outcomes) == len(suite.expectations())
    assert all(o.unexpected_count == 0 for o in run.outcomes)
    assert run.data_docs_index is None


@pytest.mark.parametrize("suite", ORIGINAL_SUITES, ids=lambda s: s.name)
def test_planted_violations_fail_exactly_those_expectations(
    suite: SuiteSpec, planted_warehouse: Path, gx_root: Path
) -> None:
    run = run_suite(planted_warehouse, suite, build_docs=False, context_root=gx_root)
    failed = {(o.expectation, o.column): o.unexpected_count for o in run.failed}
    assert failed == PLANTED_FAILURES[suite.name]
    assert run.success is False
    # Outcomes come back in the order the suite is written.
    assert [o.expectation for o in run.outcomes] == [
        e.expectation_type for e in suite.expectations()
    ]


def test_outcomes_carry_the_offending_values(planted_warehouse: Path, gx_root: Path) -> None:
    run = run_suite(
        planted_warehouse, get_suite("fct_opportunities"), build_docs=False, context_root=gx_root
    )
    stage = next(o for o in run.outcomes if o.column == "current_stage")
    assert stage.observed == ["Negotiation/Review"]
    assert stage.details["kwargs"]["value_set"][0] == "qualification"
    metadata = run.to_metadata()
    assert metadata["failed_expectations"] == 4
    assert metadata["failures"]["expect_column_values_to_be_in_set(current_stage)"] == 1


def test_data_docs_index_is_written(clean_warehouse: Path, gx_root: Path) -> None:
    run = run_suite(
        clean_warehouse, get_suite("fct_opportunities"), context_root=gx_root, run_name="t1"
    )
    assert run.data_docs_index == gx_root / "uncommitted/data_docs/local_site/index.html"
    assert run.data_docs_index.is_file()
    assert "fct_opportunities" in run.data_docs_index.read_text()
    assert run.data_docs_page is not None and run.data_docs_page.is_file()
    assert list((gx_root / "uncommitted/validations/fct_opportunities").rglob("*.json"))
    # Nothing outside uncommitted/ (which is git-ignored) is written.
    assert {p.name for p in gx_root.iterdir()} == {"uncommitted"}


def test_missing_table_is_an_error_not_a_failure(clean_warehouse: Path, gx_root: Path) -> None:
    suite = SuiteSpec(
        name="missing",
        schema="marts",
        table="no_such_table",
        asset_key=("no_such_table",),
        blocking=True,
        expectations=get_suite("fct_opportunities").expectations,
    )
    with pytest.raises(SuiteExecutionError, match=r"marts\.no_such_table"):
        run_suite(clean_warehouse, suite, build_docs=False, context_root=gx_root)


def test_an_expectation_that_raises_is_an_error_not_a_failure(
    clean_warehouse: Path, gx_root: Path
) -> None:
    def expectations() -> list:
        import great_expectations.expectations as gxe

        return [
            gxe.ExpectColumnValuesToNotBeNull(column="opportunity_id"),
            gxe.ExpectColumnValuesToNotBeNull(column="no_such_column"),
        ]

    suite = SuiteSpec("typo", "marts", "fct_opportunities", ("x",), True, expectations)
    with pytest.raises(SuiteExecutionError, match="no_such_column") as excinfo:
        run_suite(clean_warehouse, suite, build_docs=False, context_root=gx_root)
    assert list(excinfo.value.errors) == ["expect_column_values_to_not_be_null(no_such_column)"]


def test_missing_warehouse_file(tmp_path: Path, gx_root: Path) -> None:
    with pytest.raises(FileNotFoundError):
        run_suite(tmp_path / "nope.duckdb", ALL_SUITES[0], context_root=gx_root)


# --- read-only access and DuckDB's file lock --------------------------------------------

_HOLD = textwrap.dedent(
    """
    import sys, duckdb
    con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "read")
    print("ready", flush=True)
    sys.stdin.read()
    con.close()
    """
)
_READ = (
    "import sys, duckdb; con = duckdb.connect(sys.argv[1], read_only=True); "
    "print(con.execute('SELECT count(*) FROM marts.fct_opportunities').fetchone()[0])"
)
_WRITE = (
    "import sys, duckdb; con = duckdb.connect(sys.argv[1]); "
    "con.execute('CREATE OR REPLACE TABLE main.written AS SELECT 1 AS x'); con.close()"
)


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60
    )


class _Holder:
    """Another process holding the DuckDB file open, for reading or writing."""

    def __init__(self, path: Path, mode: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _HOLD, str(path), mode],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == "ready"

    def __enter__(self) -> _Holder:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.proc.communicate(timeout=30)


@pytest.fixture
def own_warehouse(tmp_path: Path) -> Path:
    return _make_warehouse(tmp_path / "warehouse.duckdb", CLEAN_SQL)


def test_runs_alongside_another_reader(own_warehouse: Path, gx_root: Path) -> None:
    with _Holder(own_warehouse, "read"):  # e.g. a BI dashboard
        run = run_suite(
            own_warehouse, get_suite("fct_opportunities"), build_docs=False, context_root=gx_root
        )
    assert run.success


def test_read_only_connection_admits_readers_but_blocks_writers(own_warehouse: Path) -> None:
    """DuckDB: one writer process, or many reader processes, never both.

    While the runner's read-only connection is open, other processes can read but cannot
    write; that is why ``run_suite`` closes every connection before returning.
    """
    import sqlalchemy as sa

    from expectations.gx_context import read_only_url

    engine = sa.create_engine(read_only_url(own_warehouse))
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1")).fetchall()
            reader = _python(_READ, str(own_warehouse))
            assert reader.returncode == 0, reader.stderr
            assert reader.stdout.strip() == "3"
            writer = _python(_WRITE, str(own_warehouse))
            assert writer.returncode != 0
            assert "lock" in writer.stderr.lower()
            with pytest.raises(sa.exc.DBAPIError, match="read-only"):
                connection.exec_driver_sql("CREATE TABLE main.nope AS SELECT 1")
    finally:
        engine.dispose()


def test_run_suite_releases_the_file_for_writers(own_warehouse: Path, gx_root: Path) -> None:
    run = run_suite(own_warehouse, get_suite("fct_opportunities"), context_root=gx_root)
    assert run.success
    writer = _python(_WRITE, str(own_warehouse))
    assert writer.returncode == 0, writer.stderr
    # Same process, read-write: DuckDB refuses if a read-only instance were still cached.
    con = duckdb.connect(str(own_warehouse))
    con.execute("INSERT INTO marts.fct_opportunities (opportunity_id) VALUES ('o9')")
    con.close()


def test_a_writer_holding_the_file_makes_the_run_an_error(
    own_warehouse: Path, gx_root: Path
) -> None:
    with _Holder(own_warehouse, "write"), pytest.raises(SuiteExecutionError, match="lock"):
        run_suite(own_warehouse, ALL_SUITES[0], build_docs=False, context_root=gx_root)


def test_command_line(
    planted_warehouse: Path, gx_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from expectations.__main__ import main

    argv = [str(planted_warehouse), "--suite", "fct_opportunities", "--context-root", str(gx_root)]
    assert main(argv) == 1
    out = capsys.readouterr().out
    assert "FAIL fct_opportunities (marts.fct_opportunities): 2/6 passed" in out
    assert "expect_column_values_to_be_in_set(current_stage): 1 unexpected" in out
    assert main([str(planted_warehouse.parent / "missing.duckdb"), "--no-docs"]) == 2
