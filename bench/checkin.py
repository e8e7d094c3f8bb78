"""Check-ins per second over HTTP, against a bare sqlite3 loop doing the same transaction.

    .venv/bin/python bench/checkin.py                 # the full run (about 15 minutes)
    .venv/bin/python bench/checkin.py --quick         # one server, one repetition, short
    .venv/bin/python bench/checkin.py --server granian --clients 32 --repeat 5
    .venv/bin/python bench/checkin.py --programmes 10 --against /tmp/skeleton \
        --config waitress-t8 --clients 1 --clients 8 --repeat 5

With `--programmes 10` the town runs ten programmes with varied rules (checkin_data.py), and
the scans go to the bread session as before or, with `--spread`, each card to a session of a
programme its household is eligible for. `--against TREE` measures another checkout of the
project too (a git worktree of an earlier commit: its own generator builds its own database
of the same households, its own code serves it), alternating with this one cell by cell, and
prints the ratio of the two rates.

For every repetition, in this order: the bare sqlite3 baseline on a fresh copy of the
database, then each server configuration at each client count, each on a fresh copy of the
database and a freshly started server. Every request is a real first collection of a card no
other request of the run uses. The medians over the repetitions are printed as a table, and
everything measured goes to bench/results/checkin-<time>.json.

Needs Linux (wrk, taskset, /proc); the servers measured all run on Windows too.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from checkin_data import GENERATOR_VERSION

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
LUA = BENCH / "checkin.lua"
BIN = Path(sys.executable).parent
KYIV = ZoneInfo("Europe/Kyiv")

# wrk gets the second core to itself as far as taskset can say so; the server may use both
# (it cannot be kept off a core without halving what it has). wrk uses a few per cent of it.
WRK_CPU = "1"


# ---------------------------------------------------------------------------------------
# The database


@dataclass(frozen=True)
class Dataset:
    db: Path
    cards_path: Path
    cards: int
    password: str
    session: str
    meta: dict[str, Any]
    src: Path = ROOT / "src"  # the code that built it and serves it
    spread_path: Path | None = None  # "CODE SESSION" lines, with --spread


def _schema_key(tree: Path = ROOT) -> str:
    """A digest of the migrations: a cached database built on another schema is rebuilt."""
    digest = hashlib.sha256()
    for path in sorted((tree / "src" / "hromada").glob("*/migrations/*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def ensure_dataset(households: int, *, programmes: int = 1, tree: Path = ROOT) -> Dataset:
    """The cached database of `households` households, built first if it is not there yet.

    `tree` is the checkout whose generator builds it and whose code will serve it (another
    one than this: an earlier commit, measured against this one); its files are kept apart
    as "checkin-ref-...", and it is always the town of its own generator (one programme)."""
    RESULTS.mkdir(exist_ok=True)
    ours = tree.resolve() == ROOT
    kind = (f"v{GENERATOR_VERSION}" if ours else "ref") + (f"p{programmes}" if ours else "")
    key = _schema_key(tree)
    stem = f"checkin-{kind}-{households}-{key}"
    db = RESULTS / f"{stem}.sqlite3"
    cards_path = RESULTS / f"{stem}.cards"
    spread_path = RESULTS / f"{stem}.spread" if programmes > 1 else None
    meta_path = RESULTS / f"{stem}.json"
    if not (db.exists() and cards_path.exists() and meta_path.exists()):
        # files of an older generator or schema are of no more use, and a few hundred MB each
        for stale in RESULTS.glob(f"checkin-*-{households}-*.*"):
            if _same_kind(stale.name.split("-")[1], ours=ours, programmes=programmes):
                stale.unlink()
        print(f"building {db.name} ({households} households) ...", flush=True)
        with tempfile.TemporaryDirectory(prefix="hromada-bench-build-") as tmp:
            building = Path(tmp) / "hromada.sqlite3"
            argv = [sys.executable, str(tree / "bench" / "checkin_data.py"),
                    "--households", str(households), "--meta", str(Path(tmp) / "meta.json"),
                    "--cards", str(Path(tmp) / "cards")]  # fmt: skip
            if spread_path is not None:
                argv += ["--programmes", str(programmes), "--spread", str(Path(tmp) / "spread")]
            subprocess.run(
                argv, env=_django_env(Path(tmp), tree / "src"), check=True, timeout=1800,
            )  # fmt: skip
            shutil.copyfile(building, db)
            shutil.copyfile(Path(tmp) / "cards", cards_path)
            shutil.copyfile(Path(tmp) / "meta.json", meta_path)
            if spread_path is not None:
                shutil.copyfile(Path(tmp) / "spread", spread_path)
    meta = json.loads(meta_path.read_text())
    count = sum(1 for _ in cards_path.open())
    return Dataset(
        db, cards_path, count, meta["password"], meta["session"], meta, src=tree / "src",
        spread_path=spread_path,
    )  # fmt: skip


def _same_kind(kind: str, *, ours: bool, programmes: int) -> bool:
    """Whether a cached file is of the kind being built: "ref", or "v<version>p<programmes>"
    ("v1": the generator before it had programmes)."""
    if not ours:
        return kind == "ref"
    if not kind.startswith("v"):
        return False
    return "p" not in kind and programmes == 1 or kind.endswith(f"p{programmes}")


def _django_env(data_dir: Path, src: Path = ROOT / "src") -> dict[str, str]:
    env = {
        **os.environ,
        "HROMADA_DATA_DIR": str(data_dir),
        "DATABASE_URL": f"sqlite:///{data_dir / 'hromada.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "hromada.settings",
        "LOG_LEVEL": "WARNING",
    }
    if src.resolve() != (ROOT / "src"):
        # ahead of the project installed in the venv: that checkout's code, not this one's
        env["PYTHONPATH"] = os.pathsep.join([str(src), env.get("PYTHONPATH", "")]).rstrip(":")
    return env


@contextmanager
def fresh_copy(dataset: Dataset) -> Iterator[Path]:
    """A data folder holding a copy of the cached database: every run starts the same."""
    with tempfile.TemporaryDirectory(prefix="hromada-bench-") as tmp:
        shutil.copyfile(dataset.db, Path(tmp) / "hromada.sqlite3")
        yield Path(tmp)


# ---------------------------------------------------------------------------------------
# The servers


@dataclass(frozen=True)
class ServerConfig:
    name: str
    family: str
    argv: Callable[[int], list[str]]
    note: str = ""


def _waitress(threads: int) -> ServerConfig:
    return ServerConfig(
        f"waitress-t{threads}", "waitress",
        lambda port: [sys.executable, "-m", "hromada", "serve", "--port", str(port),
                      "--threads", str(threads)],
        "`hromada serve` as it is",
    )  # fmt: skip


def _granian(workers: int, threads: int) -> ServerConfig:
    return ServerConfig(
        f"granian-w{workers}-b{threads}", "granian",
        lambda port: [str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1",
                      "--port", str(port), "--workers", str(workers),
                      "--blocking-threads", str(threads), "--no-ws",
                      "hromada.wsgi:application"],
        f"{workers} process(es) of {threads} Python threads",
    )  # fmt: skip


def _cheroot(threads: int) -> ServerConfig:
    return ServerConfig(
        f"cheroot-t{threads}", "cheroot",
        lambda port: [str(BIN / "cheroot"), "--bind", f"127.0.0.1:{port}",
                      "--threads", str(threads), "--max-threads", str(threads),
                      "hromada.wsgi:application"],
        f"{threads} threads",
    )  # fmt: skip


CONFIGS = [
    _waitress(8),  # what `hromada serve` does today
    _waitress(2),
    _waitress(1),
    _granian(1, 1),
    _granian(2, 1),  # a process per core: the only way past the GIL
    _cheroot(8),
    _cheroot(1),
]
# measured on request (--config NAME), not in the default run
EXTRA_CONFIGS = [_waitress(4), _granian(1, 4)]
QUICK_CONFIGS = [_waitress(8)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def cpu_seconds(self) -> float:
        """User and system time of the server and its workers so far (all of its group)."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # gone while we looked
            # after the name: state ppid pgrp ...; utime and stime are fields 14 and 15
            if int(fields[2]) == self.process.pid:
                total += int(fields[11]) + int(fields[12])
        return total / tick


@contextmanager
def running(config: ServerConfig, data_dir: Path, src: Path = ROOT / "src") -> Iterator[Server]:
    port = free_port()
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            config.argv(port), env=_django_env(data_dir, src), stdout=out,
            stderr=subprocess.STDOUT,
            cwd=data_dir, start_new_session=True,  # its own group: its workers stop with it
        )  # fmt: skip
        server = Server(f"http://127.0.0.1:{port}", process, log)
        try:
            _wait_until_up(server)
            yield server
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    # workers a server left behind in its group
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _wait_until_up(server: Server, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited:\n{server.log.read_text()}")
        try:
            with urllib.request.urlopen(f"{server.url}/login/", timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer within {timeout} s")


def _post_json(url: str, body: dict[str, Any], token: str = "") -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (loopback)
        return json.loads(answer.read())


def token_for(server: Server, dataset: Dataset) -> str:
    answer = _post_json(
        f"{server.url}/api/v1/auth/token",
        {"username": "distributor", "password": dataset.password},
    )
    return str(answer["token"])


# ---------------------------------------------------------------------------------------
# The load


@dataclass
class HttpRun:
    code: str  # "this" checkout, or the one measured against it ("against")
    server: str
    clients: int
    repetition: int
    rate: float  # successful check-ins (201) per second
    requests: int
    created: int
    other: int
    errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    server_cpu_ms: float  # server CPU time per check-in
    wrk_cpu_share: float  # of one core, while the load ran


def wrk(
    *, server: Server, dataset: Dataset, token: str, clients: int, seconds: float,
    first: int, count: int, spread: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Run wrk (one thread, pinned to WRK_CPU) and return what checkin.lua's done() says."""
    spread = spread and dataset.spread_path is not None
    cards = dataset.spread_path if spread else dataset.cards_path
    argv = [
        "taskset", "-c", WRK_CPU, "wrk", "-t1", f"-c{clients}", f"-d{seconds:g}s",
        "--timeout", "10s", "-s", str(LUA), server.url, "--",
        str(cards), str(first), str(count), dataset.session, token, "1", "1" if spread else "0",
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line.removeprefix("RESULT "))
            return result
    raise RuntimeError(f"wrk said no result:\n{done.stdout}\n{done.stderr}")


def measure_http(
    config: ServerConfig, dataset: Dataset, *, clients: int, seconds: float, warmup: float,
    repetition: int, code: str = "this", spread: bool = False,
) -> HttpRun:  # fmt: skip
    # the warm-up's cards come first, the measured run's after them: no card is used twice
    warm_cards = min(dataset.cards // 5, 20_000)
    with fresh_copy(dataset) as data_dir, running(config, data_dir, dataset.src) as server:
        token = token_for(server, dataset)
        wrk(server=server, dataset=dataset, token=token, clients=clients, seconds=warmup,
            first=0, count=warm_cards, spread=spread)  # fmt: skip
        cpu_before = server.cpu_seconds()
        wrk_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = wrk(
            server=server,
            dataset=dataset,
            token=token,
            clients=clients,
            seconds=seconds,
            first=warm_cards,
            count=dataset.cards - warm_cards,
            spread=spread,
        )
        wrk_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = server.cpu_seconds() - cpu_before
    duration = result["duration_us"] / 1e6
    wrk_cpu = (wrk_after.ru_utime - wrk_before.ru_utime) + (
        wrk_after.ru_stime - wrk_before.ru_stime
    )
    errors = sum(result[k] for k in ("connect_errors", "read_errors", "write_errors", "timeouts"))
    return HttpRun(
        code=code, server=config.name, clients=clients, repetition=repetition,
        rate=result["created"] / duration, requests=result["requests"],
        created=result["created"], other=result["other"], errors=errors,
        p50_ms=result["p50_us"] / 1000, p90_ms=result["p90_us"] / 1000,
        p99_ms=result["p99_us"] / 1000, max_ms=result["max_us"] / 1000,
        server_cpu_ms=1000 * cpu / max(result["created"], 1),
        wrk_cpu_share=wrk_cpu / duration,
    )  # fmt: skip


# ---------------------------------------------------------------------------------------
# The baseline: the same transaction in a bare sqlite3 loop


@dataclass
class BaselineRun:
    repetition: int
    rate: float
    p50_ms: float
    p99_ms: float
    checkins: int


def _django_time(moment: datetime) -> str:
    """A datetime as Django's SQLite backend stores it (UTC, no offset)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ")


def measure_baseline(dataset: Dataset, *, seconds: float, repetition: int) -> BaselineRun:
    """Serve cards in a loop with the statements the app issues inside its check-in
    transaction (captured from a real request), with the app's connection settings:
    WAL, synchronous=FULL, foreign keys on, BEGIN IMMEDIATE, one commit per check-in.

    Left out: the app's SAVEPOINTs, the token and session lookups before the transaction,
    and everything that is not SQL."""
    cards = [line.split()[0] for line in dataset.cards_path.read_text().splitlines()]
    latencies: list[float] = []
    with fresh_copy(dataset) as data_dir:
        db = sqlite3.connect(data_dir / "hromada.sqlite3", isolation_level=None, timeout=20)
        try:
            for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON"):
                db.execute(f"PRAGMA {pragma}")
            session = uuid.UUID(dataset.session).hex
            programme, site, commodity, user = db.execute(
                "SELECT s.programme_id, s.site_id, p.commodity_id, u.id"
                " FROM distribution_distributionsession s"
                " JOIN distribution_programme p ON p.id = s.programme_id,"
                " core_user u WHERE s.id = ? AND u.username = 'distributor'",
                (session,),
            ).fetchone()
            started = time.perf_counter()
            deadline = started + seconds
            for code in cards:
                begun = time.perf_counter()
                if begun >= deadline:
                    break
                _baseline_checkin(db, session=session, programme=programme, site=site,
                                  commodity=commodity, user=user, code=code)  # fmt: skip
                latencies.append(time.perf_counter() - begun)
            elapsed = time.perf_counter() - started
        finally:
            db.close()
    latencies.sort()
    return BaselineRun(
        repetition=repetition,
        rate=len(latencies) / elapsed,
        p50_ms=1000 * latencies[len(latencies) // 2],
        p99_ms=1000 * latencies[int(len(latencies) * 0.99)],
        checkins=len(latencies),
    )


# The columns the skeleton's statements name; a later schema's other NOT NULL columns get an
# empty value of their type, so the same statements run on either (the loop stays the
# skeleton's transaction: it is a yardstick for the machine, not a copy of today's code).
SKELETON_COLUMNS = {
    "stock_stockmovement": {"id", "node", "created_at", "site_id", "commodity_id", "kind",
                            "quantity", "at", "delivery_id", "reason", "actor_id"},
    "distribution_collection": {"id", "node", "created_at", "session_id", "programme_id",
                                "household_id", "card_id", "period_start", "members",
                                "quantity", "at", "served_by_id", "desk", "movement_id"},
}  # fmt: skip
_LATER: dict[tuple[int, str], tuple[str, tuple[Any, ...]]] = {}


def _later_columns(db: sqlite3.Connection, table: str) -> tuple[str, tuple[Any, ...]]:
    """(", col, col", values) for the NOT NULL columns without a default that the skeleton's
    INSERT into `table` does not name."""
    cached = _LATER.get((id(db), table))
    if cached is None:
        names, values = [], []
        for _cid, name, kind, notnull, default, _pk in db.execute(f"PRAGMA table_info({table})"):
            if name in SKELETON_COLUMNS[table] or not notnull or default is not None:
                continue
            names.append(name)
            kind = kind.lower()
            values.append(0 if ("int" in kind or "bool" in kind) else "")
        cached = ("".join(f", {n}" for n in names), tuple(values))
        _LATER[(id(db), table)] = cached
    return cached


def _insert(table: str, columns: str, placeholders: str, more: str, n: int) -> str:
    # names from this file and from the schema itself; every value is bound
    return f"INSERT INTO {table} ({columns}{more}) VALUES ({placeholders}{', ?' * n})"  # noqa: S608


def _baseline_checkin(
    db: sqlite3.Connection, *, session: str, programme: str, site: str, commodity: str,
    user: int, code: str,
) -> None:  # fmt: skip
    now = datetime.now(UTC)
    at = _django_time(now)
    period = now.astimezone(KYIV).date().isoformat()
    db.execute("BEGIN IMMEDIATE")
    try:
        (status,) = db.execute(
            "SELECT status FROM distribution_distributionsession WHERE id = ? LIMIT 21",
            (session,),
        ).fetchone()
        assert status == "open"
        card = db.execute(
            "SELECT c.id, c.node, c.created_at, c.household_id, c.code, c.status, c.issued_at,"
            " c.revoked_at, h.id, h.node, h.created_at, h.site_id, h.address"
            " FROM people_card c INNER JOIN people_household h ON c.household_id = h.id"
            " WHERE c.code = ? ORDER BY c.issued_at DESC LIMIT 1",
            (code,),
        ).fetchone()
        card_id, household = card[0], card[3]
        earlier = db.execute(
            "SELECT c.*, s.*, site.*, u.* FROM distribution_collection c"
            " INNER JOIN distribution_distributionsession s ON c.session_id = s.id"
            " INNER JOIN core_site site ON s.site_id = site.id"
            " INNER JOIN core_user u ON c.served_by_id = u.id"
            " WHERE c.household_id = ? AND c.period_start = ? AND c.programme_id = ?"
            " ORDER BY c.at DESC LIMIT 1",
            (household, period, programme),
        ).fetchone()
        assert earlier is None
        (members,) = db.execute(
            "SELECT COUNT(*) FROM people_person WHERE household_id = ?", (household,)
        ).fetchone()
        quantity = 2 * members
        balance_id, _site, _commodity, left = db.execute(
            "SELECT id, site_id, commodity_id, quantity FROM stock_stockbalance"
            " WHERE commodity_id = ? AND site_id = ? LIMIT 21",
            (commodity, site),
        ).fetchone()
        movement = uuid.uuid4().hex
        more, values = _later_columns(db, "stock_stockmovement")
        db.execute(
            _insert(
                "stock_stockmovement",
                "id, node, created_at, site_id, commodity_id, kind, quantity, at, delivery_id,"
                " reason, actor_id",
                "?, 'site-laptop', ?, ?, ?, 'issued', ?, ?, NULL, '', ?",
                more, len(values),
            ),
            (movement, at, site, commodity, -quantity, at, user, *values),
        )  # fmt: skip
        db.execute(
            "UPDATE stock_stockbalance SET quantity = ? WHERE id = ?", (left - quantity, balance_id)
        )
        collection = uuid.uuid4()
        more, values = _later_columns(db, "distribution_collection")
        db.execute(
            _insert(
                "distribution_collection",
                "id, node, created_at, session_id, programme_id, household_id, card_id,"
                " period_start, members, quantity, at, served_by_id, desk, movement_id",
                "?, 'site-laptop', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?",
                more, len(values),
            ),
            (collection.hex, at, session, programme, household, card_id, period, members,
             quantity, at, user, "distributor", movement, *values),
        )  # fmt: skip
        db.execute(
            "INSERT INTO core_auditevent (id, node, at, actor_id, action, object_type, object_id,"
            " fields, site_id) VALUES (?, 'site-laptop', ?, ?, 'distribution.check_in',"
            " 'distribution.collection', ?, ?, ?)",
            (uuid.uuid4().hex, at, user, str(collection),
             '["card", "household", "members", "period_start", "quantity", "session"]', site),
        )  # fmt: skip
        db.execute(
            "SELECT id, site_id, commodity_id, quantity FROM stock_stockbalance"
            " WHERE commodity_id = ? AND site_id = ? ORDER BY id ASC LIMIT 1",
            (commodity, site),
        ).fetchone()
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


# ---------------------------------------------------------------------------------------
# The run


@dataclass
class Report:
    started: str
    machine: dict[str, Any]
    options: dict[str, Any]
    dataset: dict[str, Any]
    baseline: list[BaselineRun] = field(default_factory=list)
    http: list[HttpRun] = field(default_factory=list)


def _machine() -> dict[str, Any]:
    model = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": sys.version.split()[0],
        "sqlite": sqlite3.sqlite_version,
        "kernel": os.uname().release,
        "wrk": shutil.which("wrk"),
    }


def _ratios(report: Report) -> list[str]:
    """This checkout's median rate over the other's, cell by cell (`--against`)."""
    lines: list[str] = []
    cells = sorted({(r.server, r.clients) for r in report.http if r.code == "against"})
    if not cells:
        return lines
    lines.append("")
    lines.append(f"{'server':<18} {'clients':>7} {'this /s':>8} {'against /s':>10} {'ratio':>6} "
                 f"{'this CPU ms':>11} {'against CPU ms':>14} {'pairs':>5}")  # fmt: skip
    for name, clients in cells:
        this = [r for r in report.http if (r.code, r.server, r.clients) == ("this", name, clients)]
        other = [
            r for r in report.http if (r.code, r.server, r.clients) == ("against", name, clients)
        ]
        if not this or not other:
            continue
        mine, theirs = (statistics.median(r.rate for r in runs) for runs in (this, other))
        lines.append(
            f"{name:<18} {clients:>7} {mine:>8,.1f} {theirs:>10,.1f} {mine / theirs:>6.2f} "
            f"{statistics.median(r.server_cpu_ms for r in this):>11.2f} "
            f"{statistics.median(r.server_cpu_ms for r in other):>14.2f} "
            f"{min(len(this), len(other)):>5}"
        )
    return lines


def summarise(report: Report) -> str:
    base = statistics.median(b.rate for b in report.baseline) if report.baseline else 0.0
    lines = []
    if report.baseline:
        lines.append(
            f"bare sqlite3 loop: {base:,.0f} check-ins/s (median of {len(report.baseline)}), "
            f"p50 {statistics.median(b.p50_ms for b in report.baseline):.2f} ms, "
            f"p99 {statistics.median(b.p99_ms for b in report.baseline):.2f} ms"
        )
    lines.append(
        f"{'code':<8} {'server':<18} {'clients':>7} {'check-ins/s':>11} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'vs sqlite3':>10} {'CPU ms/ci':>9} {'refused':>7} {'runs':>4}"
    )
    keys = sorted({(r.code, r.server, r.clients) for r in report.http})
    order = {c.name: i for i, c in enumerate(CONFIGS + EXTRA_CONFIGS)}
    keys.sort(key=lambda k: (order.get(k[1], 99), k[1], k[2], k[0] != "against"))
    for code, name, clients in keys:
        runs = [r for r in report.http if (r.code, r.server, r.clients) == (code, name, clients)]
        rate = statistics.median(r.rate for r in runs)
        lines.append(
            f"{code:<8} {name:<18} {clients:>7} {rate:>11,.0f} "
            f"{statistics.median(r.p50_ms for r in runs):>7.1f} "
            f"{statistics.median(r.p99_ms for r in runs):>7.1f} "
            f"{(rate / base if base else 0):>10.2f} "
            f"{statistics.median(r.server_cpu_ms for r in runs):>9.2f} "
            f"{sum(r.other + r.errors for r in runs):>7} {len(runs):>4}"
        )
    return "\n".join(lines + _ratios(report))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="waitress only, one short run")
    parser.add_argument(
        "--server",
        choices=["waitress", "granian", "cheroot"],
        action="append",
        help="only these servers (repeatable); default: all configurations",
    )
    parser.add_argument("--config", action="append", help="only these configurations by name")
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--clients", type=int, action="append", help="default: 1, 8 and 32")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (medians are quoted)")
    parser.add_argument("--seconds", type=float, default=8, help="each measured run")
    parser.add_argument("--warmup", type=float, default=2, help="each warm-up, not measured")
    parser.add_argument("--baseline-seconds", type=float, default=5)
    parser.add_argument(
        "--programmes", type=int, default=1, choices=[1, 10],
        help="10: the town runs ten programmes with varied rules (checkin_data.py)",
    )  # fmt: skip
    parser.add_argument(
        "--spread", action="store_true",
        help="with --programmes 10: each card to a programme its household is eligible for, "
        "instead of all to bread",
    )  # fmt: skip
    parser.add_argument(
        "--against", type=Path, metavar="TREE",
        help="also measure the checkout at TREE (its own generator and code), cell by cell",
    )  # fmt: skip
    parser.add_argument("--no-baseline", action="store_true", help="skip the bare sqlite3 loop")
    args = parser.parse_args()
    if shutil.which("wrk") is None or shutil.which("taskset") is None:
        sys.exit("needs wrk and taskset (Debian: apt-get install wrk util-linux)")
    configs = CONFIGS
    if args.quick:
        configs = QUICK_CONFIGS
        args.repeat, args.seconds, args.warmup, args.baseline_seconds = 1, 4, 1, 3
    if args.server:
        configs = [c for c in configs if c.family in args.server]
    if args.config:
        known = {c.name: c for c in CONFIGS + EXTRA_CONFIGS}
        configs = [known[name] for name in args.config]
    clients = args.clients or [1, 8, 32]

    dataset = ensure_dataset(args.households, programmes=args.programmes)
    against = ensure_dataset(args.households, tree=args.against) if args.against else None
    started = datetime.now(UTC)
    report = Report(
        started=started.isoformat(timespec="seconds"), machine=_machine(),
        options={k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
        | {"configs": [c.name for c in configs]},
        dataset={k: v for k, v in dataset.meta.items() if k != "password"}
        | ({"against": {k: v for k, v in against.meta.items() if k != "password"}}
           if against else {}),
    )  # fmt: skip
    out = RESULTS / f"checkin-{started:%Y%m%dT%H%M%S}.json"
    for repetition in range(args.repeat):
        if not args.no_baseline:
            baseline = measure_baseline(
                dataset, seconds=args.baseline_seconds, repetition=repetition
            )
            report.baseline.append(baseline)
            print(
                f"[{repetition + 1}/{args.repeat}] bare sqlite3: {baseline.rate:,.0f}/s "
                f"p50 {baseline.p50_ms:.2f} ms p99 {baseline.p99_ms:.2f} ms",
                flush=True,
            )
        cells = [(config, count) for config in configs for count in clients]
        for config, count in cells:
            # the other checkout first in even repetitions, second in odd ones: neither always
            # gets the machine's quieter or busier moment
            order = [("this", dataset)] + ([("against", against)] if against else [])
            if repetition % 2 == 0:
                order.reverse()
            for code, data in order:
                run = measure_http(config, data, clients=count, seconds=args.seconds,
                                   warmup=args.warmup, repetition=repetition, code=code,
                                   spread=args.spread and code == "this")  # fmt: skip
                report.http.append(run)
                print(f"[{repetition + 1}/{args.repeat}] {code:<7} {config.name:<18} c={count:<3} "
                      f"{run.rate:>7,.0f}/s p50 {run.p50_ms:6.1f} ms p99 {run.p99_ms:6.1f} ms "
                      f"cpu {run.server_cpu_ms:.2f} ms/ci wrk {run.wrk_cpu_share:.0%} "
                      f"refused {run.other} errors {run.errors}", flush=True)  # fmt: skip
                out.write_text(json.dumps(asdict(report), indent=1))
    print()
    print(summarise(report))
    print(f"\nall figures: {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
