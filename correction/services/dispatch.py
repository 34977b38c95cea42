"""Deliveries leave after the commit: `notify()` registers their ids on the session, a commit hands them to a few
worker threads (each attempt in its own app context and session), a rollback drops them.

Nothing here blocks the committing request: the queue is bounded and a full queue leaves the deliveries pending for
the scheduler's `deliver_pending`. Under DELIVERY_SYNC (the test configuration) the committing thread attempts them
itself, right after its transaction has ended, so tests see the result without waiting.
"""

import logging
import queue
import threading

import sqlalchemy as sa
from flask import Flask, current_app

from correction import clock, redaction
from correction.db import db
from correction.services.deliveries import deliver

log = logging.getLogger(__name__)
redaction.install(log)  # an exception's or a remote service's text can quote personal data

_PENDING = "sqjz_deliveries_pending"      # session.info: ids added in the open transaction
_COMMITTED = "sqjz_deliveries_committed"  # session.info: ids whose transaction committed
_EXTENSION = "sqjz.dispatcher"
_create_lock = threading.Lock()


def after_commit(delivery_ids: list[int]) -> None:
    """Attempt these deliveries once the current transaction commits."""
    if delivery_ids:
        db.session.info.setdefault(_PENDING, []).extend(delivery_ids)


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _committed(session: sa.orm.Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids:
        session.info.setdefault(_COMMITTED, []).extend(ids)


@sa.event.listens_for(sa.orm.Session, "after_transaction_end")
def _ended(session: sa.orm.Session, transaction: sa.orm.SessionTransaction) -> None:
    """The outermost transaction ended (its connection is released): hand on what committed, drop the rest."""
    if transaction.parent is not None:
        return
    session.info.pop(_PENDING, None)
    ids = session.info.pop(_COMMITTED, None)
    if ids:
        dispatcher(current_app._get_current_object()).submit(ids)


class Dispatcher:
    """A bounded queue and DELIVERY_WORKERS daemon threads, started on first use."""

    def __init__(self, app: Flask):
        self._app = app
        self._sync = app.config["DELIVERY_SYNC"]
        self._workers = app.config["DELIVERY_WORKERS"]
        self._queue: queue.Queue[list[int]] = queue.Queue(app.config["DELIVERY_QUEUE_SIZE"])
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()

    def submit(self, delivery_ids: list[int]) -> None:
        if self._sync:
            self._attempt(delivery_ids)
            return
        try:
            self._queue.put_nowait(delivery_ids)
        except queue.Full:
            log.warning("delivery queue full: %d deliveries left to deliver_pending", len(delivery_ids))
            return
        with self._lock:
            while len(self._threads) < self._workers:
                thread = threading.Thread(target=self._work, name=f"sqjz-delivery-{len(self._threads)}",
                                          daemon=True)
                thread.start()
                self._threads.append(thread)

    def join(self) -> None:
        """Wait until every submitted delivery has been attempted."""
        self._queue.join()

    def _attempt(self, delivery_ids: list[int]) -> None:
        with self._app.app_context():
            deliver(delivery_ids, clock.now())

    def _work(self) -> None:
        while True:
            delivery_ids = self._queue.get()
            try:
                self._attempt(delivery_ids)
            except Exception:  # the thread must survive; the deliveries stay pending for deliver_pending
                log.exception("attempting deliveries %s failed", delivery_ids)
            finally:
                self._queue.task_done()


def dispatcher(app: Flask) -> Dispatcher:
    """The app's dispatcher, created on first use (after any fork of the server's workers)."""
    with _create_lock:
        if _EXTENSION not in app.extensions:
            app.extensions[_EXTENSION] = Dispatcher(app)
        return app.extensions[_EXTENSION]
