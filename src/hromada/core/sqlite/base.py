"""Django's SQLite backend, with the server's threads queueing for the write lock.

SQLite lets one writer in at a time. A thread whose BEGIN IMMEDIATE finds the lock taken sleeps
in SQLite's busy handler (1, 2, 5, 10 ... 100 ms between tries) and can lose to newcomers
again and again: with 8 threads and 32 desks the slowest check-ins took over 2 s
(bench/README.md). Here the threads of one process take a lock of their own before BEGIN and
give it back at COMMIT or ROLLBACK, so the next one starts the moment the writer is done. The
busy handler still arbitrates between processes (a `hromada` command run beside the server).
"""

from __future__ import annotations

import threading
from typing import Any

from django.db.backends.sqlite3 import base

_write_lock = threading.Lock()


# The hooks below are private to Django's backends and absent from django-stubs: each call to
# them carries an ignore of mypy's "misc" code.
class DatabaseWrapper(base.DatabaseWrapper):
    _holds_write_lock = False

    def _start_transaction_under_autocommit(self) -> None:
        _write_lock.acquire()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            _write_lock.release()
            raise
        self._holds_write_lock = True

    def _release_write_lock(self) -> None:
        if self._holds_write_lock:
            self._holds_write_lock = False
            _write_lock.release()

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._release_write_lock()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._release_write_lock()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            self._release_write_lock()
