"""`hromada serve` with one change, to measure it before proposing it: the server's threads
take a process-wide lock before SQLite's BEGIN IMMEDIATE and give it back at COMMIT or
ROLLBACK.

Without it, a thread that finds the write lock taken sleeps in SQLite's busy handler (1, 2,
5, 10 ... up to 100 ms between tries) and may lose to newcomers again and again; with it, the
threads queue on a lock that wakes the next one as soon as the writer is done.

    .venv/bin/python bench/checkin_serve_locked.py --port 8000 --threads 8
"""

from __future__ import annotations

import sys
import threading
from typing import Any


def install() -> None:
    from django.db.backends.sqlite3 import base

    # private hooks of Django's SQLite backend, which the stubs do not describe
    wrapper: Any = base.DatabaseWrapper
    lock = threading.Lock()
    start = wrapper._start_transaction_under_autocommit
    commit = wrapper._commit
    rollback = wrapper._rollback

    def locked_start(self: Any) -> None:
        lock.acquire()
        try:
            start(self)
        except BaseException:
            lock.release()
            raise
        self.bench_holds_lock = True

    def _release(self: Any) -> None:
        if getattr(self, "bench_holds_lock", False):
            self.bench_holds_lock = False
            lock.release()

    def locked_commit(self: Any) -> None:
        try:
            commit(self)
        finally:
            _release(self)

    def locked_rollback(self: Any) -> None:
        try:
            rollback(self)
        finally:
            _release(self)

    wrapper._start_transaction_under_autocommit = locked_start
    wrapper._commit = locked_commit
    wrapper._rollback = locked_rollback


def main() -> None:
    from hromada import cli

    setup = cli._setup

    def setup_and_install() -> None:
        setup()
        install()

    cli._setup = setup_and_install
    cli.serve(sys.argv[1:])


if __name__ == "__main__":
    main()
