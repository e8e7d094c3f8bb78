"""Batch duplicate detection: this engine against the engine of an earlier commit, one run.

    .venv/bin/python bench/registry_versus.py --baseline dce0a2b --sizes 10000,100000,1000000

Both engines get the same records of bench/registry.py's data (generated if missing), one after
the other, in turns; each `find_duplicates(records, processes=2)` is timed, and its pairs scored
against the ground truth. The baseline's lib/matching.py is read from git (`git show`), so the
comparison needs no second checkout. Medians of --repeat turns (1 at a million records).
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from types import ModuleType
from typing import Any

import registry

ROOT = Path(__file__).resolve().parent.parent


def baseline_engine(commit: str) -> ModuleType:
    source = subprocess.run(
        ["git", "show", f"{commit}:src/hromada/lib/matching.py"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    path = Path(tempfile.mkdtemp()) / "baseline_matching.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("baseline_matching", path)
    assert spec is not None and spec.loader is not None  # noqa: S101
    module = importlib.util.module_from_spec(spec)
    sys.modules["baseline_matching"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", default="dce0a2b", help="the commit to compare with")
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    from hromada.lib import matching

    engines: dict[str, Any] = {"baseline": baseline_engine(args.baseline), "this": matching}
    print("| data | engine | precision | recall | pair F1 | wall (median) | turns |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for size in (int(s) for s in args.sizes.split(",")):
        registry.ensure_dataset(size)
        table = registry.load_table(str(size))
        records = registry._records(table, matching)
        truth = registry.truth_of(table)
        given = {
            name: [
                engine.Record(**{f: getattr(r, f) for f in engine.Record.__dataclass_fields__})
                for r in records
            ]
            for name, engine in engines.items()
        }
        turns = 1 if size > 200_000 else args.repeat
        walls: dict[str, list[float]] = defaultdict(list)
        found: dict[str, list[tuple[int, int]]] = {}
        for _turn in range(turns):
            for name, engine in engines.items():
                gc.collect()
                started = time.perf_counter()
                pairs = engine.find_duplicates(given[name], processes=args.processes)
                walls[name].append(time.perf_counter() - started)
                found[name] = [(int(a), int(b)) for a, b, _match in pairs]
        for name in engines:
            score, _pairs = registry.score_pairs(found[name], truth)
            print(f"| {size:,} | {name} | {score.precision:.3f} | {score.recall:.3f} | "
                  f"**{score.f1:.3f}** | {statistics.median(walls[name]):.1f} s | {turns} |",
                  flush=True)  # fmt: skip
        ratio = statistics.median(walls["this"]) / statistics.median(walls["baseline"])
        print(f"| {size:,} | this / baseline | | | | ×{ratio:.2f} | |", flush=True)


if __name__ == "__main__":
    main()
