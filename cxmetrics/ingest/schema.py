"""The data contract: every table, column, type and rule, declared once and turned into DuckDB DDL."""

from __future__ import annotations

from dataclasses import dataclass

from cxmetrics.db import Connection

# Raise when the schema or what a load builds (e.g. rollup tables) changes: the embedded database is rebuilt.
SCHEMA_VERSION = 7


@dataclass(frozen=True)
class Column:
    """One column of the contract: SQL type, meaning and the rules a loaded value must meet."""

    name: str
    type: str
    description: str
    required: bool = False
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    references: str | None = None
    not_before: str | None = None
    first_of_month: bool = False
    empty_means_all: bool = False
    may_be_future: bool = False
    code: bool = False  # a lower-case code (touchpoint, channel): stored in lower case
    label: bool = False  # a display name (region, segment): compared ignoring case, the first spelling stored wins

    @property
    def is_temporal(self) -> bool:
        """Whether the column holds a date or a timestamp."""
        return self.type in ("DATE", "TIMESTAMP")

    @property
    def is_whole_number(self) -> bool:
        """Whether the column holds integers."""
        return self.type in ("SMALLINT", "INTEGER", "BIGINT")


@dataclass(frozen=True)
class Table:
    """One table of the contract: its columns, key, and whether a data folder must contain it."""

    name: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    required: bool = False
    date_column: str | None = None

    def column(self, name: str) -> Column:
        """The column called `name`."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in contract order."""
        return tuple(c.name for c in self.columns)


def _c(name: str, type_: str, description: str, **rules) -> Column:
    return Column(name, type_, description, **rules)


TABLES: tuple[Table, ...] = (
    Table(
        "customers",
        "One row per customer account.",
        ("customer_id",),
        (
            _c("customer_id", "VARCHAR", "Unique customer identifier.", required=True),
            _c("name", "VARCHAR", "Account name.", required=True),
            _c("region", "VARCHAR", "Sales region the account belongs to.", required=True, label=True),
            _c("segment", "VARCHAR", "Customer segment (e.g. Enterprise, Mid-Market, SMB).", required=True, label=True),
            _c("industry", "VARCHAR", "Industry of the account.", label=True),
            _c(
                "acquisition_channel",
                "VARCHAR",
                "How the customer was won (e.g. referral, direct_sales, partner, marketing); "
                "'referral' feeds the Earned Growth Rate.",
                code=True,
            ),
            _c(
                "account_owner",
                "VARCHAR",
                "The person accountable for the account (e.g. its account manager); the at-risk list shows it.",
            ),
            _c("signup_date", "DATE", "Date the customer signed up.", required=True),
            _c(
                "churn_date",
                "DATE",
                "Date the customer left; empty while active.",
                not_before="signup_date",
            ),
        ),
        required=True,
        date_column="signup_date",
    ),
    Table(
        "responses",
        "One row per survey response (relationship or transactional).",
        ("response_id",),
        (
            _c("response_id", "VARCHAR", "Unique response identifier.", required=True),
            _c(
                "customer_id",
                "VARCHAR",
                "Responding customer; empty for anonymous responses.",
                references="customers.customer_id",
            ),
            _c("responded_at", "TIMESTAMP", "When the response was submitted.", required=True),
            _c(
                "survey",
                "VARCHAR",
                "Survey type: relationship (periodic, whole relationship) or transactional (after a touchpoint).",
                required=True,
                choices=("relationship", "transactional"),
            ),
            _c(
                "touchpoint",
                "VARCHAR",
                "Journey touchpoint the response is about (sales, onboarding, product, support, "
                "field_service, billing, renewal); empty for relationship surveys.",
                code=True,
            ),
            _c("channel", "VARCHAR", "Channel the survey was answered on (email, web, in_app, sms, phone).", code=True),
            _c("nps", "SMALLINT", "Likelihood to recommend, 0-10.", low=0, high=10),
            _c("csat", "SMALLINT", "Satisfaction, 1-5 (4-5 count as satisfied).", low=1, high=5),
            _c("ces", "SMALLINT", "Customer effort: 'made it easy', 1-7 (5-7 count as easy).", low=1, high=7),
            _c("comment", "VARCHAR", "Free-text comment; empty when none was given."),
        ),
        required=True,
        date_column="responded_at",
    ),
    Table(
        "response_attributes",
        "Attribute ratings given in relationship surveys: the inputs of key driver analysis.",
        ("response_id", "attribute"),
        (
            _c(
                "response_id",
                "VARCHAR",
                "Response the rating belongs to.",
                required=True,
                references="responses.response_id",
            ),
            _c(
                "attribute",
                "VARCHAR",
                "Rated attribute (e.g. product_reliability, billing_accuracy).",
                required=True,
                code=True,
            ),
            _c("rating", "SMALLINT", "Rating, 1-5.", required=True, low=1, high=5),
        ),
    ),
    Table(
        "customer_revenue",
        "Monthly revenue, margin and cost to serve per customer.",
        ("customer_id", "month"),
        (
            _c("customer_id", "VARCHAR", "Customer.", required=True, references="customers.customer_id"),
            _c("month", "DATE", "First day of the month.", required=True, first_of_month=True),
            _c("revenue_usd", "DOUBLE", "Revenue recognised in the month, USD.", required=True, low=0),
            _c("gross_margin_usd", "DOUBLE", "Gross margin in the month, USD (may be negative)."),
            _c("cost_to_serve_usd", "DOUBLE", "Cost of serving the customer in the month, USD.", low=0),
        ),
        date_column="month",
    ),
    Table(
        "financials",
        "Company financial results by month, region and segment.",
        ("month", "region", "segment"),
        (
            _c("month", "DATE", "First day of the month.", required=True, first_of_month=True),
            _c("region", "VARCHAR", "Region.", required=True, label=True),
            _c("segment", "VARCHAR", "Segment.", required=True, label=True),
            _c("revenue_usd", "DOUBLE", "Revenue, USD.", required=True),
            _c("gross_margin_usd", "DOUBLE", "Gross margin, USD."),
            _c("operating_cost_usd", "DOUBLE", "Operating cost, USD.", low=0),
            _c("new_customers", "INTEGER", "Customers won in the month.", low=0),
            _c("churned_customers", "INTEGER", "Customers lost in the month.", low=0),
        ),
        date_column="month",
    ),
    Table(
        "complaints",
        "One row per complaint, with the process it points at and how it ended.",
        ("complaint_id",),
        (
            _c("complaint_id", "VARCHAR", "Unique complaint identifier.", required=True),
            _c("customer_id", "VARCHAR", "Complaining customer.", required=True, references="customers.customer_id"),
            _c("opened_at", "TIMESTAMP", "When the complaint was received.", required=True),
            _c("resolved_at", "TIMESTAMP", "When it was resolved; empty while open.", not_before="opened_at"),
            _c(
                "category",
                "VARCHAR",
                "What the complaint is about (e.g. invoice error, outage).",
                required=True,
                label=True,
            ),
            _c("process", "VARCHAR", "Business process at fault (e.g. billing, delivery, support).", label=True),
            _c("channel", "VARCHAR", "Where it was raised (phone, email, chat, account manager, social).", code=True),
            _c("severity", "VARCHAR", "Severity.", choices=("low", "medium", "high", "critical")),
            _c(
                "outcome",
                "VARCHAR",
                "recovered (customer satisfied with the resolution), lost (not), or open.",
                required=True,
                choices=("recovered", "lost", "open"),
            ),
        ),
        date_column="opened_at",
    ),
    Table(
        "contacts",
        "Contact-center contacts (calls, chats, emails).",
        ("contact_id",),
        (
            _c("contact_id", "VARCHAR", "Unique contact identifier.", required=True),
            _c("customer_id", "VARCHAR", "Customer; empty when unknown.", references="customers.customer_id"),
            _c("contacted_at", "TIMESTAMP", "When the contact started.", required=True),
            _c("channel", "VARCHAR", "phone, chat, email, ...", code=True),
            _c("reason", "VARCHAR", "Contact reason.", label=True),
            _c("resolved_first_contact", "BOOLEAN", "Whether the issue was resolved in this first contact."),
            _c("handle_minutes", "DOUBLE", "Handling time, minutes.", low=0),
            _c("cost_usd", "DOUBLE", "Fully loaded cost of the contact, USD.", low=0),
        ),
        date_column="contacted_at",
    ),
    Table(
        "follow_ups",
        "Closed-loop follow-ups of survey responses (typically detractors).",
        ("response_id",),
        (
            _c("response_id", "VARCHAR", "Response followed up.", required=True, references="responses.response_id"),
            _c("owner", "VARCHAR", "Person or team owning the follow-up.", required=True),
            _c("status", "VARCHAR", "open or closed.", required=True, choices=("open", "closed")),
            _c("opened_at", "TIMESTAMP", "When the follow-up was opened.", required=True),
            _c("closed_at", "TIMESTAMP", "When it was closed; empty while open.", not_before="opened_at"),
            _c("action", "VARCHAR", "What was done."),
        ),
        date_column="opened_at",
    ),
    Table(
        "employee_engagement",
        "Employee engagement by month, region and team.",
        ("month", "region", "team"),
        (
            _c("month", "DATE", "First day of the month.", required=True, first_of_month=True),
            _c("region", "VARCHAR", "Region.", required=True, label=True),
            _c("team", "VARCHAR", "Team (e.g. Support, Sales, Billing).", required=True, label=True),
            _c("headcount", "INTEGER", "Employees in the unit.", low=0),
            _c("enps", "DOUBLE", "Employee NPS, -100..100.", low=-100, high=100),
            _c("engagement_index", "DOUBLE", "Engagement index, 0-100.", low=0, high=100),
        ),
        date_column="month",
    ),
    Table(
        "social_mentions",
        "Public social-media mentions of the company: one listening post among many.",
        ("mention_id",),
        (
            _c("mention_id", "VARCHAR", "Unique mention identifier.", required=True),
            _c("posted_at", "TIMESTAMP", "When it was posted.", required=True),
            _c("platform", "VARCHAR", "Platform (e.g. LinkedIn, X, Reddit, review site).", required=True, label=True),
            _c("region", "VARCHAR", "Region, where known.", label=True),
            _c("text", "VARCHAR", "Text of the mention.", required=True),
            _c("reach", "INTEGER", "Audience reached (followers or views).", low=0),
        ),
        date_column="posted_at",
    ),
    Table(
        "targets",
        "Targets per metric and period; an empty region or segment means company-wide.",
        ("metric", "period_start", "grain", "region", "segment"),
        (
            _c("metric", "VARCHAR", "Metric id from the metric registry (e.g. nps, csat).", required=True),
            _c(
                "period_start",
                "DATE",
                "First day of the period the target applies from.",
                required=True,
                may_be_future=True,
            ),
            _c(
                "grain",
                "VARCHAR",
                "Period grain of the target.",
                required=True,
                choices=("week", "month", "quarter", "year"),
            ),
            _c("region", "VARCHAR", "Region; empty for all regions.", empty_means_all=True, label=True),
            _c("segment", "VARCHAR", "Segment; empty for all segments.", empty_means_all=True, label=True),
            _c("target", "DOUBLE", "Target value in the metric's unit.", required=True),
        ),
        date_column="period_start",
    ),
    Table(
        "events",
        "Events annotated on every trend chart (price change, system migration, ...).",
        ("event_id",),
        (
            _c("event_id", "VARCHAR", "Unique event identifier.", required=True),
            _c(
                "event_date",
                "DATE",
                "Date of the event (may be ahead: a planned change).",
                required=True,
                may_be_future=True,
            ),
            _c("title", "VARCHAR", "Short title shown on charts.", required=True),
            _c("region", "VARCHAR", "Region affected; empty for company-wide.", label=True),
            _c("description", "VARCHAR", "What happened."),
        ),
        date_column="event_date",
    ),
    Table(
        "actions",
        "The action register: decisions of the review, each meant to move one metric in one slice, with the "
        "metric's baseline when it was recorded. Recorded and updated on the Actions page; loadable like any table.",
        ("action_id",),
        (
            _c("action_id", "VARCHAR", "Unique action identifier.", required=True),
            _c("title", "VARCHAR", "What will be done.", required=True),
            _c("owner", "VARCHAR", "Who is accountable (their sign-in email, so they can update it).", required=True),
            _c("due_date", "DATE", "When it is due.", required=True, may_be_future=True),
            _c("metric", "VARCHAR", "Metric id from the metric registry it should move (e.g. nps).", required=True),
            _c("region", "VARCHAR", "Region of the slice; empty for all regions.", empty_means_all=True, label=True),
            _c("segment", "VARCHAR", "Segment of the slice; empty for all.", empty_means_all=True, label=True),
            _c("touchpoint", "VARCHAR", "Touchpoint of the slice; empty for all.", empty_means_all=True, code=True),
            _c("channel", "VARCHAR", "Survey channel of the slice; empty for all.", empty_means_all=True, code=True),
            _c(
                "direction",
                "VARCHAR",
                "Which way the metric should move: up or down.",
                required=True,
                choices=("up", "down"),
            ),
            _c("status", "VARCHAR", "open, done or dropped.", required=True, choices=("open", "done", "dropped")),
            _c("note", "VARCHAR", "Notes added since, one dated line each."),
            _c("created_at", "TIMESTAMP", "When it was recorded (UTC).", required=True),
            _c("created_by", "VARCHAR", "Who recorded it.", required=True),
            _c(
                "closed_at",
                "TIMESTAMP",
                "When it was marked done or dropped; empty while open.",
                not_before="created_at",
            ),
            _c("baseline_value", "DOUBLE", "The metric in the slice over the baseline period, when recorded."),
            _c("baseline_low", "DOUBLE", "Low end of the baseline's 95% interval."),
            _c("baseline_high", "DOUBLE", "High end of the baseline's 95% interval."),
            _c("baseline_n", "INTEGER", "Responses (the metric's n) behind the baseline.", low=0),
            _c("baseline_start", "DATE", "First day of the baseline period."),
            _c("baseline_end", "DATE", "Last day of the baseline period.", not_before="baseline_start"),
        ),
        date_column="created_at",
    ),
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}
REQUIRED_TABLES: tuple[str, ...] = tuple(t.name for t in TABLES if t.required)

# The load log: one row per table a load (or an imported export) wrote. (name, type, meaning); the columns after
# `rejected` were added later, so a database created before them gets them by ALTER TABLE.
LOAD_LOG_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("load_id", "VARCHAR NOT NULL", "The load (each imported export is a load of its own)."),
    ("loaded_at", "TIMESTAMP NOT NULL", "When it was written."),
    ("table_name", "VARCHAR NOT NULL", "The table written."),
    ("source", "VARCHAR NOT NULL", "The file read."),
    ("rows_read", "BIGINT NOT NULL", "Rows read from the file (an export's dropped rows not counted)."),
    ("inserted", "BIGINT NOT NULL", "Rows with a new key."),
    ("updated", "BIGINT NOT NULL", "Rows that replaced a stored row with other values."),
    ("unchanged", "BIGINT NOT NULL", "Rows identical to the stored row."),
    ("rejected", "BIGINT NOT NULL", "Rows rejected (their reasons are in load_rejects)."),
    ("ignored_columns", "VARCHAR", "Columns of the file that are not in the contract."),
    ("dropped_test", "BIGINT DEFAULT 0", "Survey-tool export: test responses dropped."),
    ("dropped_preview", "BIGINT DEFAULT 0", "Survey-tool export: preview responses dropped."),
    ("dropped_unfinished", "BIGINT DEFAULT 0", "Survey-tool export: unfinished responses dropped."),
    ("notes", "VARCHAR", "Survey-tool export: the tool, the time zone used and why, times without seconds."),
    (
        "loaded_by",
        "VARCHAR",
        "Who loaded it: the signed-in person (the app's Load data page), the local user in local mode, "
        "`USER (command line)` for `load` and `import`.",
    ),
)
_LOAD_LOG_FIRST = 9  # columns of the first version of the table; later ones are added to older databases

LOAD_LOG_DDL = (
    "\nCREATE TABLE IF NOT EXISTS load_log (\n"
    + "".join(f"    {name} {kind},\n" for name, kind, _ in LOAD_LOG_COLUMNS)
    + "    PRIMARY KEY (load_id, table_name)\n);\n"
    + "".join(
        f"ALTER TABLE load_log ADD COLUMN IF NOT EXISTS {name} {kind};\n"
        for name, kind, _ in LOAD_LOG_COLUMNS[_LOAD_LOG_FIRST:]
    )
    + """CREATE TABLE IF NOT EXISTS load_rejects (
    load_id VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    line BIGINT NOT NULL,
    column_name VARCHAR,
    value VARCHAR,
    reason VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_log (
    changed_at TIMESTAMP NOT NULL,
    changed_by VARCHAR NOT NULL,
    table_name VARCHAR NOT NULL,
    row_key VARCHAR NOT NULL,
    change VARCHAR NOT NULL CHECK (change IN ('insert', 'update', 'delete')),
    column_name VARCHAR,
    old_value VARCHAR,
    new_value VARCHAR
);
"""
)


def _sql_literal(value: float) -> str:
    return repr(int(value)) if float(value).is_integer() else repr(float(value))


def column_checks(table: Table, col: Column) -> list[str]:
    """The CHECK constraints of one column as SQL expressions."""
    name = col.name
    checks = []
    if col.low is not None:
        checks.append(f"{name} >= {_sql_literal(col.low)}")
    if col.high is not None:
        checks.append(f"{name} <= {_sql_literal(col.high)}")
    if col.choices:
        options = ", ".join(f"'{c}'" for c in col.choices)
        checks.append(f"{name} IN ({options})")
    if col.not_before:
        checks.append(f"{name} >= {col.not_before}")
    if col.first_of_month:
        checks.append(f"day({name}) = 1")
    return checks


def column_ddl(table: Table, col: Column) -> str:
    """One column definition with NOT NULL, DEFAULT and CHECK clauses."""
    parts = [col.name, col.type]
    if col.empty_means_all:
        parts.append("NOT NULL DEFAULT ''")
    elif col.required or col.name in table.key:
        parts.append("NOT NULL")
    parts.extend(f"CHECK ({check})" for check in column_checks(table, col))
    return " ".join(parts)


def table_ddl(table: Table) -> str:
    """CREATE TABLE statement of one contract table."""
    lines = [column_ddl(table, c) for c in table.columns]
    lines.append(f"PRIMARY KEY ({', '.join(table.key)})")
    if table.name == "responses":
        lines.append("CHECK (nps IS NOT NULL OR csat IS NOT NULL OR ces IS NOT NULL)")
    body = ",\n    ".join(lines)
    return f"CREATE TABLE IF NOT EXISTS {table.name} (\n    {body}\n);"


def schema_ddl() -> str:
    """The whole schema: contract tables plus load bookkeeping."""
    return "\n".join(table_ddl(t) for t in TABLES) + LOAD_LOG_DDL


def added_columns_ddl() -> str:
    """ALTER statements that give a table created by an older version its later optional columns (those without
    rules; a column with rules needs a rebuild)."""
    return "\n".join(
        f"ALTER TABLE {t.name} ADD COLUMN IF NOT EXISTS {c.name} {c.type};"
        for t in TABLES
        for c in t.columns
        if not (c.required or c.name in t.key or c.empty_means_all or column_checks(t, c))
    )


def create_schema(conn: Connection) -> None:
    """Create every table that does not exist yet, add later optional columns, and record the schema version."""
    conn.execute(schema_ddl())
    conn.execute(added_columns_ddl())
    conn.execute(
        "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
        [str(SCHEMA_VERSION)],
    )


def _rules_text(table: Table, col: Column) -> str:
    """The rules of a column in words, for the data model document."""
    rules = []
    if (col.required or col.name in table.key) and not col.empty_means_all:
        rules.append("required")
    if col.empty_means_all:
        rules.append("empty = all")
    if col.low is not None and col.high is not None:
        rules.append(f"{col.low:g} to {col.high:g}")
    elif col.low is not None:
        rules.append(f">= {col.low:g}")
    elif col.high is not None:
        rules.append(f"<= {col.high:g}")
    if col.choices:
        rules.append("one of " + ", ".join(col.choices))
    if col.references:
        rules.append(f"must exist in {col.references}")
    if col.not_before:
        rules.append(f"not before {col.not_before}")
    if col.first_of_month:
        rules.append("first day of a month")
    if col.is_temporal and not col.may_be_future:
        rules.append("not after the load")
    if col.code:
        rules.append("stored lower case")
    if (
        col.label
        or col.references
        or (col.name in table.key and col.type == "VARCHAR" and not (col.choices or col.code))
    ):
        rules.append("case ignored")
    return "; ".join(rules)


def _load_log_markdown() -> list[str]:
    """The load log's section of the data model document."""
    out = [
        "## load_log (written by every load)",
        "",
        "What each load did, one row per table it wrote; the Data page's *Recent loads* sums it by load. Rejected",
        "rows themselves are in `load_rejects` (file, line, column, value, reason).",
        "",
        "| column | type | meaning |",
        "|---|---|---|",
    ]
    return out + [f"| {name} | {kind.split()[0]} | {meaning} |" for name, kind, meaning in LOAD_LOG_COLUMNS] + [""]


def _bookkeeping_markdown() -> list[str]:
    """What the database records about loads and edits, beside the contract tables."""
    return [
        "## Loads and edits recorded",
        "",
        "- `load_log`: one row per table of each load, with who loaded it (its columns are listed at the end);",
        "  `load_rejects` keeps every rejected row with its reason.",
        "- `audit_log`: one row per value changed on the app's Targets & events page (and one per deleted row): when",
        "  (`changed_at`, UTC), who (`changed_by`), the table, the row's key, insert / update / delete, the column,",
        "  and the old and new value. The page's Edit history reads it.",
        "- A dry run (the app's preview, `load --dry-run`, `import --dry-run`) runs the same load in a working copy of",
        "  the file and discards it, recording nothing. On a database that is not a local file (`md:...`) there is no",
        "  copy: loads, dry runs and saves are single transactions on the database itself, a dry run rolled back.",
        "",
    ]


def data_model_markdown() -> str:
    """docs/data_model.md: every table and column with type, rules and meaning, generated from this module."""
    out = [
        "# Data model",
        "",
        "Generated from `cxmetrics/ingest/schema.py` by `python -m cxmetrics schema --markdown`;"
        " a test fails on drift.",
        "",
        "A data folder holds one file per table, CSV (UTF-8, comma-separated, header line) or Parquet, named after",
        "the table (`customers.csv`, `responses.parquet`, ...). `customers` and `responses` are required on the first",
        "load; every other table is optional. Dates are `YYYY-MM-DD`; timestamps `YYYY-MM-DD HH:MM:SS` (or a date).",
        "Empty cells are missing values. Rows that break a rule are rejected with file, line, column and reason and",
        "kept in the `load_rejects` table; valid rows load. Loading the same rows again changes nothing; a row whose",
        "key exists with other values replaces the old row.",
        "",
        "## Loading rules",
        "",
        "- **Weekly loads.** A folder may hold any subset of the tables: load just this week's `responses.csv` (or",
        "  `events.csv`) into an existing database. The required tables are required only when the database has none.",
        "- **Columns a file leaves out** keep their stored values for the keys the file repeats (an `account_owner` or",
        "  `comment` is not wiped by a file without that column); an empty cell in a column the file has clears it.",
        "- **File names.** Each file is named exactly after its table, in lower case: `<table>.csv`, `<table>.csv.gz`",
        "  or `<table>.parquet`. A data file or folder named nearly after a table (`Responses.CSV`,",
        "  `survey_responses.csv`, `customer.parquet`, a folder `responses/`) stops the load with an error naming the",
        "  table it meant; other files are noted and ignored. A table may be a folder of Parquet parts",
        "  (`responses.parquet/part-0.parquet`, ...): every part loads, messages name the part and its row, and a",
        "  key repeated in a later part is a duplicate.",
        "- **Normalisation.** Every value is trimmed of surrounding whitespace of any kind (spaces, tabs, no-break",
        "  and zero-width spaces); a value left empty is missing. Then, by kind of column:",
        "  - *ids* (`customer_id`, `response_id`, ... and the columns that refer to them) are compared ignoring",
        "    letter case: `c1` is the customer `C1`, stored with the spelling the database holds first (in one file,",
        "    its first line's); a second customer `c1` in the file that has `C1` is a duplicate key;",
        "  - *labels* (region, segment, industry, team, platform, complaint category and process, contact reason)",
        "    are compared ignoring case across every table that has them: `emea` and ` Emea` are stored as the",
        "    `EMEA` the database already holds (else the file's first spelling);",
        "  - *codes* (touchpoint, survey channel, complaint and contact channel, acquisition channel, attribute)",
        "    and the columns with a fixed list of values (survey, severity, outcome, status, grain) are stored in",
        "    lower case: `SUPPORT` and ` Support` are the touchpoint `support`;",
        "  - *free text* (names, comments, titles, actions) is kept as written, inside the trimmed ends.",
        "- **Numbers** are written as digits (`9`, `-3.5`, `9.0`, `1.2e3` where fractions are allowed); a whole-number",
        "  column takes `9` or `9.0`, not `1e1`, `1_0` or `0x9`. A NaN in Parquet is a missing value.",
        "- **Dates and times** are written `YYYY-MM-DD`, and timestamps `YYYY-MM-DD HH:MM[:SS[.fff]]` with an",
        "  optional `T`, `Z`, offset (`+05:30`) or zone name (`Europe/Paris`); a timestamp with a zone is stored in",
        "  UTC, one without it as written. `2026/01/08`, `2026-1-8` and `epoch` are rejected.",
        "- **No dates after the load.** A date or time later than the load (in UTC, with 14 hours' grace for local",
        "  times written without a zone) is rejected as a future date; targets (`period_start`) and events",
        "  (`event_date`) may lie ahead.",
        "- **Targets and events** are checked against what the database holds: a target names a metric of the",
        "  registry (`python -m cxmetrics metrics`) and lies within the values that metric can take (an NPS target of",
        "  140, a CSAT target of 120 or a CES target of 0.5 is rejected; net revenue retention may exceed 100); a",
        "  target's or event's region and segment are ones some customer has (or empty, for all); an event dated",
        "  before the first survey response or more than a year after the last is rejected as outside the data.",
        "- **Text** is UTF-8. Parquet text columns may be strings or UTF-8 bytes; a list, a nested value or bytes",
        "  that are not UTF-8 stop the load, naming the file, row and column. A CSV quote left open stops the load,",
        "  naming the line and column where it opens. A value of any length loads (comments are scored for",
        "  sentiment on their first 5,000 characters).",
        "",
    ]
    out += _bookkeeping_markdown()
    for table in TABLES:
        status = "required" if table.required else "optional"
        out += [f"## {table.name} ({status})", "", table.description, "", f"Key: {', '.join(table.key)}", ""]
        out += ["| column | type | rules | meaning |", "|---|---|---|---|"]
        out += [f"| {c.name} | {c.type} | {_rules_text(table, c)} | {c.description} |" for c in table.columns]
        out.append("")
    out += _load_log_markdown()
    return "\n".join(out)
