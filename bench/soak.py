"""The crash soak, long: check-ins from several desks while `hromada serve` is killed with
SIGKILL at random moments and started again; the desks retry, with the same Idempotency-Key,
whatever got no answer. Then every acknowledged write must be in the database exactly once,
nothing twice, the stock ledger balanced and SQLite's integrity checks clean.

    .venv/bin/python bench/soak.py                        # 10,000 writes, 50 kills, FULL
    .venv/bin/python bench/soak.py --synchronous NORMAL   # the same with synchronous=NORMAL
    scripts/with-postgres .venv/bin/python bench/soak.py  # the same on PostgreSQL
    .venv/bin/python bench/soak.py --power-cut-demo       # power cuts, FULL against NORMAL

SIGKILL ends the process, not the machine: whatever SQLite handed to the kernel is in the
page cache and reaches the disk, fsync or not. So a kill cannot tell FULL from NORMAL. The
power-cut demo can: it runs hromada's check-in transaction (the same tables, pragmas and
write pattern, as raw SQL) through APSW on a VFS that keeps every write that was not fsynced
in memory, and at the "power cut" throws those away (or a random part of them), then opens
what is left and counts the acknowledged check-ins that are gone. It needs
`.venv/bin/pip install apsw` (bench only: the tests do not use it).

The figures are printed and written to bench/results/soak-<time>.json.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
sys.path.insert(0, str(ROOT))

from tests.serving import serve  # noqa: E402 (after the path above)
from tests.soak import SoakConfig, SoakResult, households_for, run_soak  # noqa: E402


def soak(args: argparse.Namespace) -> dict[str, Any]:
    config = SoakConfig(
        writes=args.writes,
        kills=args.kills,
        clients=args.clients,
        seed=args.seed,
        threads=args.threads,
        replay_after=args.replay_after,
        # bounded: far more than a run needs on this machine (about 25 writes a second and
        # 1.2 s a restart), so hitting it is itself a finding
        deadline_seconds=120 + args.writes * 0.5 + args.kills * 10,
    )
    backend = (
        "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    )
    print(
        f"soak: {config.writes} writes, {config.kills} kills, {config.clients} desks on {backend}"
        + (f" (synchronous={args.synchronous})" if backend == "sqlite" else "")
        + f"; loading {households_for(config.writes)} households",
        flush=True,
    )
    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="hromada-soak-") as tmp,
        serve(
            Path(tmp),
            households=households_for(config.writes),
            threads=config.threads,
            extra_env={"HROMADA_SQLITE_SYNCHRONOUS": args.synchronous},
        ) as app,
    ):
        loaded = time.monotonic() - started
        print(f"soak: demo town loaded and served in {loaded:.0f} s", flush=True)
        result: SoakResult = run_soak(
            app, config, say=lambda line: print(f"soak: {line}", flush=True)
        )
    figures = result.figures()
    figures["setup_seconds"] = round(loaded, 1)
    figures["writes_per_second"] = round(result.acknowledged / result.seconds, 1)
    figures["violations"] = result.violations[:50]
    figures["violations_count"] = len(result.violations)
    return figures


# ---------------------------------------------------------------------------------------
# Power cuts, simulated under SQLite


@dataclass
class Image:
    """One file as the disk holds it (`durable`) and as the OS shows it (`current`): every
    write goes to `current` and waits in `pending` until an fsync makes it durable."""

    current: bytearray = field(default_factory=bytearray)
    durable: bytearray = field(default_factory=bytearray)
    pending: list[tuple[int, bytes | None]] = field(default_factory=list)  # None: truncate

    def sync(self) -> None:
        for offset, data in self.pending:
            _apply(self.durable, offset, data)
        self.pending.clear()

    def after_power_cut(self, rng: random.Random, keep: float) -> Image:
        """What the disk holds after the cut: the durable bytes, plus each write not yet
        fsynced with probability `keep` (0: none reach the disk; between: some, torn)."""
        survived = bytearray(self.durable)
        for offset, data in self.pending:
            if rng.random() < keep:
                _apply(survived, offset, data)
        return Image(current=bytearray(survived), durable=survived)


def _apply(image: bytearray, offset: int, data: bytes | None) -> None:
    if data is None:
        del image[offset:]
        return
    if len(image) < offset:
        image.extend(bytes(offset - len(image)))
    image[offset : offset + len(data)] = data


def power_cut_demo(args: argparse.Namespace) -> dict[str, Any]:
    # bench only (see the docstring), and untyped here so that mypy reads this file the same
    # way whether or not apsw is installed
    apsw: Any = importlib.import_module("apsw")

    class Disk:
        def __init__(self, files: dict[str, Image]) -> None:
            self.files = files
            self.cut = False

    class MemoryFile:
        """A file of the simulated disk; after the cut every call fails, as on a dead machine."""

        def __init__(self, disk: Disk, name: str) -> None:
            self.disk = disk
            self.name = name
            disk.files.setdefault(name, Image())

        def _image(self) -> Image:
            if self.disk.cut:
                raise apsw.IOError("the power is off")
            return self.disk.files[self.name]

        def xRead(self, amount: int, offset: int) -> bytes:  # noqa: N802 (SQLite's names)
            return bytes(self._image().current[offset : offset + amount])

        def xWrite(self, data: bytes, offset: int) -> None:  # noqa: N802
            image = self._image()
            _apply(image.current, offset, bytes(data))
            image.pending.append((offset, bytes(data)))

        def xTruncate(self, size: int) -> None:  # noqa: N802
            image = self._image()
            _apply(image.current, size, None)
            image.pending.append((size, None))

        def xSync(self, flags: int) -> None:  # noqa: N802
            self._image().sync()

        def xFileSize(self) -> int:  # noqa: N802
            return len(self._image().current)

        def xLock(self, level: int) -> None:  # noqa: N802 (one connection: nothing to lock)
            pass

        def xUnlock(self, level: int) -> None:  # noqa: N802
            pass

        def xCheckReservedLock(self) -> bool:  # noqa: N802
            return False

        def xFileControl(self, op: int, ptr: int) -> bool:  # noqa: N802
            return False

        def xSectorSize(self) -> int:  # noqa: N802
            return 4096

        def xDeviceCharacteristics(self) -> int:  # noqa: N802 (promise nothing: no atomic writes)
            return 0

        def xClose(self) -> None:  # noqa: N802
            pass

    class MemoryVFS(apsw.VFS):  # type: ignore[misc]
        def __init__(self, name: str) -> None:
            self.disk = Disk({})
            self.name = name
            super().__init__(name, base="")

        def xOpen(self, name: Any, flags: list[int]) -> MemoryFile:  # noqa: N802
            path = name.filename() if isinstance(name, apsw.URIFilename) else name
            return MemoryFile(self.disk, str(path or f"temp-{uuid.uuid4().hex}"))

        def xAccess(self, pathname: str, flags: int) -> bool:  # noqa: N802
            image = self.disk.files.get(pathname)
            return image is not None and (not pathname.endswith("-journal") or bool(image.current))

        def xDelete(self, filename: str, syncdir: bool) -> None:  # noqa: N802
            # deleting is durable at once: kinder to SQLite than a real disk, never harsher
            self.disk.files.pop(filename, None)

        def xFullPathname(self, name: str) -> str:  # noqa: N802
            return name

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="hromada-powercut-") as tmp:
        town, cards = _small_town(Path(tmp), households_for(args.power_cut_writes))
    results: dict[str, Any] = {}
    for synchronous in ("FULL", "NORMAL"):
        for keep in (0.0, 0.5):
            vfs = MemoryVFS(f"powercut-{synchronous}-{keep}")
            vfs.disk.files["town.db"] = Image(current=bytearray(town), durable=bytearray(town))
            figures = _cut_power_repeatedly(
                apsw, vfs, cards=cards, synchronous=synchronous, keep=keep, args=args, rng=rng
            )
            label = f"synchronous={synchronous}, unsynced writes kept={keep}"
            results[label] = figures
            print(f"power cut: {label}: {json.dumps(figures)}", flush=True)
            vfs.unregister()
    return results


@dataclass(frozen=True)
class Town:
    session: str
    programme: str
    site: str
    commodity: str
    user: int
    period_start: str


def _small_town(tmp: Path, households: int) -> tuple[bytes, list[tuple[str, str, int]]]:
    """A migrated demo town as one database file, and its municipal (card, household,
    members): the same schema the server writes to."""
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp / 'town.sqlite3'}",
        "HROMADA_DATA_DIR": str(tmp),
        "HROMADA_DEMO_PASSWORD": "power-cut-demo",
        "DJANGO_SETTINGS_MODULE": "hromada.settings",
    }
    for command in (["migrate", "--noinput"], ["demo", "--households", str(households)]):
        subprocess.run(
            [sys.executable, "-m", "hromada", *command], env=env, check=True, capture_output=True
        )
    db = sqlite3.connect(tmp / "town.sqlite3")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.execute("PRAGMA journal_mode=DELETE")  # one file: the WAL starts anew under the VFS
    cards = db.execute(
        "SELECT c.id, c.household_id, count(p.id) FROM people_card c"
        " JOIN people_household h ON h.id = c.household_id"
        " JOIN core_site s ON s.id = h.site_id JOIN people_person p ON p.household_id = h.id"
        " WHERE s.code = 'municipal' AND c.status = 'active' GROUP BY c.id ORDER BY c.code"
    ).fetchall()
    db.close()
    return (tmp / "town.sqlite3").read_bytes(), [(c, h, int(n)) for c, h, n in cards]


def _town(db: Any) -> Town:
    session, programme, site, commodity = db.execute(
        "SELECT ds.id, ds.programme_id, ds.site_id, p.commodity_id"
        " FROM distribution_distributionsession ds"
        " JOIN distribution_programme p ON p.id = ds.programme_id"
        " JOIN core_site s ON s.id = ds.site_id WHERE s.code = 'municipal'"
    ).fetchone()
    (user,) = db.execute("SELECT id FROM core_user WHERE username = 'distributor'").fetchone()
    return Town(
        session, programme, site, commodity, int(user), datetime.now(UTC).date().isoformat()
    )


def _check_in(db: Any, town: Town, card: tuple[str, str, int], key: str) -> str:
    """hromada's check-in as one IMMEDIATE transaction: the ledger line, the balance, the
    collection, and the remembered answer (distribution/actions.py, core/idempotency.py)."""
    card_id, household, members = card
    quantity = 2 * members
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    movement, collection = uuid.uuid4().hex, uuid.uuid4().hex
    db.execute("BEGIN IMMEDIATE")
    try:
        db.execute(
            "UPDATE stock_stockbalance SET quantity = quantity - ?"
            " WHERE site_id = ? AND commodity_id = ?",
            (quantity, town.site, town.commodity),
        )
        db.execute(
            "INSERT INTO stock_stockmovement (id, node, created_at, kind, quantity, at, reason,"
            " actor_id, commodity_id, delivery_id, site_id)"
            " VALUES (?, 'site-laptop', ?, 'issued', ?, ?, '', ?, ?, NULL, ?)",
            (movement, now, -quantity, now, town.user, town.commodity, town.site),
        )
        db.execute(
            "INSERT INTO distribution_collection (id, node, created_at, period_start, members,"
            " quantity, at, desk, card_id, household_id, movement_id, served_by_id, session_id,"
            " programme_id) VALUES (?, 'site-laptop', ?, ?, ?, ?, ?, 'distributor', ?, ?, ?, ?,"
            " ?, ?)",
            (collection, now, town.period_start, members, quantity, now, card_id, household,
             movement, town.user, town.session, town.programme),
        )  # fmt: skip
        db.execute(
            "INSERT INTO core_idempotencyrecord (key, status, body, created_at, user_id)"
            " VALUES (?, 201, ?, ?, ?)",
            (key, json.dumps({"id": collection, "quantity": quantity}), now, town.user),
        )
        db.execute("COMMIT")
    except BaseException:
        if not db.autocommit:
            db.execute("ROLLBACK")
        raise
    return collection


def _open(apsw: Any, vfs: Any, synchronous: str) -> Any:
    db = apsw.Connection("town.db", vfs=vfs.name)
    # The pragmas of settings.py; EXCLUSIVE locking keeps the WAL index in memory, because a
    # Python VFS has no shared memory. One connection, so nothing else changes.
    db.execute("PRAGMA locking_mode=EXCLUSIVE")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.execute("PRAGMA foreign_keys=ON")
    return db


def _cut_power_repeatedly(
    apsw: Any,
    vfs: Any,
    *,
    cards: list[tuple[str, str, int]],
    synchronous: str,
    keep: float,
    args: argparse.Namespace,
    rng: random.Random,
) -> dict[str, Any]:
    """Check cards in until a power cut at a random moment (between two statements of a
    check-in, or between two check-ins), boot again on what the disk kept, look; repeat."""
    queue = rng.sample(cards, min(args.power_cut_writes, len(cards)))
    acknowledged: dict[str, str] = {}  # key -> collection
    cuts = args.power_cut_cuts
    per_cut = max(1, len(queue) // cuts)
    started = time.monotonic()
    problems: list[str] = []
    for cut in range(cuts):
        db = _open(apsw, vfs, synchronous)
        town = _town(db)
        batch = queue[cut * per_cut : (cut + 1) * per_cut]
        stop_after = rng.randint(1, max(1, len(batch)))
        for index, card in enumerate(batch):
            key = uuid.uuid4().hex
            if index + 1 == stop_after and rng.random() < 0.5:
                # the power goes in the middle of this check-in: it is not acknowledged
                db.execute("BEGIN IMMEDIATE")
                db.execute(
                    "UPDATE stock_stockbalance SET quantity = quantity - 2 WHERE site_id = ?",
                    (town.site,),
                )
                break
            acknowledged[key] = _check_in(db, town, card, key)
            if index + 1 == stop_after:
                break
        # The cut: the machine stops here. What the disk holds is all the next boot sees.
        disk = vfs.disk
        disk.cut = True
        vfs.disk = type(disk)(
            {name: image.after_power_cut(rng, keep) for name, image in disk.files.items()}
        )
        with contextlib.suppress(apsw.Error):  # closing fails on a dead disk: it is off anyway
            db.close()
    db = _open(apsw, vfs, synchronous)
    collections = {row[0] for row in db.execute("SELECT id FROM distribution_collection")}
    records = {
        key: json.loads(body)["id"]
        for key, body in db.execute("SELECT key, body FROM core_idempotencyrecord")
    }
    lost = [k for k, c in acknowledged.items() if c not in collections or records.get(k) != c]
    integrity = [row[0] for row in db.execute("PRAGMA integrity_check")]
    foreign = list(db.execute("PRAGMA foreign_key_check"))
    ledger = db.execute(
        "SELECT b.quantity, (SELECT sum(m.quantity) FROM stock_stockmovement m"
        " WHERE m.site_id = b.site_id AND m.commodity_id = b.commodity_id)"
        " FROM stock_stockbalance b"
    ).fetchall()
    unbalanced = [row for row in ledger if row[0] != row[1]]
    db.close()
    if integrity != ["ok"]:
        problems.append(f"integrity_check: {integrity[:3]}")
    if foreign:
        problems.append(f"foreign_key_check: {foreign[:3]}")
    if unbalanced:
        problems.append(f"balance against ledger: {unbalanced}")
    return {
        "power_cuts": cuts,
        "acknowledged": len(acknowledged),
        "acknowledged_lost": len(lost),
        "collections_after": len(collections),
        "unacknowledged_present": len(collections) - (len(acknowledged) - len(lost)),
        "integrity_check": integrity[:3],
        "foreign_key_check_rows": len(foreign),
        "ledger_balanced": not unbalanced,
        "problems": problems,
        "seconds": round(time.monotonic() - started, 1),
    }


# ---------------------------------------------------------------------------------------


def _code_version() -> str:
    """The commit measured, and whether src/ had changes not yet committed."""
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "src"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return f"{head} with uncommitted changes in src/" if dirty else head


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writes", type=int, default=10_000)
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8, help="the server's Waitress threads")
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--replay-after", type=int, default=1000,
        help="acknowledged keys sent again after the last restart (0: all)",
    )  # fmt: skip
    parser.add_argument("--power-cut-demo", action="store_true")
    parser.add_argument("--power-cut-writes", type=int, default=1000)
    parser.add_argument("--power-cut-cuts", type=int, default=10)
    args = parser.parse_args()

    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    if args.power_cut_demo:
        figures: dict[str, Any] = {"power_cut_demo": power_cut_demo(args)}
        out = RESULTS / f"soak-power-cut-{stamp}.json"
    else:
        figures = soak(args)
        out = RESULTS / f"soak-{stamp}.json"
    figures["command"] = " ".join(sys.argv)
    figures["code"] = _code_version()
    figures["args"] = vars(args)
    out.write_text(json.dumps(figures, indent=2, ensure_ascii=False))
    print(json.dumps({k: v for k, v in figures.items() if k != "args"}, indent=2,
                     ensure_ascii=False))  # fmt: skip
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
