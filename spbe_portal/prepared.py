"""Read queries compiled once per process, then run with new integer parameters.

Why: turning a QuerySet into SQL is the most expensive Python a request of this portal
does. Sampled under the deadline-day load, Django's SQL compiler held the interpreter
for over a quarter of the application servers' time, and the scoped evaluation lookup
that every evaluation page and every autosave starts with compiles a three-table
select (about 0.4 ms of the 0.9 ms it takes) although only its ids change between
requests.

`PreparedQuery(build, "name", ...)` takes a function that returns the QuerySet for
given integer values (ids). On first use in a process the QuerySet is compiled with
stand-in values, and each stand-in's position among the SQL parameters is noted; every
later call runs that SQL with the real values and builds the model instances as
Django's own iterable does (the same converters, the same `select_related` objects).
The query itself is written once, in the ORM, where the rules it encodes live.

The contract, checked when compiling: `build` depends on its arguments alone (it is
compiled twice with different stand-ins and must give the same SQL and the same other
parameters, so a `timezone.now()` or a setting read inside it fails loudly), every
argument reaches the SQL and is not refused by a filter as matching nothing, and the
QuerySet gives model instances (with `select_related` and annotations) or the tuples of
`values_list()` of fields; no `prefetch_related`, whose results need more statements
(`attach_prefetched` fills that cache from a second prepared query). A lock
(`select_for_update`) is only taken inside a transaction, as Django requires.

On PostgreSQL the statement is also prepared on the server (PREPARE once per database
connection, then EXECUTE with the values): the server then skips parsing and planning,
which is most of its time for these short statements (the scoped lookup's three-table
select costs it a third as much). Connections persist (CONN_MAX_AGE), so a statement is
prepared once per connection and executed hundreds of times. A statement the server
will not prepare runs as plain SQL; the setting DATABASE_SERVER_PREPARED turns this off
for a pooler that resets sessions between transactions (PgBouncer in transaction mode).
"""

from __future__ import annotations

import copy
import itertools
import re
import threading
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import QuerySet, signals, sql
from django.db.models.query import ModelIterable, ValuesListIterable, get_related_populators
from django.db.models.sql.compiler import SQLCompiler
from django.db.transaction import TransactionManagementError

# Stand-in values, distinct per argument and per compilation. They fit a small integer
# column (Django compiles a value out of a column's range as "matches nothing"); a
# constant of the query that happened to equal one is caught by the second compilation.
_STAND_IN = (32001, 32401)


# --- Server-side preparation (PostgreSQL) --------------------------------------------------

_names = itertools.count(1)
_by_name: dict[str, _Statement] = {}
_PLACEHOLDER = re.compile(r"%s|%%")


class _Statement:
    """One SQL statement with %s placeholders, and its name on the server."""

    __slots__ = ("execute_sql", "name", "server_sql", "sql")

    def __init__(self, statement: str):
        self.sql = statement
        # Process-wide unique: a connection's prepared statements are its own.
        self.name = f"spbe_prepared_{next(_names)}"
        _by_name[self.name] = self
        numbers = itertools.count(1)
        self.server_sql = _PLACEHOLDER.sub(
            lambda m: f"${next(numbers)}" if m.group() == "%s" else "%", statement
        )
        count = next(numbers) - 1
        self.execute_sql = f"EXECUTE {self.name}" + (
            " ({})".format(", ".join(["%s"] * count)) if count else ""
        )


def source(sql: str) -> str:
    """The SQL behind a logged `EXECUTE spbe_prepared_N (...)` (the statement as Django
    compiled it, with %s placeholders); any other SQL as it is. For tests and logs that
    read what a request ran."""
    name = sql.split(" ", 2)[1] if sql.startswith("EXECUTE spbe_prepared_") else None
    found = _by_name.get(name) if name else None
    return found.sql if found else sql


def _server_prepared(connection, statement: _Statement) -> bool:
    """Whether `statement` is prepared on this connection's server session (preparing it
    now if not). The bookkeeping is per underlying connection: a reconnect starts over."""
    if connection.vendor != "postgresql" or not settings.DATABASE_SERVER_PREPARED:
        return False
    raw = connection.connection
    state = getattr(connection, "_spbe_server_prepared", None)
    if state is None or state[0] is not raw:
        state = (raw, {})
        connection._spbe_server_prepared = state
    known = state[1].get(statement.name)
    if known is None:
        known = _prepare_on_server(raw, statement)
        if known is not None:  # not now (a broken transaction) is asked again next time
            state[1][statement.name] = known
    return bool(known)


def _prepare_on_server(raw, statement: _Statement) -> bool | None:
    """PREPARE on the raw connection (not a query of the request's: it is made once per
    connection): True when prepared, False when the server refuses the statement (a
    type it cannot infer), None when the transaction is already broken. Inside a
    transaction it runs in a savepoint, so that a refusal leaves the caller's
    transaction as it was. A prepared statement outlives a rollback: PostgreSQL does
    not make PREPARE transactional."""
    from psycopg2 import Error

    with raw.cursor() as cursor:
        if not raw.autocommit:
            try:
                cursor.execute("SAVEPOINT spbe_prepare")
            except Error:
                # A transaction an earlier error aborted: the statement runs as plain
                # SQL, and Django reports the broken transaction as without this module.
                return None
        try:
            cursor.execute(f"PREPARE {statement.name} AS {statement.server_sql}")
        except Error:
            if not raw.autocommit:
                cursor.execute("ROLLBACK TO SAVEPOINT spbe_prepare")
            return False
        if not raw.autocommit:
            cursor.execute("RELEASE SAVEPOINT spbe_prepare")
    return True


def _execute(connection, cursor, statement: _Statement, params) -> None:
    """Run `statement` with `params` on Django's `cursor` (counted and logged as any
    query), as EXECUTE of the server-side statement where there is one."""
    if _server_prepared(connection, statement):
        cursor.execute(statement.execute_sql, params)
    else:
        cursor.execute(statement.sql, params)


def written(statement: str) -> _Statement:
    """A statement written out in SQL (%s placeholders), for `execute`: prepared on the
    server as the compiled ones are. Made once, at import (each gets a name)."""
    return _Statement(statement)


def execute(connection, cursor, statement: _Statement, params) -> None:
    """Run a `written` statement on Django's `cursor` (counted and logged as any query)."""
    _execute(connection, cursor, statement, params)


class _Slot:
    """The position of a named argument among the SQL parameters."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name


def _compile(qs: QuerySet, using: str):
    """(compiler, sql, params, whether rows are model instances) of `qs`; None for a
    query that can match nothing."""
    plain_values = qs._iterable_class is ValuesListIterable and not (
        qs.query.extra_select or qs.query.annotation_select
    )
    if qs._prefetch_related_lookups or not (qs._iterable_class is ModelIterable or plain_values):
        raise ValueError(
            "PreparedQuery: only model QuerySets and values_list() of fields (no prefetch)"
        )
    compiler: SQLCompiler = qs.query.get_compiler(using=using)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:
        if not qs.query.is_empty():
            # Not `none()`: a filter refused a stand-in, and the real values might match.
            raise ValueError("PreparedQuery: an argument was refused as matching nothing") from None
        return None
    return compiler, sql, tuple(params), not plain_values


class _Compiled:
    """The SQL, where each argument goes, and what builds the objects of a row."""

    def __init__(self, compiled, names: tuple[str, ...], using: str):
        self.empty = compiled is None
        if self.empty:
            return
        compiler, sql, params, models = compiled
        self.statement = _Statement(sql)
        self.compiler = compiler
        self.for_update = compiler.query.select_for_update
        stand_ins = {_STAND_IN[0] + i: name for i, name in enumerate(names)}
        self.slots = [_Slot(stand_ins[p]) if p in stand_ins else p for p in params]
        self.tuples = not models  # values_list(): the row's values, in order
        if self.tuples:
            self.col_count = compiler.col_count
            return
        klass_info = compiler.klass_info
        select_fields = klass_info["select_fields"]
        self.model = klass_info["model"]
        self.start, self.end = select_fields[0], select_fields[-1] + 1
        self.init_list = [f[0].target.attname for f in compiler.select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, compiler.select, using)
        self.annotations = tuple(compiler.annotation_col_map.items())


class PreparedQuery:
    """A QuerySet shape compiled once per process and database (see the module)."""

    def __init__(self, build: Callable[..., QuerySet], *names: str):
        self.build = build
        self.names = names
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _prepare(self, using: str) -> _Compiled:
        compiled = self._compiled.get(using)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(using)
                if compiled is None:
                    compiled = _Compiled(self._compile_checked(using), self.names, using)
                    self._compiled[using] = compiled
        return compiled

    def _compile_checked(self, using: str):
        """Compile twice, with different stand-ins: the SQL must be the same, each
        argument's stand-in in the same places, every other parameter equal."""
        runs = [
            _compile(self.build(**{n: base + i for i, n in enumerate(self.names)}), using)
            for base in _STAND_IN
        ]
        if runs[0] is None or runs[1] is None:
            if runs[0] is not runs[1]:
                raise ValueError(f"PreparedQuery{self.names}: depends on more than its arguments")
            return None
        (_c, sql0, params0, _m), (_c1, sql1, params1, _m1) = runs
        renamed = {_STAND_IN[0] + i: _STAND_IN[1] + i for i in range(len(self.names))}
        if sql0 != sql1 or [renamed.get(p, p) for p in params0] != list(params1):
            raise ValueError(f"PreparedQuery{self.names}: depends on more than its arguments")
        missing = set(renamed) - set(params0)
        if missing:
            raise ValueError(f"PreparedQuery{self.names}: an argument never reaches the SQL")
        return runs[0]

    def all(self, using: str = DEFAULT_DB_ALIAS, **values: int) -> list:
        """The rows for these values: model instances, or tuples for values_list()."""
        compiled = self._prepare(using)
        if compiled.empty:
            return []
        connection = connections[using]
        if compiled.for_update and not connection.in_atomic_block:
            raise TransactionManagementError(
                "select_for_update cannot be used outside of a transaction."
            )
        params = [values[s.name] if isinstance(s, _Slot) else s for s in compiled.slots]
        with connection.cursor() as cursor:
            _execute(connection, cursor, compiled.statement, params)
            rows = cursor.fetchall()
        if not rows:
            return []
        # The compiler applies the database's converters (a copy: it is shared by the
        # process's threads, and a connection belongs to one thread).
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connection
        if compiled.tuples:
            return [tuple(row[: compiled.col_count]) for row in compiler.results_iter([rows])]
        objects = []
        for row in compiler.results_iter([rows]):
            obj = compiled.model.from_db(
                using, compiled.init_list, row[compiled.start : compiled.end]
            )
            for populator in compiled.populators:
                populator.populate(row, obj)
            for name, position in compiled.annotations:
                setattr(obj, name, row[position])
            objects.append(obj)
        return objects

    def first(self, using: str = DEFAULT_DB_ALIAS, **values: int):
        found = self.all(using, **values)
        return found[0] if found else None


# --- Writes: the INSERT of a new row, the UPDATE of some fields ---------------------------

_writes: dict[tuple, tuple[_Statement, list]] = {}
_writes_lock = threading.Lock()


def _prepared_write(
    key: tuple, prepare: Callable[[], tuple[_Statement, list]]
) -> tuple[_Statement, list]:
    found = _writes.get(key)
    if found is None:
        with _writes_lock:
            found = _writes.get(key) or prepare()
            _writes[key] = found
    return found


def _plain_placeholders(sql: str, fields: list, extra: int = 0) -> None:
    """Each value must be one plain %s (no field that writes its own SQL placeholder):
    then the values of a later save go into the same SQL in the same order."""
    if any(hasattr(f, "get_placeholder") for f in fields) or sql.count("%s") != len(fields) + extra:
        raise ValueError(f"PreparedQuery: {sql[:60]}... does not take one %s per value")


def insert(obj, using: str = DEFAULT_DB_ALIAS) -> None:
    """`obj.save()` for a new row (signals, auto_now and the new id as save() gives them)
    with the INSERT compiled once per process and model."""
    model = type(obj)
    opts = model._meta

    if obj.pk is not None:
        raise ValueError("PreparedQuery: insert() takes a new row")

    def prepare():
        if opts.db_returning_fields != [opts.pk] or opts.parents:
            raise ValueError("PreparedQuery: insert() takes a plain model with an auto id")
        fields = [f for f in opts.local_concrete_fields if not f.generated and f is not opts.pk]
        query = sql.InsertQuery(model)
        query.insert_values(fields, [model()])
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = opts.db_returning_fields
        ((statement, _params),) = compiler.as_sql()
        _plain_placeholders(statement, fields)
        return _Statement(statement), fields

    statement, fields = _prepared_write(("insert", model, using), prepare)
    connection = connections[using]
    # As save(): refuses an unsaved related object, takes the id of a saved one.
    obj._prepare_related_fields_for_save(operation_name="save")
    signals.pre_save.send(sender=model, instance=obj, raw=False, using=using, update_fields=None)
    params = [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
    with connection.cursor() as cursor:
        _execute(connection, cursor, statement, params)
        if connection.features.can_return_columns_from_insert:
            pk = cursor.fetchone()[0]
        else:
            pk = connection.ops.last_insert_id(cursor, opts.db_table, opts.pk.column)
    obj.pk = pk
    obj._state.adding, obj._state.db = False, using
    signals.post_save.send(
        sender=model, instance=obj, created=True, update_fields=None, raw=False, using=using
    )


def update(obj, fields: tuple[str, ...], using: str = DEFAULT_DB_ALIAS) -> None:
    """`obj.save(update_fields=fields)` (signals and auto_now as save() does them) with
    the UPDATE compiled once per process, model and set of fields."""
    model = type(obj)
    opts = model._meta

    def prepare():
        # Django's UPDATE of plain fields, written from the model's own metadata (its
        # compiler writes NULL for None, so it cannot be compiled with stand-in values).
        targets = [opts.get_field(name) for name in fields]
        if any(not f.concrete or f.primary_key for f in targets):
            raise ValueError("PreparedQuery: update() takes concrete, non-key fields")
        quote = connections[using].ops.quote_name
        # Only quoted names of the model's own table and columns; the values are params.
        statement = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
            quote(opts.db_table),
            ", ".join(f"{quote(f.column)} = %s" for f in targets),
            quote(opts.pk.column),
        )
        _plain_placeholders(statement, targets, extra=1)
        return _Statement(statement), targets

    statement, targets = _prepared_write(("update", model, fields, using), prepare)
    connection = connections[using]
    obj._prepare_related_fields_for_save(operation_name="save", fields=targets)
    update_fields = frozenset(fields)
    signals.pre_save.send(
        sender=model, instance=obj, raw=False, using=using, update_fields=update_fields
    )
    params = [f.get_db_prep_save(f.pre_save(obj, add=False), connection) for f in targets]
    with connection.cursor() as cursor:
        _execute(connection, cursor, statement, [*params, obj.pk])
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.db = using
    signals.post_save.send(
        sender=model,
        instance=obj,
        created=False,
        update_fields=update_fields,
        raw=False,
        using=using,
    )


def attach_prefetched(objects: list, name: str, related: list) -> None:
    """What `prefetch_related(name)` leaves on `objects` for a reverse foreign key
    `name`, from rows read by another (prepared) query: each object's `name.all()` is its
    rows of `related` in their order, and each row's foreign key holds its object; no
    query is made by either. `related` may hold rows of objects not in `objects`."""
    if not objects:
        return
    field = getattr(type(objects[0]), name).field  # the foreign key on the related model
    cache_name = field.remote_field.cache_name
    rows_of: dict = {}
    for row in related:
        rows_of.setdefault(getattr(row, field.attname), []).append(row)
    for obj in objects:
        rows = rows_of.get(obj.pk, [])
        for row in rows:
            field.set_cached_value(row, obj)
        queryset = getattr(obj, name).get_queryset()  # filtered to obj, not run
        queryset._result_cache, queryset._prefetch_done = rows, True
        obj.__dict__.setdefault("_prefetched_objects_cache", {})[cache_name] = queryset
