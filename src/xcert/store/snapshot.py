"""Read-only jobs run side by side over one snapshot of the database (issue 21: the
nightly summary's sections are independent reads, each a scan of its own table).

Why the jobs see the very same data. In WAL mode a read transaction sees the database
as the last commit before its first read left it, until it ends, whatever is committed
meanwhile. `together` begins a read transaction on the caller's connection and on each
read-only connection it opens, and the first thing each reads is the marker: the data
version and the last write logged. Every write goes through `store.writes`, which logs
it in `imports` and bumps the data version when it changes data ("equal counters,
equal data"); the only other commits are bookkeeping in `meta` (the summary's last
run), no data. So a write committed between the first and the last of these reads
changes the marker of the later ones: equal markers, equal data. Else every
transaction ends and all begin again; after `ATTEMPTS` tries (writes arriving faster
than connections open), or when a reader cannot open, the jobs run one after another
on the caller's connection, in its one read transaction, as they do with one core or
a file not in WAL mode (another program converted it back). Inside a transaction the
caller began, that transaction is the snapshot and the jobs run on its connection.

sqlite3 lets go of the GIL while SQLite works, so threads are enough; each connection
is used by one thread at a time (handed over before its thread starts, closed after it
ends).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from xcert.store.connect import data_version

ATTEMPTS = 3
MAX_READERS = 3  # besides the caller's connection: the summary has no more big jobs
# Below this a file's jobs run one by one unless readers are asked for: a reader and its
# thread (about 4 ms) cost more than they save (`xcert stats` on an empty database).
MIN_BYTES = 8 * 2**20

Job = Callable[[sqlite3.Connection], Any]


def together(
    conn: sqlite3.Connection,
    jobs: Sequence[Job],
    readers: int | None = None,
    meanwhile: Callable[[], object] | None = None,
) -> list:
    """Each job's result, in the order of `jobs`, all read from one snapshot. The jobs
    only read; the first error is raised once every thread has stopped. `readers`:
    connections besides `conn` (default: one per further core, none for a small file).
    `meanwhile`: work of the caller's own that needs no database (loading templates),
    done by its thread while the readers start on the jobs."""
    if readers is None:
        readers = min(MAX_READERS, (os.cpu_count() or 1) - 1) if _large(conn) else 0
    readers = min(readers, len(jobs) - 1)
    if conn.in_transaction:  # the caller's own transaction is the snapshot
        return _run([conn], jobs, meanwhile)
    conn.execute("BEGIN")
    try:
        path = _file(conn) if readers > 0 else None
        others = _readers(conn, path, readers) if path is not None else []
        try:
            return _run([conn, *others], jobs, meanwhile)
        finally:
            _close(others)
    finally:
        if conn.in_transaction:
            conn.execute("COMMIT")  # ends the read transaction: nothing was written


def _large(conn: sqlite3.Connection) -> bool:
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    return bool(pages * conn.execute("PRAGMA page_size").fetchone()[0] >= MIN_BYTES)


def marker(conn: sqlite3.Connection) -> tuple[int, int]:
    """What a write that changes data changes: the data version, and the last write
    logged (an import that changed nothing logs a write but keeps the version)."""
    last = conn.execute("SELECT coalesce(max(id), 0) FROM imports").fetchone()[0]
    return data_version(conn), int(last)


def _file(conn: sqlite3.Connection) -> Path | None:
    """The database file, if it is one in WAL mode (readers open it by name)."""
    name = conn.execute("PRAGMA database_list").fetchone()[2]
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    return Path(name) if name and mode == "wal" else None


def _readers(conn: sqlite3.Connection, path: Path, count: int) -> list[sqlite3.Connection]:
    """`count` read-only connections in read transactions that see what `conn`'s (begun
    by the caller) sees; none after `ATTEMPTS` tries, or if one cannot be opened."""
    for attempt in range(ATTEMPTS):
        if attempt:  # a write came between: conn begins again, at the latest commit
            conn.execute("COMMIT")
            conn.execute("BEGIN")
        expected = marker(conn)  # the first read: it fixes conn's snapshot
        others: list[sqlite3.Connection] = []
        try:
            for _ in range(count):
                others.append(open_reader(path))
                others[-1].execute("BEGIN")
                if marker(others[-1]) != expected:
                    break
            else:
                return others
        except sqlite3.Error:  # a reader that cannot open: the jobs run one by one
            _close(others)
            return []
        _close(others)
    return []


def _close(connections: list[sqlite3.Connection]) -> None:
    for connection in connections:
        connection.close()  # ends its read transaction


def open_reader(path: Path) -> sqlite3.Connection:
    """A read-only connection that another thread may use, in autocommit mode (its read
    transaction is begun by hand), waiting for a lock as the caller's does."""
    return sqlite3.connect(
        f"{path.resolve().as_uri()}?mode=ro",
        uri=True,
        timeout=30,
        isolation_level=None,
        check_same_thread=False,
    )


def _run(
    connections: list[sqlite3.Connection],
    jobs: Sequence[Job],
    meanwhile: Callable[[], object] | None,
) -> list:
    """The jobs shared out to the connections as each is free, in the order listed (the
    largest first); the caller's thread does `meanwhile`, then works on the first."""
    results: list = [None] * len(jobs)
    errors: list[BaseException] = []
    pending = iter(range(len(jobs)))
    lock = threading.Lock()

    def work(connection: sqlite3.Connection) -> None:
        while True:
            with lock:
                index = None if errors else next(pending, None)
            if index is None:
                return
            try:
                results[index] = jobs[index](connection)
            except BaseException as exc:  # raised by the caller once all have stopped
                with lock:
                    errors.append(exc)

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in connections[1:]]
    for thread in threads:
        thread.start()
    try:
        if meanwhile is not None:
            meanwhile()
        work(connections[0])
    finally:
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return results
