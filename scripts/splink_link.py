"""Link a region's registry with Splink: the path of duplicate detection past one machine.

Reads the CSV `hromada export_linkage` writes (name keys, no names), runs Splink with the
set-up of the bench's `splink-namekey` engine (bench/registry.py: the same comparisons,
blocking rules and training) and writes pairs.csv (person_a, person_b, match_probability)
for `hromada import_linkage_pairs`. See docs/linkage.md.

    python scripts/splink_link.py persons.csv --out pairs.csv                  # DuckDB, here
    spark-submit scripts/splink_link.py persons.csv --out pairs.csv --spark    # a cluster

Needs Splink (the `bench` extra: `pip install -e '.[bench]'`) and, with --spark, pyspark;
not hromada, not Django: the script runs wherever the cluster's driver runs. The app never
imports it.

The Spark branch is written to Splink 5's documented Spark API (splink.backends.spark:
SparkAPI, similarity_jar_location) and has not been run: there is no Spark where this was
written. The DuckDB branch is what the tests run.
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# The export's columns, all read as text: a phone "+380..." or a year must not become a
# number, and Spark's CSV reader reads text unless told to guess.
# One SELECT for DuckDB and Spark SQL alike: an empty field is NULL in both readers.
PREPARE = """
SELECT
    unique_id,
    family_key AS family,
    given_key AS given,
    patronymic_key AS patronymic,
    sex,
    CASE WHEN birth_year IS NOT NULL AND birth_month IS NOT NULL AND birth_day IS NOT NULL
         THEN birth_year || '-' || lpad(birth_month, 2, '0') || '-' || lpad(birth_day, 2, '0')
    END AS dob,
    birth_year,
    phone,
    coalesce(given_key, '') || ' ' || coalesce(family_key, '') AS given_family
FROM {source}
"""

# each pair once, the ids in the order hromada keeps them (person_a's id as text first)
PAIRS = """
SELECT
    CASE WHEN unique_id_l < unique_id_r THEN unique_id_l ELSE unique_id_r END AS person_a,
    CASE WHEN unique_id_l < unique_id_r THEN unique_id_r ELSE unique_id_l END AS person_b,
    match_probability
FROM {predictions}
"""


def settings() -> Any:
    """The bench's splink-namekey set-up (bench/registry.py, _trained_splink)."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[
            cl.ForenameSurnameComparison(
                "given", "family", forename_surname_concat_col_name="given_family"
            ),
            cl.NameComparison("patronymic"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("sex"),
            # no household or phone as evidence: both are shared by a family, and Splink then
            # links every member of a household (pair precision 0.36 at 10k in the bench)
        ],
        blocking_rules_to_generate_predictions=[
            block_on("family", "given"),
            block_on("family", "birth_year"),
            block_on("given", "birth_year"),
            block_on("dob", "sex"),
            block_on("phone"),
        ],
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def train(linker: Any, records: int) -> None:
    """As Splink's guides and the bench do: the prior from a deterministic rule, u by random
    sampling, m by expectation maximisation on two blocking rules."""
    from splink import block_on

    linker.training.estimate_probability_two_random_records_match(
        [block_on("family", "given", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(
        max_pairs=1e7 if records > 20_000 else 2e6, seed=1
    )
    for rule in (block_on("family", "given"), block_on("dob")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)


def link_duckdb(source: str, out: Path, *, threshold: float, log_level: int) -> int:
    import duckdb
    from splink import DuckDBAPI, Linker

    connection = duckdb.connect()
    # DuckDB spills to disk past its memory limit (80 % of the machine unless set)
    connection.execute(f"SET temp_directory = '{Path(tempfile.gettempdir()) / 'splink-spill'}'")
    connection.read_csv(source, header=True, all_varchar=True).create("exported")
    connection.execute(f"CREATE TABLE linkage_input AS {PREPARE.format(source='exported')}")
    records = _count(connection.sql("SELECT count(*) FROM linkage_input").fetchall())
    db_api = DuckDBAPI(connection)
    linker = Linker(db_api.register("linkage_input"), settings(), log_level=log_level)
    train(linker, records)
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    pairs = connection.sql(PAIRS.format(predictions=predictions.physical_name))
    pairs.write_csv(str(out), header=True)
    return _count(pairs.aggregate("count(*)").fetchall())


def link_spark(
    source: str, out: Path, *, threshold: float, log_level: int, checkpoints: str
) -> int:
    """Untested (no Spark here); written to Splink 5's Spark API and its Spark example."""
    # pyspark is on the cluster, not in any of the project's extras
    from pyspark.sql import SparkSession  # type: ignore[import-not-found,unused-ignore]
    from splink import Linker
    from splink.backends.spark import SparkAPI, similarity_jar_location

    # Splink's string-similarity functions for Spark ship as a jar inside the package; with
    # spark-submit, `--jars` does the same, and must when the session is made elsewhere
    spark = (
        SparkSession.builder.appName("hromada-linkage")
        .config("spark.jars", similarity_jar_location())
        .getOrCreate()
    )
    # Splink breaks long query plans by checkpointing; on a cluster, a folder on shared storage
    spark.sparkContext.setCheckpointDir(checkpoints)
    # no inferSchema: every column stays text (see PREPARE); the source may be hdfs:// or s3a://
    spark.read.csv(source, header=True).createOrReplaceTempView("exported")
    frame = spark.sql(PREPARE.format(source="exported"))
    records = frame.count()
    # Splink leaves SparkAPI.__init__ unannotated (and mypy sees no Splink where it is absent)
    db_api = SparkAPI(spark_session=spark)  # type: ignore[no-untyped-call,unused-ignore]
    linker = Linker(db_api.register(frame), settings(), log_level=log_level)
    train(linker, records)
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    pairs = spark.sql(PAIRS.format(predictions=predictions.physical_name))
    # one file on the driver, streamed partition by partition: the pairs are few beside the
    # records (a fraction of one per person), and the import wants a single file
    count = 0
    with out.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(("person_a", "person_b", "match_probability"))
        for row in pairs.toLocalIterator():
            writer.writerow((row["person_a"], row["person_b"], repr(row["match_probability"])))
            count += 1
    return count


def _count(rows: list[tuple[Any, ...]]) -> int:
    """The number of a `SELECT count(*)`."""
    return int(rows[0][0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("persons", help="the CSV of `hromada export_linkage`")
    parser.add_argument("--out", required=True, type=Path, help="pairs.csv to write")
    parser.add_argument(
        "--threshold", type=float, default=0.5,
        help="keep pairs with at least this match probability (default 0.5, as the bench); "
        "import_linkage_pairs applies its own, stricter one",
    )  # fmt: skip
    parser.add_argument("--spark", action="store_true", help="run on Spark (untested)")
    parser.add_argument(
        "--checkpoint-dir", default="./splink-checkpoints",
        help="with --spark: where Spark checkpoints (shared storage on a cluster)",
    )  # fmt: skip
    parser.add_argument("--verbose", action="store_true", help="Splink's progress lines")
    args = parser.parse_args(argv)
    log_level = 20 if args.verbose else 30  # INFO, or WARNING only
    started = time.monotonic()
    if args.spark:
        pairs = link_spark(
            args.persons, args.out, threshold=args.threshold, log_level=log_level,
            checkpoints=args.checkpoint_dir,
        )  # fmt: skip
    else:
        pairs = link_duckdb(args.persons, args.out, threshold=args.threshold, log_level=log_level)
    print(f"{pairs} pairs at match probability >= {args.threshold} written to {args.out} "
          f"in {time.monotonic() - started:.0f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
