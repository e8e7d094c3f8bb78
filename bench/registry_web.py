"""How fast the registry's search box answers on a laptop: `people.matching.search` (keys in
the database, scoring in Python) against a demo town in a real SQLite file.

    .venv/bin/python bench/registry_web.py --households 10000 --queries 500

The town is the demo's (`hromada demo --households N`, about 2.4 people a household), loaded
once into bench/results/registry-web-N.sqlite3 and reused. Queries are drawn from its people
as a volunteer types them: surname and given name in KMU-55 Latin or as written, in either
order, sometimes with the birth year, sometimes with a typo. Reported: p50 / p99 / max latency
and how often the person drawn is first, or among the first ten.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"


def _typo(rng: random.Random, word: str) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    return word[:i] + word[i + 1 :]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--households", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=500)
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    data_dir = RESULTS / f"registry-web-{args.households}"
    env = {**os.environ, "HROMADA_DATA_DIR": str(data_dir), "HROMADA_DEMO_PASSWORD": "bench"}
    os.environ.update(env)
    if not (data_dir / "hromada.sqlite3").exists():
        data_dir.mkdir(exist_ok=True)
        hromada = [sys.executable, "-m", "hromada"]
        subprocess.run([*hromada, "migrate", "-v0"], env=env, check=True)
        started = time.perf_counter()
        subprocess.run(
            [*hromada, "demo", "--households", str(args.households)], env=env, check=True
        )
        print(f"demo loaded in {time.perf_counter() - started:.0f} s")

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hromada.settings")
    django.setup()
    from hromada.lib.translit import romanise
    from hromada.people.matching import search
    from hromada.people.models import Person

    rng = random.Random(3)
    people = list(Person.objects.current().order_by("pk"))
    print(f"{len(people)} people in {args.households} households")
    drawn = rng.sample(people, min(args.queries, len(people)))
    # the demo draws from a few dozen names, so many queries have namesakes no search can
    # tell apart: counted apart, as in registry.py ("first, unambiguous")
    namesakes = Counter((p.family_name, p.given_name) for p in people)
    namesakes_year = Counter((p.family_name, p.given_name, p.birth_date.year) for p in people)
    timings, first, top10, clear, clear_first = [], 0, 0, 0, 0
    for person in drawn:
        family, given = person.family_name, person.given_name
        if rng.random() < 0.5:
            family, given = romanise(family), romanise(given)
        if rng.random() < 0.15:
            family = _typo(rng, family)
        words = [family, given] if rng.random() < 0.7 else [given, family]
        with_year = rng.random() < 0.6
        if with_year:
            words.append(str(person.birth_date.year))
        name = (person.family_name, person.given_name)
        alone = (
            namesakes_year[(*name, person.birth_date.year)] if with_year else namesakes[name]
        ) == 1
        text = " ".join(words)
        started = time.perf_counter()
        hits = search(None, text, limit=10)
        timings.append((time.perf_counter() - started) * 1000)
        ids = [hit.person.pk for hit in hits]
        first += bool(ids) and ids[0] == person.pk
        top10 += person.pk in ids
        clear += alone
        clear_first += alone and bool(ids) and ids[0] == person.pk
    timings.sort()
    n = len(timings)
    print(
        f"search: p50 {statistics.median(timings):.1f} ms, p99 {timings[int(n * 0.99) - 1]:.1f} ms,"
        f" max {timings[-1]:.1f} ms; right person first {first / n:.3f}, in top 10 {top10 / n:.3f}"
        f" ({n} queries); first when no namesake {clear_first / max(clear, 1):.3f}"
        f" ({clear} such queries)"
    )


if __name__ == "__main__":
    main()
