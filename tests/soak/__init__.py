"""The crash soak: desks keep checking cards in while the server is killed with SIGKILL at
random moments and started again; each desk retries, with the same Idempotency-Key, every
request that got no answer. Afterwards the database must hold every acknowledged check-in
exactly once, nothing twice, a balanced stock ledger, and (SQLite) a clean integrity check.

Shared by tests/soak/test_crash.py (a short run in the suite) and bench/soak.py (the long one).
"""

from __future__ import annotations

import http.client
import json
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from tests.serving import DEMO_PASSWORD, ServedApp

USERS = ("distributor", "coordinator")
CHECKINS = "/api/v1/distribution/checkins"


class NoAnswer(Exception):
    """The request got no HTTP answer: refused, reset, cut off or timed out."""


def households_for(writes: int) -> int:
    """Enough demo households for `writes` distinct cards at the municipal building, where
    the demo puts five households in six."""
    return writes * 6 // 5 + 24


@dataclass
class SoakConfig:
    writes: int
    kills: int
    clients: int
    seed: int = 6
    # The server's Waitress threads: more than the clients, so no request waits for a thread.
    threads: int = 8
    # Share of answered keys sent once more at once, as a device that missed the answer would.
    resend_share: float = 0.05
    # How many acknowledged keys to send again after the last restart (0: all of them).
    replay_after: int = 0
    deadline_seconds: float = 600.0
    request_timeout: float = 30.0


@dataclass
class Attempt:
    """One card scanned at one desk: one Idempotency-Key, sent until it gets an answer."""

    card: str
    user: str
    key: str
    status: int = 0
    body: Any = None
    sends: int = 0


@dataclass
class SoakResult:
    config: SoakConfig
    database: str = ""
    synchronous: str = ""
    attempts: list[Attempt] = field(default_factory=list, repr=False)
    acknowledged: int = 0
    refused: int = 0
    unanswered: int = 0
    retries: int = 0
    server_errors: int = 0
    resent: int = 0
    replayed: int = 0
    kills: int = 0
    restarts: int = 0
    restart_seconds: list[float] = field(default_factory=list, repr=False)
    seconds: float = 0.0
    tracebacks_in_log: int = 0
    facts: dict[str, Any] = field(default_factory=dict, repr=False)
    violations: list[str] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        """What a person reads: counts, times and violations, without the per-key detail."""
        slowest = max(self.restart_seconds, default=0.0)
        mean = sum(self.restart_seconds) / len(self.restart_seconds) if self.restarts else 0.0
        return {
            "database": self.database,
            "synchronous": self.synchronous,
            "writes": self.config.writes,
            "clients": self.config.clients,
            "acknowledged": self.acknowledged,
            "refused": self.refused,
            "unanswered": self.unanswered,
            "retries_without_answer": self.retries,
            "server_errors_5xx": self.server_errors,
            "resent_after_answer": self.resent,
            "replayed_after_last_restart": self.replayed,
            "kills": self.kills,
            "restarts": self.restarts,
            "restart_seconds_mean": round(mean, 2),
            "restart_seconds_max": round(slowest, 2),
            "seconds": round(self.seconds, 1),
            "collections_in_db": self.facts.get("collections_count"),
            "tracebacks_in_server_log": self.tracebacks_in_log,
            "violations": self.violations,
        }


# ---------------------------------------------------------------------------------------
# The server, killed and started again on the same database and port


class Server:
    """Kills `hromada serve` with SIGKILL and starts it again, keeping `app.process` current so
    that tests.serving.serve() stops whichever process is the last one."""

    def __init__(self, app: ServedApp, *, threads: int) -> None:
        self.app = app
        self.threads = threads
        self.port = urlsplit(app.url).port
        self.kills = 0
        self.restarts = 0
        self.restart_seconds: list[float] = []

    def kill(self) -> None:
        process = self.app.process
        assert process is not None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        self.kills += 1

    def start(self, *, timeout: float = 60) -> None:
        started = time.monotonic()
        with self.app.log.open("ab") as log:
            self.app.process = subprocess.Popen(
                [sys.executable, "-m", "hromada", "serve", "--port", str(self.port),
                 "--threads", str(self.threads)],
                env=self.app.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        self._wait_until_up(timeout)
        self.restarts += 1
        self.restart_seconds.append(time.monotonic() - started)

    def _wait_until_up(self, timeout: float) -> None:
        process = self.app.process
        assert process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"hromada serve exited on restart:\n{self.app.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.app.url}/login/", timeout=2):  # noqa: S310
                    return
            except (urllib.error.URLError, OSError, http.client.HTTPException):
                time.sleep(0.05)
        raise RuntimeError(f"hromada serve did not answer within {timeout} s of a restart")


# ---------------------------------------------------------------------------------------
# HTTP


def post(url: str, body: Any, *, token: str, key: str, timeout: float) -> tuple[int, Any]:
    """POST JSON and return (status, body); raise NoAnswer when no HTTP answer came back."""
    request = urllib.request.Request(  # noqa: S310 (loopback)
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": key,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status, _parse(response.read())
    except urllib.error.HTTPError as error:
        try:
            return error.code, _parse(error.read())
        except (OSError, http.client.HTTPException) as cut:
            raise NoAnswer(repr(cut)) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as lost:
        # refused while the server is down, reset or cut off when it was killed mid-answer
        raise NoAnswer(repr(lost)) from None


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")[:200]


def _token(app: ServedApp, username: str) -> str:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{app.url}/api/v1/auth/token",
        data=json.dumps({"username": username, "password": DEMO_PASSWORD}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        return str(json.loads(response.read())["token"])


def _municipal_session(app: ServedApp, token: str) -> str:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{app.url}/api/v1/distribution/sessions?status=open",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
        sessions = json.loads(response.read())
    bread = (s for s in sessions if s["site_name"] == "Міська рада" and s["commodity"] == "Хліб")
    return str(next(bread)["id"])


# ---------------------------------------------------------------------------------------
# Seeding and the facts read back from the database

# Every card of the municipal building, and enough bread for all of them: the soak is about
# crashes, so every check-in it sends should be served.
SEED = """
import json
from django.db.models import Count
from hromada.core.models import Site, User
from hromada.distribution.models import Programme
from hromada.people.models import Card, Household
from hromada.stock.actions import Line, balance_of, do_record_delivery
from hromada.stock.models import Commodity
from django.utils import timezone
site = Site.objects.get(code='municipal')
bread = Commodity.objects.get(code='bread')
programme = Programme.objects.get(commodity=bread)
members = (Household.objects.filter(site=site).annotate(n=Count('members'))
           .values_list('n', flat=True))
need = sum(programme.entitlement(n) for n in members)
short = need - balance_of(site=site, commodity=bread)
if short > 0:
    do_record_delivery(actor=User.objects.get(username='coordinator'), site=site,
        lines=[Line(bread, short)], source='soak test', arrived_at=timezone.now())
# households with somebody still in the town (the demo's bus took some away)
cards = (Card.objects.filter(household__site=site, status='active',
                             household__members__status='present')
         .distinct().order_by('code'))
print(json.dumps({'cards': list(cards.values_list('code', flat=True)),
                  'balance': balance_of(site=site, commodity=bread)}))
"""

FACTS = """
import json
from django.db import connection
from django.db.models import Count, F, Sum
from hromada.core.models import IdempotencyRecord
from hromada.distribution.models import Collection
from hromada.stock.models import StockBalance, StockMovement
facts = {'vendor': connection.vendor}
facts['collections'] = [
    [str(i), code, str(h), q]
    for i, code, h, q in Collection.objects.values_list(
        'id', 'card__code', 'household_id', 'quantity'
    )
]
facts['collections_count'] = len(facts['collections'])
records = IdempotencyRecord.objects.values_list('user__username', 'key', 'status', 'body')
facts['records'] = [[u, k, s, b] for u, k, s, b in records]
facts['doubled_households'] = [
    [str(r['household_id']), str(r['programme_id']), str(r['period_start']), r['n']]
    for r in Collection.objects.values('household_id', 'programme_id', 'period_start')
    .annotate(n=Count('id')).filter(n__gt=1)
]
facts['movement_mismatch'] = Collection.objects.exclude(movement__quantity=-F('quantity')).count()
totals = StockMovement.objects.values('site_id', 'commodity_id').annotate(total=Sum('quantity'))
ledger = {(str(r['site_id']), str(r['commodity_id'])): r['total'] for r in totals}
facts['balances'] = [
    [str(b.site_id), str(b.commodity_id), b.quantity,
     ledger.pop((str(b.site_id), str(b.commodity_id)), 0)]
    for b in StockBalance.objects.all()
]
facts['ledger_without_balance'] = [[s, c, t] for (s, c), t in ledger.items() if t]
facts['municipal_balance'] = StockBalance.objects.get(
    site__code='municipal', commodity__code='bread'
).quantity
if connection.vendor == 'sqlite':
    with connection.cursor() as cursor:
        cursor.execute('PRAGMA integrity_check')
        facts['integrity_check'] = [row[0] for row in cursor.fetchall()]
        cursor.execute('PRAGMA foreign_key_check')
        facts['foreign_key_check'] = [list(row) for row in cursor.fetchall()]
        cursor.execute('PRAGMA synchronous')
        facts['synchronous'] = {0: 'OFF', 1: 'NORMAL', 2: 'FULL', 3: 'EXTRA'}[cursor.fetchone()[0]]
        cursor.execute('PRAGMA journal_mode')
        facts['journal_mode'] = cursor.fetchone()[0]
print(json.dumps(facts))
"""


def same_answer(remembered: tuple[int, Any], sent: tuple[int, Any]) -> bool:
    """The answer kept in the database is the one the desk got: the API's schema writes `at`
    to the millisecond, the record keeps it to the microsecond."""
    (kept_status, kept), (sent_status, body) = remembered, sent
    if kept_status != sent_status or set(kept) != set(body):
        return False
    if any(kept[name] != body[name] for name in kept if name != "at"):
        return False
    gap = datetime.fromisoformat(kept["at"]) - datetime.fromisoformat(body["at"])
    return abs(gap) < timedelta(milliseconds=1)


def read_facts(app: ServedApp) -> dict[str, Any]:
    facts: dict[str, Any] = json.loads(app.python(FACTS))
    return facts


# ---------------------------------------------------------------------------------------
# The run


class Soak:
    def __init__(
        self, app: ServedApp, config: SoakConfig, *, say: Callable[[str], None] | None = None
    ) -> None:
        self.app = app
        self.config = config
        self.say = say or (lambda _line: None)
        self.server = Server(app, threads=config.threads)
        self.result = SoakResult(config=config)
        self.lock = threading.Lock()
        self.answered = 0
        self.clients_done = threading.Event()
        self.deadline = 0.0
        self.url = app.url + CHECKINS

    def run(self) -> SoakResult:
        config = self.config
        started = time.monotonic()
        self.deadline = started + config.deadline_seconds
        seeded = json.loads(self.app.python(SEED))
        cards: list[str] = seeded["cards"]
        if len(cards) < config.writes:
            raise ValueError(
                f"{config.writes} writes need as many cards; the demo has {len(cards)}"
            )
        rng = random.Random(config.seed)
        cards = rng.sample(cards, config.writes)
        tokens = {user: _token(self.app, user) for user in USERS}
        session = _municipal_session(self.app, tokens[USERS[0]])
        initial_balance = int(seeded["balance"])

        clients = [
            threading.Thread(
                target=self._client,
                args=(index, cards[index :: config.clients], tokens, session),
                name=f"desk-{index}",
            )
            for index in range(config.clients)
        ]
        killer = threading.Thread(target=self._killer, name="killer")
        for thread in [*clients, killer]:
            thread.start()
        for thread in clients:
            thread.join(timeout=max(1.0, self.deadline - time.monotonic()) + 120)
        self.clients_done.set()
        killer.join(timeout=120)
        if any(thread.is_alive() for thread in [*clients, killer]):
            self.result.violations.append("a desk or the killer did not finish in time")

        # The last acknowledged writes must survive a kill too: kill, and read the database
        # back from a fresh process before any server has touched it again.
        self.server.kill()
        self.result.facts = read_facts(self.app)
        self.server.start()
        self._replay_after_restart(tokens, session)
        self.result.seconds = time.monotonic() - started
        self._judge(initial_balance)
        return self.result

    def _client(self, index: int, cards: list[str], tokens: dict[str, str], session: str) -> None:
        rng = random.Random(self.config.seed * 1000 + index)
        user = USERS[index % len(USERS)]
        for card in cards:
            attempt = Attempt(card=card, user=user, key=f"soak-{index}-{uuid.uuid4().hex}")
            with self.lock:
                self.result.attempts.append(attempt)
            if time.monotonic() > self.deadline:
                continue  # recorded as never answered
            answer = self._until_answered(attempt, tokens[user], session, rng)
            if answer is None:
                continue
            attempt.status, attempt.body = answer
            with self.lock:
                self.answered += 1
            if rng.random() < self.config.resend_share:
                again = self._until_answered(attempt, tokens[user], session, rng)
                with self.lock:
                    self.result.resent += 1
                    if again is not None and again != answer:
                        self.result.violations.append(
                            f"key {attempt.key}: first answer {answer}, a resend got {again}"
                        )

    def _until_answered(
        self, attempt: Attempt, token: str, session: str, rng: random.Random
    ) -> tuple[int, Any] | None:
        """Send until an answer comes (bounded in tries and by the run's deadline); 5xx
        answers are retried like silence, since nothing was remembered for them."""
        for _try in range(2000):
            if time.monotonic() > self.deadline:
                return None
            attempt.sends += 1
            try:
                status, body = post(
                    self.url, {"session": session, "card": attempt.card},
                    token=token, key=attempt.key, timeout=self.config.request_timeout,
                )  # fmt: skip
            except NoAnswer:
                with self.lock:
                    self.result.retries += 1
                time.sleep(rng.uniform(0.02, 0.1))
                continue
            if status >= 500:
                with self.lock:
                    self.result.server_errors += 1
                time.sleep(rng.uniform(0.02, 0.1))
                continue
            return status, body
        return None

    def _killer(self) -> None:
        """One kill in each stretch of writes/kills answers, at a random point inside it and
        a random few milliseconds after that point, so kills land mid-request."""
        config = self.config
        rng = random.Random(config.seed + 1)
        for stretch in range(config.kills):
            target = int(config.writes * (stretch + rng.uniform(0.05, 0.95)) / config.kills)
            while not self.clients_done.is_set() and time.monotonic() < self.deadline:
                with self.lock:
                    reached = self.answered >= target
                if reached:
                    break
                time.sleep(0.002)
            else:
                return
            time.sleep(rng.uniform(0.0, 0.03))
            self.server.kill()
            time.sleep(rng.uniform(0.0, 0.2))  # sometimes the desks find nobody listening
            self.server.start()
            self.say(f"kill {self.server.kills} at {self.answered} answered")

    def _replay_after_restart(self, tokens: dict[str, str], session: str) -> None:
        """After the last kill and restart, acknowledged keys sent again get the first answer."""
        acked = [a for a in self.result.attempts if a.status == 201]
        rng = random.Random(self.config.seed + 2)
        sample = self.config.replay_after
        if sample and len(acked) > sample:
            acked = rng.sample(acked, sample)
        for attempt in acked:
            first = (attempt.status, attempt.body)
            again = self._until_answered(attempt, tokens[attempt.user], session, rng)
            self.result.replayed += 1
            if again != first:
                self.result.violations.append(
                    f"key {attempt.key}: answered {first} before the last kill, {again} after"
                )

    def _judge(self, initial_balance: int) -> None:
        result = self.result
        facts = result.facts
        violations = result.violations
        result.kills = self.server.kills
        result.restarts = self.server.restarts
        result.restart_seconds = self.server.restart_seconds
        result.database = str(facts.get("vendor"))
        result.synchronous = str(facts.get("synchronous", "(PostgreSQL defaults)"))
        result.tracebacks_in_log = self.app.log.read_text(errors="replace").count("Traceback")
        attempts = result.attempts
        result.acknowledged = sum(1 for a in attempts if a.status == 201)
        result.refused = sum(1 for a in attempts if a.status not in (0, 201))
        result.unanswered = sum(1 for a in attempts if a.status == 0)

        collections = {row[0]: row for row in facts["collections"]}
        by_card = Counter(row[1] for row in facts["collections"])
        # the app stores each key scoped to its operation, as core.idempotency.scoped does
        # (not imported: this module runs without Django set up)
        scope = f"POST {CHECKINS} "
        records = {
            (user, key.removeprefix(scope)): (status, body)
            for user, key, status, body in facts["records"]
        }
        sent = {(a.user, a.key) for a in attempts}

        for attempt in attempts:
            if attempt.status == 201:
                found = collections.get(attempt.body["id"])
                if found is None:
                    violations.append(f"acknowledged {attempt.key} lost: no collection")
                elif found[1] != attempt.card:
                    violations.append(f"acknowledged {attempt.key} is another card's collection")
                remembered = records.get((attempt.user, attempt.key))
                if remembered is None or not same_answer(remembered, (201, attempt.body)):
                    violations.append(f"acknowledged {attempt.key}: its remembered answer differs")
            elif attempt.status:
                # Every card is a first collection with stock enough: a refusal means a retry
                # ran the check-in again instead of getting the first answer back.
                violations.append(
                    f"card {attempt.card} refused ({attempt.status} {attempt.body}) "
                    f"after {attempt.sends} sends"
                )
            if by_card[attempt.card] > 1:
                violations.append(f"card {attempt.card} collected {by_card[attempt.card]} times")

        stray = set(records) - sent
        if stray:
            violations.append(f"{len(stray)} idempotency records for keys never sent")
        remembered_201 = Counter(
            body["id"] for status, body in records.values() if status == 201
        )  # fmt: skip
        if sum(remembered_201.values()) != facts["collections_count"]:
            violations.append(
                f"{sum(remembered_201.values())} remembered 201 answers, "
                f"{facts['collections_count']} collections"
            )
        if set(remembered_201) != set(collections):
            violations.append("remembered 201 answers and collections are not the same rows")
        if any(n > 1 for n in remembered_201.values()):
            violations.append("one collection answered under two keys")
        if facts["doubled_households"]:
            violations.append(f"households collected twice: {facts['doubled_households']}")
        if facts["movement_mismatch"]:
            violations.append(f"{facts['movement_mismatch']} collections without their movement")
        for site, commodity, balance, ledger in facts["balances"]:
            if balance != ledger or balance < 0:
                violations.append(f"balance {balance} != ledger {ledger} at {site}/{commodity}")
        if facts["ledger_without_balance"]:
            violations.append(f"ledger without balance: {facts['ledger_without_balance']}")
        if result.unanswered == 0:
            issued = sum(row[3] for row in facts["collections"])
            served = sum(a.body["quantity"] for a in attempts if a.status == 201)
            if issued != served:
                violations.append(f"{issued} issued in the database, {served} acknowledged")
        if facts["vendor"] == "sqlite":
            if facts["integrity_check"] != ["ok"]:
                violations.append(f"integrity_check: {facts['integrity_check'][:5]}")
            if facts["foreign_key_check"]:
                violations.append(f"foreign_key_check: {facts['foreign_key_check'][:5]}")
        if result.server_errors:
            violations.append(f"{result.server_errors} answers were server errors (5xx)")
        issued = sum(row[3] for row in facts["collections"])
        if facts["municipal_balance"] != initial_balance - issued:
            violations.append(
                f"municipal balance {facts['municipal_balance']}, "
                f"expected {initial_balance} - {issued} issued"
            )


def run_soak(
    app: ServedApp, config: SoakConfig, *, say: Callable[[str], None] | None = None
) -> SoakResult:
    return Soak(app, config, say=say).run()
