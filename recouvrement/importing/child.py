"""Rows parsed in a forked process while the command writes (large files): the
child's life (it dies with its parent and never holds the parent's database
connection) and the pipe between them. ``base.run_import`` chooses it."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import operator
import os
import sys
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from .reader import RowSource, SourceError

if TYPE_CHECKING:
    from .base import Importer


def parse_in_child(importer: Importer, source: RowSource, mapping, counter: list[int]):
    """``parse_inline`` in a forked process, while this one writes: the two use
    both processors (a thread would share one interpreter lock with the writer).

    The child inherits the importer and the open source; it runs ``parse_row``
    (which must not touch the database: the connection belongs to this process,
    and the child leaves it alone and ends with ``os._exit``) and sends each batch
    through a pipe with the errors found since the previous one; the keys seen
    for duplicates live in the child only.
    """
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_child_main,
        args=(importer, source, mapping, sender, receiver, os.getpid()),
        name="import-parser",
        daemon=True,
    )
    child.start()
    sender.close()
    try:
        while True:
            try:
                kind, payload, errors, counter[0] = receiver.recv()
            except EOFError:  # the child ended without a word: killed (memory…)
                child.join()
                raise SourceError(
                    _(
                        "La lecture du fichier s'est arrêtée en cours de route (processus "
                        "de lecture terminé, code %(code)s)."
                    )
                    % {"code": child.exitcode}
                ) from None
            for error in errors:
                importer.errors.append(error)
                importer.rejected_lines.add(error.line)
            if kind == "batch":
                batch, position = payload
                yield unpack(batch), position
            elif kind == "end":
                return
            else:  # "failed": the exception the child met, raised here
                raise payload
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()


@functools.cache
def _init_fields(cls: type) -> tuple[str, ...] | None:
    """The fields of a dataclass whose ``__init__`` takes them all, in order."""
    if not dataclasses.is_dataclass(cls):
        return None
    fields = dataclasses.fields(cls)
    return tuple(f.name for f in fields) if all(f.init for f in fields) else None


def pack(batch: list) -> list | tuple:
    """A batch of records of one dataclass as the class and a tuple of values per
    record: pickled three times faster than the objects themselves (a dataclass with
    slots pickles and unpickles each object through Python-level state methods),
    12 ms → 4 ms a batch of 2,000 receivables, and read back as fast. Anything else
    goes as it is."""
    if not batch:
        return batch
    cls = type(batch[0])
    names = _init_fields(cls)
    if names is None or any(type(record) is not cls for record in batch):
        return batch
    read = operator.attrgetter(*names)
    if len(names) == 1:
        return (cls, [(read(record),) for record in batch])
    return (cls, [read(record) for record in batch])


def unpack(batch: list | tuple) -> list:
    if isinstance(batch, tuple):
        cls, values = batch
        return [cls(*record) for record in values]
    return batch


def _child_detach(receiver, parent: int) -> None:
    """In the child, first of all: die with the parent, and let go of everything of
    the parent's that would outlive it.

    A child killed with its parent (``kill -9``, the OOM killer, ``timeout``) would
    otherwise go on parsing, block on the pipe it still holds both ends of, and keep
    the inherited socket of the parent's database session open: the server then
    never sees the session end, and it stays « idle in transaction » with the
    import's row locks. The socket is replaced by /dev/null (closing its number
    could let a new file reuse it under the parent's connection object)."""
    _die_with_parent()
    if os.getppid() != parent:  # the parent was already gone when prctl() ran
        os._exit(1)
    receiver.close()
    from django.db import connections

    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        for wrapper in connections.all(initialized_only=True):
            raw = wrapper.connection
            fileno = getattr(raw, "fileno", None)
            if raw is None or fileno is None:
                continue  # SQLite: no socket, and its locks are not inherited
            with contextlib.suppress(Exception):  # a connection already closed
                os.dup2(devnull, fileno())
    finally:
        os.close(devnull)


def _die_with_parent() -> None:
    """Linux's PR_SET_PDEATHSIG: the kernel sends SIGKILL to this process when its
    parent ends, however it ends."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    libc = ctypes.CDLL(None, use_errno=True)
    pr_set_pdeathsig = 1
    libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)


def _child_main(importer: Importer, source: RowSource, mapping, sender, receiver, parent) -> None:
    from .base import parse_inline  # the same parsing as in the parent

    _child_detach(receiver, parent)
    sent = 0
    counter = [0]

    def news():
        nonlocal sent
        errors = importer.errors[sent:]
        sent = len(importer.errors)
        return errors

    try:
        for batch, position in parse_inline(importer, source, mapping, counter):
            sender.send(("batch", (pack(batch), position), news(), counter[0]))
        sender.send(("end", None, news(), counter[0]))
    except BaseException as exc:  # noqa: BLE001 - handed to the parent, raised there
        try:
            sender.send(("failed", exc, news(), counter[0]))
        except Exception:  # noqa: BLE001 - e.g. an exception that does not pickle
            sender.send(("failed", SourceError(str(exc)), news(), counter[0]))
    finally:
        sender.close()
