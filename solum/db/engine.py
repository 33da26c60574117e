"""The database engine and its sessions: oslo.db's enginefacade, with the
set-up SQLite needs to serve several threads and processes well."""

import contextlib
import threading

import sqlalchemy as sa
from oslo_db.sqlalchemy import enginefacade
from sqlalchemy import event

from solum import conf

CONF = conf.CONF


def _new_context_manager():
    return enginefacade.transaction_context()


_context_manager = _new_context_manager()
_configured = threading.Lock()
_local = threading.local()
_listeners_installed = False


def _sqlite_connect(dbapi_connection, _record):
    # WAL lets readers run while the conductor writes; busy_timeout waits
    # for a lock instead of failing with "database is locked".
    # synchronous=NORMAL: in WAL mode a commit no longer waits for an
    # fsync of the log (checkpoints still sync), the database stays
    # consistent, and only the last commits before a power loss or an OS
    # crash (not a crash of Solum) can be lost. A workflow writes a
    # commit per log line (git's, buildah's, the tests'), each of which
    # waited for the disk (0.6 ms here when idle, far more beside a
    # build's own writes).
    cursor = dbapi_connection.cursor()
    cursor.execute('PRAGMA synchronous=NORMAL')
    cursor.execute('PRAGMA busy_timeout=30000')
    cursor.execute('PRAGMA foreign_keys=ON')
    cursor.close()


def _sqlite_begin_immediate(conn, cursor, statement, parameters, context,
                            executemany):
    # oslo.db starts SQLite transactions with a deferred BEGIN. One that
    # reads and then writes fails at once with "database is locked" when
    # another connection wrote in between (its snapshot cannot be
    # upgraded); BEGIN IMMEDIATE takes the write lock up front and waits
    # for it (busy_timeout) instead.
    # Readers keep the deferred BEGIN: in WAL mode they never block.
    if statement == 'BEGIN' and getattr(_local, 'writing', False):
        statement = 'BEGIN IMMEDIATE'
    return statement, parameters


def get_engine():
    if not _listeners_installed:
        _set_up_engine()
    return _context_manager.writer.get_engine()


def _set_up_engine():
    global _listeners_installed
    with _configured:
        if _listeners_installed:
            return
        url = CONF.database.connection or ''
        file_sqlite = url.startswith('sqlite') and ':memory:' not in url
        if file_sqlite:
            # Pooled connections move between threads (see below).
            _context_manager.configure(
                connection_parameters='check_same_thread=false')
        engine = _context_manager.writer.get_engine()
        if engine.dialect.name == 'sqlite':
            # WAL is a property of the database file: set it once.
            raw = engine.raw_connection()
            try:
                raw.cursor().execute('PRAGMA journal_mode=WAL')
            finally:
                raw.close()
            event.listen(engine, 'connect', _sqlite_connect)
            event.listen(engine, 'before_cursor_execute',
                         _sqlite_begin_immediate, retval=True)
            engine.dispose()  # reconnect so the pragmas apply
            if file_sqlite:
                engine.pool = _pooled(engine)
        _listeners_installed = True


def _pooled(engine):
    """oslo.db gives file SQLite a NullPool: a new connection, with its
    pragmas, for every transaction, the largest cost of a small request.
    Keep connections in a QueuePool (SQLAlchemy's own default for file
    SQLite), with the same connect hooks."""
    return sa.pool.QueuePool(
        engine.pool._creator, pool_size=CONF.database.max_pool_size or 5,
        max_overflow=CONF.database.max_overflow or 10,
        dialect=engine.dialect, _dispatch=engine.pool.dispatch)


def reset_engine():
    """Forget the engine (tests point the same process at a new database)."""
    global _context_manager, _listeners_installed
    _context_manager = _new_context_manager()
    _listeners_installed = False


class _Detached:
    """Holder for enginefacade's transaction state when no request
    context is at hand (a service's own work)."""


def _ctx(context):
    return context if context is not None else _Detached()


@contextlib.contextmanager
def writer(context):
    """A writer session; on SQLite its transaction begins IMMEDIATE."""
    get_engine()
    _local.writing = True
    try:
        with _context_manager.writer.using(_ctx(context)) as session:
            yield session
    finally:
        _local.writing = False


@contextlib.contextmanager
def reader(context):
    get_engine()
    with _context_manager.reader.using(_ctx(context)) as session:
        yield session
