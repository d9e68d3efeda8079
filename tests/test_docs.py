"""Documents that must not drift: the data model against the schema, the settings against the README."""

from __future__ import annotations

from pathlib import Path

import duckdb

from cxmetrics import config
from cxmetrics.cli import main
from cxmetrics.ingest import schema

ROOT = Path(__file__).resolve().parent.parent


def test_data_model_document_matches_the_schema() -> None:
    text = (ROOT / "docs" / "data_model.md").read_text()
    assert text == schema.data_model_markdown() + "\n", (
        "regenerate: python -m cxmetrics schema --markdown > docs/data_model.md"
    )


def test_data_model_lists_every_column_of_the_database() -> None:
    conn = duckdb.connect()
    schema.create_schema(conn)
    text = (ROOT / "docs" / "data_model.md").read_text()
    for table in schema.TABLES:
        columns = conn.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [table.name],
        ).fetchall()
        assert [name for name, _ in columns] == list(table.column_names)
        for name, data_type in columns:
            assert f"| {name} | {data_type} |" in text, f"{table.name}.{name} ({data_type}) missing from data_model.md"


def test_every_contract_table_is_in_the_schema() -> None:
    expected = {
        "customers", "responses", "response_attributes", "customer_revenue", "financials", "complaints",
        "contacts", "follow_ups", "employee_engagement", "social_mentions", "targets", "events", "actions",
    }  # fmt: skip
    assert {t.name for t in schema.TABLES} == expected
    assert schema.REQUIRED_TABLES == ("customers", "responses")


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for setting in config.SETTINGS:
        assert f"`{setting.name}`" in readme, f"setting {setting.name} is not documented in README.md"


def test_settings_come_from_environment_then_secrets_then_default() -> None:
    assert config.get("CX_MIN_N", environ={}, secrets={}) == 30
    assert config.get("CX_MIN_N", environ={}, secrets={"CX_MIN_N": "50"}) == 50
    assert config.get("CX_MIN_N", environ={"CX_MIN_N": "40"}, secrets={"CX_MIN_N": "50"}) == 40


def test_schema_command_prints_the_document(capsys) -> None:
    assert main(["schema", "--markdown"]) == 0
    assert capsys.readouterr().out == schema.data_model_markdown() + "\n"


def test_a_database_of_an_older_version_gains_the_later_optional_columns_and_keeps_its_rows() -> None:
    conn = duckdb.connect()
    conn.execute(
        "CREATE TABLE customers (customer_id VARCHAR NOT NULL PRIMARY KEY, name VARCHAR NOT NULL, region VARCHAR "
        "NOT NULL, segment VARCHAR NOT NULL, industry VARCHAR, signup_date DATE NOT NULL, churn_date DATE)"
    )
    conn.execute("INSERT INTO customers VALUES ('c1', 'C1', 'EMEA', 'SMB', NULL, DATE '2020-01-01', NULL)")
    schema.create_schema(conn)
    schema.create_schema(conn)
    row = conn.execute("SELECT customer_id, acquisition_channel, account_owner FROM customers").fetchall()
    assert row == [("c1", None, None)]
