"""Where one check-in's time goes: N check-ins through the WSGI application in this process
(no server, no network), under cProfile, on a fresh copy of the benchmark database.

    .venv/bin/python bench/checkin_profile.py            # 500 check-ins, after 50 unmeasured
    .venv/bin/python bench/checkin_profile.py --top 40   # and the 40 costliest functions

Prints the wall time per check-in without the profiler, then the profile's time split into
buckets (SQLite executing and committing, building SQL in the ORM, the rest of the ORM,
django-ninja and pydantic, middleware and the request cycle) and the costliest functions.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent

# (bucket, test on "file:line(function)") in order: the first that matches takes the row
BUCKETS: list[tuple[str, Callable[[str], bool]]] = [
    ("sqlite3: commit (fsync)", lambda f: "method 'commit'" in f),
    ("sqlite3: execute", lambda f: "SQLiteCursorWrapper.execute" in f or "sqlite3.Cursor" in f),
    (
        "ORM: building SQL",
        lambda f: (
            "django/db/models/sql/" in f
            or "expressions.py" in f
            or "lookups.py" in f
            or "where.py" in f
        ),
    ),  # fmt: skip
    ("ORM: other", lambda f: "django/db/" in f),
    ("django-ninja and pydantic", lambda f: "/ninja/" in f or "pydantic" in f),
    ("hromada code", lambda f: "/hromada/" in f),
    ("Django request cycle, middleware", lambda f: "/django/" in f or "whitenoise" in f),
]


def _bucket(name: str) -> str:
    for label, test in BUCKETS:
        if test(name):
            return label
    return "Python stdlib and builtins"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--checkins", type=int, default=500)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()

    from checkin import _django_env, ensure_dataset, fresh_copy

    dataset = ensure_dataset(args.households)
    cards = dataset.cards_path.read_text().split()
    with fresh_copy(dataset) as data_dir:
        os.environ.update(_django_env(data_dir))
        os.environ["ALLOWED_HOSTS"] = "testserver"
        import django

        django.setup()
        from django.test import Client

        client = Client()
        token = client.post(
            "/api/v1/auth/token",
            {"username": "distributor", "password": dataset.password},
            content_type="application/json",
        ).json()["token"]

        def check_in(code: str) -> None:
            answer = client.post(
                "/api/v1/distribution/checkins",
                {"session": dataset.session, "card": code},
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}"},
            )
            assert answer.status_code == 201, answer.content

        n = args.checkins
        for code in cards[:50]:
            check_in(code)
        started = time.perf_counter()
        for code in cards[50 : 50 + n]:
            check_in(code)
        plain_ms = 1000 * (time.perf_counter() - started) / n
        cpu_started = time.process_time()
        profile = cProfile.Profile()
        profile.enable()
        for code in cards[50 + n : 50 + 2 * n]:
            check_in(code)
        profile.disable()
        cpu_ms = 1000 * (time.process_time() - cpu_started) / n

    stats = pstats.Stats(profile, stream=io.StringIO())
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    total = sum(row[2] for row in raw.values())  # tottime of every function
    buckets: dict[str, float] = {}
    for (filename, line, function), row in raw.items():
        label = _bucket(f"{filename}:{line}({function})")
        buckets[label] = buckets.get(label, 0.0) + row[2]
    print(f"{n} check-ins through the WSGI app in one thread, no server, no network")
    print(f"  without the profiler: {plain_ms:.2f} ms wall per check-in")
    print(f"  under the profiler: {cpu_ms:.2f} ms CPU per check-in")
    print("share of the profiled time:")
    for label, seconds in sorted(buckets.items(), key=lambda item: -item[1]):
        print(f"  {label:<36} {100 * seconds / total:5.1f} %  {1000 * seconds / n:6.2f} ms")
    if args.top:
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
        print(out.getvalue())
    result = {"plain_ms": plain_ms, "profiled_cpu_ms": cpu_ms, "buckets_ms": {
        label: 1000 * seconds / n for label, seconds in buckets.items()}}  # fmt: skip
    (BENCH / "results" / "checkin-profile.json").write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
