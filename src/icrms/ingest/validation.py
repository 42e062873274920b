"""Validate a batch of raw rows in DuckDB: typed warehouse rows out, every bad row quarantined.

Each check is SQL that is TRUE when a row breaks a rule; its quarantine record names the field
as the source file calls it, the value and the reason. A row may break several rules: each is
recorded, and the row counts once.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pyarrow as pa

from icrms.declarations import codes, limits
from icrms.declarations.fields import (
    CHANNELS,
    CLEARANCE_COLUMNS,
    CONTROL_COLUMNS,
    HEADER_FIELDS,
    IRREGULARITY_TYPES,
    NATIVE_COLUMNS,
    NATIVE_FIELDS,
    OUTCOMES,
    REQUIRED_COLUMNS,
    SELECTIONS,
)
from icrms.declarations.parsers.base import Adapter, q, text
from icrms.ingest.readers import ROW
from icrms.warehouse.schema import FACT_CONTROL, FACT_DECLARATION, FACT_ITEM

DECLARATION_KEY = ("declaration_id", "version")
NUMBERS = [f.name for f in NATIVE_FIELDS if pa.types.is_floating(f.type)] + ["extra_revenue"]
BOOL_TRUE = ("true", "t", "1", "yes", "y")
BOOL_WORDS = (*BOOL_TRUE, "false", "f", "0", "no", "n")
CODES_UPPER = ("country_of_export", "country_of_origin", "currency")
TYPED = (*NUMBERS, "version", "item_no")  # fields a typed source column may feed as it is
# ISO 8601 with an offset of at most 14 hours
ISO_OFFSET = (
    r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?"
    r"(Z|[+-]((0\d|1[0-3])(:?[0-5]\d)?|14(:?00)?))"
)
ISO_REASON = "is not an ISO 8601 date and time with a UTC offset of at most 14 hours"
# Header fields as typed (field, SQL), compared between the items of one declaration.
HEADER_TYPED = [
    ("lodged_at", "_lodged_ts"),
    ("lodged_at", "_lodged_date"),
    *(
        (f.name, f.name)
        for f in HEADER_FIELDS
        if f.name not in ("declaration_id", "version", "lodged_at", "aeo")
    ),
    ("aeo", "_aeo"),
]


# The header of declarations already in the warehouse, one row per distinct header, typed as the
# validator types a batch's rows: items of a later batch or file must agree with it.
KNOWN_HEADS = pa.schema(
    [
        ("declaration_id", pa.string()),
        ("version", pa.int32()),
        ("_lodged_ts", pa.timestamp("us", tz="UTC")),
        ("_lodged_date", pa.date32()),
        *(
            (c, pa.string())
            for f, c in HEADER_TYPED
            if c not in ("_lodged_ts", "_lodged_date", "_aeo")
        ),
        ("_aeo", pa.bool_()),
    ]
)
CONFLICT_VALUES_SHOWN = 5  # differing values quoted in a reason, at most


@dataclass(frozen=True)
class Check:
    """A rule: ``bad`` is SQL that is TRUE for rows breaking it; ``reason_sql`` words it per row."""

    field: str
    bad: str
    reason: str
    reason_sql: str | None = None

    def reason_expr(self) -> str:
        """SQL giving the reason of a row breaking the rule."""
        return self.reason_sql or "'" + self.reason.replace("'", "''") + "'"


def sql_list(values: tuple[str, ...] | list[str]) -> str:
    """A DuckDB list literal of strings."""
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _sql_in(values: list[str]) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def _container_ok(c: str) -> str:
    """SQL: TRUE when ``c`` is an ISO 6346 container number with the right check digit.

    Letter values skip multiples of 11 (A=10, B=12 ... K=21, L=23 ... U=32, V=34 ... Z=38): from
    v = ord - 55 the value is v + (v - 1) // 10. The arithmetic never raises, whatever ``c`` holds
    (``ord('')`` is -1), so a malformed number is a quarantine reason, not a failed batch.
    """

    def at(i: int) -> str:
        return f"ord(substr({c}, {i + 1}, 1))"

    letters = [f"(({at(i)} - 55) + ({at(i)} - 56) // 10) * {2**i}" for i in range(4)]
    digits = [f"({at(i)} - 48) * {2**i}" for i in range(4, 10)]
    return (
        f"(regexp_full_match({c}, '[A-Z]{{3}}[UJZR][0-9]{{7}}') "
        f"AND ({' + '.join(letters + digits)}) % 11 % 10 = {at(10)} - 48)"
    )


def _one_of(column: str, values: tuple[str, ...]) -> Check:
    bad = f"{column} IS NOT NULL AND NOT list_contains({sql_list(values)}, {column})"
    return Check(column, bad, f"is not one of {', '.join(values)}")


def checks(adapter: Adapter) -> list[Check]:
    """Every rule a row of this format must meet."""
    when = adapter.date_format or ISO_REASON.removeprefix("is not ")
    modes = sql_list(list(codes.TRANSPORT_MODES))
    hs_ok = "regexp_full_match(hs_code, '[0-9]{6,10}')"
    types = sql_list(IRREGULARITY_TYPES)
    rules = [Check(c, f"{c} IS NULL", "is required") for c in REQUIRED_COLUMNS]
    rules += [
        Check("lodged_at", "lodged_at IS NOT NULL AND _lodged_ts IS NULL", f"is not {when}"),
        Check("hs_code", f"hs_code IS NOT NULL AND NOT {hs_ok}", "is not 6 to 10 digits"),
        Check(
            "hs_code",
            f"{hs_ok} AND NOT TRY_CAST(left(hs_code, 2) AS INT) BETWEEN 1 AND 97",
            "has an HS chapter outside 01 to 97",
        ),
        Check(
            "transport_mode",
            f"transport_mode IS NOT NULL AND NOT list_contains({modes}, transport_mode) "
            "AND NOT regexp_full_match(transport_mode, '[A-Z]+:.+')",
            "is not a UN Rec. 19 transport mode (0-9)",
        ),
        Check(
            "containers",
            "containers IS NOT NULL AND len(list_filter(string_split(containers, ';'), "
            f"lambda c: NOT {_container_ok('c')})) > 0",
            "has a container number that breaks ISO 6346 (format or check digit)",
        ),
        Check(
            "currency",
            f"currency IS NOT NULL AND currency NOT IN {_sql_in(sorted(codes.currencies()))}",
            "is not an ISO 4217 currency code",
        ),
        _one_of("control_outcome", OUTCOMES),
        _one_of("control_selection", SELECTIONS),
        Check(
            "irregularity_types",
            "irregularity_types IS NOT NULL AND len(list_filter(string_split(irregularity_types, "
            f"';'), lambda t: NOT list_contains({types}, t))) > 0",
            f"has a type that is not one of {', '.join(IRREGULARITY_TYPES)}",
        ),
        *[
            Check(
                c,
                f"{c} IS NOT NULL AND (NOT regexp_full_match({c}, '{ISO_OFFSET}') "
                f"OR TRY_CAST({c} AS TIMESTAMPTZ) IS NULL)",
                ISO_REASON,
            )
            for c in ("controlled_at", "control_started_at", "assessed_at", "released_at")
        ],
        *[
            Check(
                c,
                f"NOT {_in_years(f'TRY_CAST({c} AS TIMESTAMPTZ)', f'left({c}, 4)')}",
                f"is outside {limits.EARLIEST.year} to {limits.LATEST.year - 1}",
            )
            for c in ("controlled_at", "control_started_at", "assessed_at", "released_at")
        ],
        _one_of("channel", CHANNELS),
        Check(
            "lodged_at",
            f"NOT {_in_years('_lodged_ts', 'year(_lodged_date)')}",
            f"is outside {limits.EARLIEST.year} to {limits.LATEST.year - 1}",
        ),
        Check(
            "declaration_id",
            "_items > " + str(limits.MAX_ITEMS),
            f"has more than {limits.MAX_ITEMS} items",
        ),
        Check(
            "declaration_id",
            "_first_row IS NOT NULL",
            "repeats the declaration_id, version and item_no of an earlier row",
        ),
    ]
    for c in ("country_of_export", "country_of_origin"):
        bad = f"{c} IS NOT NULL AND {c} NOT IN {_sql_in(sorted(codes.countries()))}"
        rules.append(Check(c, bad, "is not an ISO 3166-1 alpha-2 country code"))
    for c in ("version", "item_no"):
        # INTEGER is what the warehouse stores: a larger number does not cast
        whole = f"TRY_CAST({c} AS INTEGER)"  # rounds '1.5' to 2: compare with the number given
        bad = (
            f"{c} IS NOT NULL AND coalesce({whole} < 1 OR {whole} <> TRY_CAST({c} AS DOUBLE), TRUE)"
        )
        rules.append(Check(c, bad, f"is not a whole number from 1 to {limits.WHOLE_MAX[c]}"))
    for c in NUMBERS:
        number = f"TRY_CAST({c} AS DOUBLE)"
        rules.append(
            Check(
                c,
                f"{c} IS NOT NULL AND NOT coalesce(isfinite({number}), FALSE)",
                "is not a finite number",
            )
        )
        rules.append(Check(c, f"{number} < 0", "is negative"))
        top = limits.number_max(c)
        rules.append(Check(c, f"{number} > {top!r}", f"is larger than {top:g}"))
        if c in limits.MASS_FIELDS:
            rules.append(
                Check(
                    c,
                    f"{number} > 0 AND {number} < {limits.MASS_MIN_KG!r}",
                    f"is below {limits.MASS_MIN_KG:g} kg (1 mg) but not 0",
                )
            )
    for c, top in limits.TEXT_MAX.items():
        # bytes first: cheap, and no text has more characters than bytes
        bad = f"strlen({c}) > {top} AND length({c}) > {top}"
        rules.append(Check(c, bad, f"is longer than {top} characters"))
    rules.append(
        Check(
            "containers",
            f"strlen(containers) > {12 * limits.MAX_CONTAINERS}",
            f"lists more than {limits.MAX_CONTAINERS} containers",
        )
    )
    for name in dict(HEADER_TYPED):
        said = "differs between the items of this declaration"
        rules.append(
            Check(
                name,
                f"list_contains(_conflicts, '{name}')",
                f"{said} (the whole declaration is refused)",
                f"'{said} (' || _conflict_values['{name}'] || '); the whole declaration is refused'",
            )
        )
    for c in ("aeo", "critical"):
        bad = f"{c} IS NOT NULL AND NOT list_contains({sql_list(BOOL_WORDS)}, lower({c}))"
        rules.append(Check(c, bad, "is not true or false"))
    return rules


def _in_years(instant: str, local_year: str) -> str:
    """SQL: TRUE unless an instant (UTC) or its local year falls outside the allowed years."""
    first, last = limits.EARLIEST.year, limits.LATEST.year - 1
    return (
        f"coalesce({instant} >= TIMESTAMPTZ '{limits.EARLIEST.isoformat()}' "
        f"AND {instant} < TIMESTAMPTZ '{limits.LATEST.isoformat()}' "
        f"AND TRY_CAST({local_year} AS INTEGER) BETWEEN {first} AND {last}, TRUE)"
    )


QUARANTINE_RECORD = pa.schema(
    [
        ("row", pa.int64()),
        ("field", pa.string()),
        ("value", pa.string()),
        ("reason", pa.string()),
        ("raw", pa.string()),
    ]
)


class Validator:
    """Validates raw batches of one format in DuckDB.

    ``prepare`` leaves a temporary table ``checked`` in the connection: every row typed as the
    warehouse wants it, with ``_ok`` telling whether it met every rule. Given the DuckDB
    warehouse's own connection, the warehouse loads straight from ``checked``; otherwise
    ``validate`` hands Arrow tables over.
    """

    def __init__(
        self,
        adapter: Adapter,
        timezone: str,
        source_label: str,
        con: duckdb.DuckDBPyConnection | None = None,
    ) -> None:
        self.adapter = adapter
        self._owned = con is None
        self.con = con if con is not None else duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        self._timezone = timezone
        self._source = source_label
        self._sql_by_schema: dict[pa.Schema, tuple[str, str]] = {}
        self.known_heads = KNOWN_HEADS.empty_table()
        self.items_sql = f"SELECT {', '.join(FACT_ITEM.names)} FROM checked WHERE _ok"
        self.controls_sql = (
            f"SELECT {', '.join(FACT_CONTROL.names)} FROM checked WHERE _ok AND outcome IS NOT NULL"
        )
        # header fields repeat on every item row: one row per declaration version of the batch
        self.declarations_sql = (
            f"SELECT {', '.join(f'min({c}) AS {c}' if c not in DECLARATION_KEY else c for c in FACT_DECLARATION.names)} "
            "FROM checked WHERE _ok GROUP BY declaration_id, version"
        )

    def _mapped(self, raw: pa.Schema) -> str:
        """The CTE ``mapped``: the file's columns as the native fields (text, codes upper-cased)."""
        adapter, mapped = self.adapter, []
        for column in NATIVE_COLUMNS + CONTROL_COLUMNS + CLEARANCE_COLUMNS:
            expr = adapter.fields.get(column, "CAST(NULL AS VARCHAR)")
            source = adapter.source_of(column)
            if expr == text(source) and source not in raw.names:
                expr = "CAST(NULL AS VARCHAR)"  # an optional column the file does not have
            elif column in TYPED and expr == text(source) and _is_number(raw, source):
                expr = q(source)  # already a number (Parquet): no round trip through text
            mapped.append(f"{'upper' if column in CODES_UPPER else ''}({expr}) AS {column}")
        return f"mapped AS (SELECT {ROW}, {', '.join(mapped)} FROM raw)"

    def _ctes(self, raw: pa.Schema) -> str:
        adapter, timezone = self.adapter, self._timezone
        if adapter.date_format:
            parsed = f"try_strptime(lodged_at, '{adapter.date_format}')"
            zone = timezone.replace("'", "''")  # settings checked it against the zone database
            lodged = f"timezone('{zone}', {parsed})"
            local_date = f"CAST({parsed} AS DATE)"
        else:
            lodged = f"CASE WHEN regexp_full_match(lodged_at, '{ISO_OFFSET}') THEN TRY_CAST(lodged_at AS TIMESTAMPTZ) END"
            local_date = "TRY_CAST(left(lodged_at, 10) AS DATE)"
        key = "declaration_id, coalesce(version, '1') AS version, item_no"
        same = "ON t.declaration_id = h.declaration_id AND coalesce(t.version, '1') = h.version"
        columns = [c for _, c in HEADER_TYPED]
        conflicts = ", ".join(
            f"CASE WHEN count(DISTINCT {c}) > 1 OR count({c}) NOT IN (0, count(*)) THEN '{f}' END"
            for f, c in HEADER_TYPED
        )
        shown = CONFLICT_VALUES_SHOWN
        values = ", ".join(
            f"'{f}': array_to_string(list_slice(list_sort(list_distinct(list("
            f"coalesce(chr(39) || left(CAST({c} AS VARCHAR), 40) || chr(39), 'empty')))), "
            f"1, {shown}), ', ')"
            # lodged_at as written: the same instant may fall on other local dates
            for f, c in {f: "lodged_at" if f == "lodged_at" else c for f, c in HEADER_TYPED}.items()
        )
        return f"""
            WITH {self._mapped(raw)},
            repeats AS (
                SELECT {key}, min({ROW}) AS first_row FROM mapped
                WHERE declaration_id IS NOT NULL AND item_no IS NOT NULL
                GROUP BY ALL HAVING count(*) > 1),
            typed0 AS (
                SELECT m.*, {lodged} AS _lodged_ts, {local_date} AS _lodged_date,
                    coalesce(list_contains({sql_list(BOOL_TRUE)}, lower(m.aeo)), FALSE) AS _aeo,
                    CASE WHEN m.{ROW} > r.first_row THEN r.first_row END AS _first_row
                FROM mapped m LEFT JOIN repeats r
                  ON m.declaration_id = r.declaration_id AND m.item_no = r.item_no
                 AND coalesce(m.version, '1') = r.version),
            heads_in AS (
                SELECT declaration_id, coalesce(version, '1') AS version, FALSE AS _known,
                    lodged_at, {", ".join(columns)}
                FROM typed0 WHERE declaration_id IS NOT NULL),
            heads AS (
                SELECT * FROM heads_in UNION ALL
                SELECT i.declaration_id, i.version, TRUE, CAST(k._lodged_ts AS VARCHAR),
                    {", ".join(f"k.{c}" for c in columns)}
                FROM known_heads k JOIN (SELECT DISTINCT declaration_id, version FROM heads_in) i
                  ON k.declaration_id = i.declaration_id
                 AND k.version = TRY_CAST(i.version AS INTEGER)),
            hashed AS (
                SELECT declaration_id, version, count(*) FILTER (WHERE NOT _known) AS items,
                    count(DISTINCT hash({", ".join(columns)})) AS headers
                FROM heads GROUP BY ALL
                HAVING items > {limits.MAX_ITEMS} OR headers > 1),
            differing AS (
                SELECT h.declaration_id, h.version, any_value(h.items) AS items,
                    list_filter([{conflicts}], lambda f: f IS NOT NULL) AS conflicts,
                    {{{values}}} AS conflict_values
                FROM heads t JOIN hashed h {same} GROUP BY ALL),
            typed AS (
                SELECT t.*, coalesce(h.items, 1) AS _items, h.conflicts AS _conflicts,
                    h.conflict_values AS _conflict_values
                FROM typed0 t LEFT JOIN differing h {same})"""

    def _sql(self, raw: pa.Schema) -> tuple[str, str]:
        """(SQL creating ``checked``, SQL listing the problems of its rejected rows)."""
        if raw not in self._sql_by_schema:
            ctes, rules = self._ctes(raw), checks(self.adapter)
            broken = " OR ".join(f"({c.bad})" for c in rules)
            problems = ", ".join(
                f"CASE WHEN {c.bad} THEN {{'field': '{self.adapter.source_of(c.field)}', "
                f"'value': CAST({c.field} AS VARCHAR), 'reason': {c.reason_expr()}}} END"
                for c in rules
            )
            self._sql_by_schema[raw] = (
                f"""CREATE OR REPLACE TEMP TABLE checked AS {ctes}
                SELECT {ROW}, NOT coalesce({broken}, FALSE) AS _ok, {_typed_columns(self._source)} FROM typed""",
                f"""{ctes} SELECT {ROW}, unnest(list_filter([{problems}], lambda p: p IS NOT NULL)) AS p
                FROM typed WHERE {ROW} IN (SELECT {ROW} FROM checked WHERE NOT _ok)""",
            )
        return self._sql_by_schema[raw]

    def keys(self, raw: pa.Table) -> pa.Table:
        """The (declaration_id, version) of a batch's rows, as the warehouse keys them."""
        self.con.register("raw", raw)
        try:
            return self.con.sql(
                f"""WITH {self._mapped(raw.schema)} SELECT DISTINCT declaration_id,
                    TRY_CAST(coalesce(version, '1') AS INTEGER) AS version
                FROM mapped WHERE declaration_id IS NOT NULL"""
            ).to_arrow_table()
        finally:
            self.con.unregister("raw")

    def prepare(self, raw: pa.Table) -> tuple[int, pa.Table]:
        """Check a batch into ``checked``: the number of valid rows, and quarantine records.

        Rows are also checked against ``known_heads``, the headers of their declarations
        already in the warehouse (set it per batch; empty by default).
        """
        con = self.con
        create, problems = self._sql(raw.schema)
        con.register("raw", raw)
        con.register("known_heads", self.known_heads)
        try:
            con.execute(create)
            counted = con.execute("SELECT count(*) FROM checked WHERE NOT _ok").fetchone()
            rejected = int(counted[0]) if counted else 0
            if not rejected:
                return raw.num_rows, QUARANTINE_RECORD.empty_table()
            records = con.sql(
                f"""SELECT c.{ROW} AS row, c.p.field, c.p.value, c.p.reason, to_json(r) AS raw
                FROM ({problems}) c JOIN raw r USING ({ROW}) ORDER BY row"""
            ).to_arrow_table()
            return raw.num_rows - rejected, records
        finally:
            con.unregister("raw")
            con.unregister("known_heads")

    def validate(self, raw: pa.Table) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table]:
        """Split raw rows into Arrow (items, controls, declarations, quarantine records)."""
        _, quarantine = self.prepare(raw)
        items = self.con.sql(self.items_sql).to_arrow_table()
        controls = self.con.sql(self.controls_sql).to_arrow_table()
        declarations = self.con.sql(self.declarations_sql).to_arrow_table()
        return items, controls, declarations, quarantine

    def close(self) -> None:
        """Drop ``checked``; close the connection if the validator opened it."""
        if self._owned:
            self.con.close()
        else:
            self.con.execute("DROP TABLE IF EXISTS checked")


def _is_number(schema: pa.Schema, column: str) -> bool:
    index = schema.get_field_index(column)
    return index >= 0 and (
        pa.types.is_integer(schema.field(index).type)
        or pa.types.is_floating(schema.field(index).type)
    )


def _typed_columns(source: str) -> str:
    """The warehouse columns of fact_item and fact_control, typed (NULL where a value is bad)."""
    numbers = ", ".join(f"TRY_CAST({c} AS DOUBLE) AS {c}" for c in NUMBERS if c != "extra_revenue")
    truth = sql_list(BOOL_TRUE)
    version = "TRY_CAST(coalesce(version, '1') AS INTEGER)"
    return f"""
        declaration_id, {version} AS version,
        _lodged_ts AS lodged_at, office_code, declaration_type, procedure, import_use,
        payment_method, declarant_id, importer_id, seller_id, courier_id, country_of_export,
        transport_mode, transport_document, containers, currency,
        _aeo AS aeo,
        TRY_CAST(item_no AS INTEGER) AS item_no, hs_code, description, country_of_origin,
        origin_marking, preference, quantity_unit, {numbers},
        _lodged_date AS lodged_date, left(hs_code, 2) AS hs2, left(hs_code, 4) AS hs4,
        left(hs_code, 6) AS hs6,
        TRY_CAST(customs_value AS DOUBLE)
            / NULLIF(TRY_CAST(coalesce(net_mass_kg, gross_mass_kg) AS DOUBLE), 0) AS unit_value,
        TRY_CAST(strftime(_lodged_date, '%Y%m%d') AS INTEGER) AS date_key, '{source}' AS source,
        concat_ws('/', declaration_id, coalesce(version, '1'), item_no, '{source}') AS control_key,
        control_outcome AS outcome, coalesce(control_selection, 'unknown') AS selection,
        TRY_CAST(controlled_at AS TIMESTAMPTZ) AS controlled_at,
        TRY_CAST(control_started_at AS TIMESTAMPTZ) AS control_started_at, irregularity_types,
        TRY_CAST(extra_revenue AS DOUBLE) AS extra_revenue,
        list_contains({truth}, lower(critical)) AS critical,
        seizure_goods, concealment, modus_operandi, channel,
        TRY_CAST(assessed_at AS TIMESTAMPTZ) AS assessed_at,
        TRY_CAST(released_at AS TIMESTAMPTZ) AS released_at"""
