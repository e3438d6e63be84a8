"""Querysets compiled once per process, run with new values (issue 15).

Building the SQL of a queryset (``SQLCompiler.as_sql``) costs far more than running
it for the client file's reads: a few milliseconds of CPU a statement, a quarter of
the page. A statement of a fixed shape — the same joins, the same conditions, only
the values changing (a file's id, today's date) — compiles to the same SQL text
every time. ``prepared`` builds such a queryset once per database alias with two
sets of sentinel values, checks that both give the same SQL and that the sentinels
are the only parameters that differ, and then runs it with the caller's values
through Django's own iterables: select_related, annotations, converters and
``from_db`` work as for the plain queryset, and the SQL is the ORM's, byte for byte
(tests/security/test_prepared.py compares both).

    contacts_of = prepared(lambda dossier_id: Contact.objects.filter(dossier_id=dossier_id))
    contacts = contacts_of(dossier_id=dossier.pk)   # a list of Contact

What a shape may take: ``int``, ``str``, ``datetime.date`` values (never ``None``,
which changes the SQL to ``IS NULL``; never a list, whose length changes it).
``prefetch_related`` still runs its own statements, compiled as usual. A shape whose
SQL does not come out the same for two sets of values is refused at its first use
(``PreparedShapeError``), never run wrong.
"""

from __future__ import annotations

import copy
import datetime
import inspect
import threading
from collections.abc import Callable
from typing import Any

from django.db import connections, router
from django.db.models import Count, QuerySet
from django.db.models.sql import Query


def _sentinel(kind: type, index: int, which: int) -> Any:
    """The sentinel value of the ``index``-th value of a shape, in the first
    (``which`` 0) or the second (1) compilation: each value its own, far from any
    real one."""
    n = 2 * index + which
    if kind is int:
        return 1_987_654_321 + 7 * n
    if kind is str:
        return f"\x01prepared-{n}\x01"
    return datetime.date(1901, 2, 3) + datetime.timedelta(days=37 * n)


_INT64 = (-(2**63), 2**63 - 1)


class PreparedShapeError(Exception):
    """The queryset's SQL depends on its values: it cannot be compiled once."""


def _adapt(connection, value: Any) -> Any:
    # What the ORM's lookups make of a value in the parameters (get_db_prep_value).
    if isinstance(value, datetime.datetime):
        raise PreparedShapeError("datetime values are not supported")
    if isinstance(value, datetime.date):
        return connection.ops.adapt_datefield_value(value)
    return value


class _Compiled:
    """One shape compiled on one alias: the SQL, the parameters with their slots,
    and the compiler whose select/klass_info Django's iterables read."""

    def __init__(self, queryset: QuerySet, sql: str, params: tuple, slots: dict[int, str]):
        self.queryset = queryset
        self.sql = sql
        self.params = list(params)
        self.slots = slots
        self.compiler = queryset.query.get_compiler(using=queryset.db)
        self.compiler.as_sql()  # fills select, klass_info, col_count… once

    def queryset_for(self, values: dict[str, Any], build: Callable[..., QuerySet]) -> QuerySet:
        connection = connections[self.queryset.db]
        params = list(self.params)
        for index, name in self.slots.items():
            params[index] = _adapt(connection, values[name])
        compiler = copy.copy(self.compiler)
        compiler.connection = connection  # this thread's connection
        sql = self.sql
        compiler.as_sql = lambda *args, **kwargs: (sql, tuple(params))
        queryset = self.queryset._chain()
        query = copy.copy(queryset.query)
        query.__class__ = _PreparedQuery
        query.prepared_compiler = compiler
        # Its conditions hold the sentinels: a change to it starts from the real one.
        query.prepared_rebuild = lambda: build(**values).query
        iterable_class = queryset._iterable_class
        queryset.query = query  # (its setter takes a values() query for a dict one)
        queryset._iterable_class = iterable_class
        return queryset


class _PreparedQuery(Query):
    """A query that hands out its already compiled compiler. Its own conditions hold
    the sentinel values (the values are in the compiled parameters only), so any
    change to it (a filter, a slice, a count) is made to the query built with the
    real values, compiled as usual."""

    prepared_compiler = None
    prepared_rebuild = None

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        return self.prepared_compiler

    def chain(self, klass=None):
        return self.prepared_rebuild().chain(klass)

    def clone(self):
        return self.prepared_rebuild().clone()


class prepared:  # noqa: N801 — used as a function
    """``prepared(build)``: ``build(**values)`` returns the queryset; calling the
    result with the same keyword values runs it, compiled once per alias."""

    def __init__(self, build: Callable[..., QuerySet]):
        self.build = build
        self.names = list(inspect.signature(build).parameters)
        self.types: dict[str, type] = {}
        self.model = None
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def _compile(self, values: dict[str, Any]) -> _Compiled:
        kinds = {name: _kind(values[name]) for name in self.names}
        first = {name: _sentinel(kinds[name], i, 0) for i, name in enumerate(self.names)}
        second = {name: _sentinel(kinds[name], i, 1) for i, name in enumerate(self.names)}
        queryset_a, queryset_b = self.build(**first), self.build(**second)
        sql_a, params_a = queryset_a.query.get_compiler(using=queryset_a.db).as_sql()
        sql_b, params_b = queryset_b.query.get_compiler(using=queryset_b.db).as_sql()
        if sql_a != sql_b or len(params_a) != len(params_b):
            raise PreparedShapeError("the SQL changes with the values")
        connection = connections[queryset_a.db]
        adapted = {name: _adapt(connection, first[name]) for name in self.names}
        slots: dict[int, str] = {}
        for index, (a, b) in enumerate(zip(params_a, params_b, strict=True)):
            if a == b:
                continue
            names = [
                name for name in self.names if adapted[name] == a and type(adapted[name]) is type(a)
            ]
            if len(names) != 1:
                raise PreparedShapeError(f"parameter {index} is no single value of the shape")
            slots[index] = names[0]
        self.types = kinds
        return _Compiled(queryset_a, sql_a, params_a, slots)

    def queryset(self, **values: Any) -> QuerySet:
        if set(values) != set(self.names):
            raise TypeError(f"expected the values {self.names}, got {sorted(values)}")
        if any(isinstance(v, int) and not _INT64[0] <= v <= _INT64[1] for v in values.values()):
            # No database column holds it; the ORM's own lookups know what to make
            # of it (no row for an exact match), the database would raise.
            return self.build(**values)
        if self.model is None:
            self.model = self.build(**values).model
        alias = router.db_for_read(self.model)
        compiled = self._compiled.get(alias)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(alias)
                if compiled is None:
                    compiled = self._compiled[alias] = self._compile(values)
        for name, value in values.items():
            if _kind(value) is not self.types[name]:
                raise TypeError(f"{name}: expected {self.types[name].__name__}")
        return compiled.queryset_for(values, self.build)

    def __call__(self, **values: Any) -> list:
        return list(self.queryset(**values))


def file_count(model) -> prepared:
    """The count of a file's rows of ``model`` (a tab's label, read on every render of
    the client file), compiled once per process: ``sum(count(dossier_id=…))``.
    Grouped by the file, so a file with none reads no row."""
    return prepared(
        lambda dossier_id: (
            model.objects.filter(dossier_id=dossier_id)
            .order_by()
            .values("dossier_id")
            .annotate(n=Count("*"))
            .values_list("n", flat=True)
        )
    )


def _kind(value: Any) -> type:
    if isinstance(value, bool) or value is None:
        raise PreparedShapeError(f"{value!r} changes the SQL or its type")
    for kind in (datetime.datetime, datetime.date, int, str):
        if isinstance(value, kind):
            if kind is datetime.datetime:
                raise PreparedShapeError("datetime values are not supported")
            return kind
    raise PreparedShapeError(f"unsupported value {value!r}")
