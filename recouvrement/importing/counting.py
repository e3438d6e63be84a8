"""Compact per-import memory: the keys already seen (``KeyLines``, for duplicates)
and a few named counters per file (``Counters``, for the journal), in arrays with
open addressing, so that an import of millions of rows stays small."""

from __future__ import annotations

from array import array
from enum import IntEnum


class KeyLines:
    """A set of 64-bit key hashes, each with the first line it was seen on, in two
    arrays with open addressing (linear probing, at most 3/4 full)."""

    def __init__(self, size: int = 1 << 12) -> None:
        self._keys = array("q", bytes(8 * size))
        self._lines = array("i", bytes(4 * size))
        self._mask = size - 1
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def first_line(self, digest: int, line: int) -> int:
        """The first line of ``digest`` if it was seen before, else 0 (and it is
        recorded with ``line``, which must not be 0)."""
        digest = digest or 1  # 0 marks an empty slot
        keys, mask = self._keys, self._mask
        index = digest & mask
        while True:
            found = keys[index]
            if found == digest:
                return self._lines[index]
            if not found:
                break
            index = (index + 1) & mask
        keys[index] = digest
        self._lines[index] = line or 1
        self._count += 1
        if self._count * 4 > (mask + 1) * 3:
            self._grow()
        return 0

    def _grow(self) -> None:
        old = zip(self._keys, self._lines, strict=True)
        size = (self._mask + 1) * 2
        self._keys = keys = array("q", bytes(8 * size))
        self._lines = lines = array("i", bytes(4 * size))
        self._mask = mask = size - 1
        for digest, line in old:
            if digest:
                index = digest & mask
                while keys[index]:
                    index = (index + 1) & mask
                keys[index] = digest
                lines[index] = line


class Counters:
    """A few named counters per file of an import (what it created, updated… in
    each, for the file's journal entry): integer keys and their counters in two
    arrays with open addressing, about 40 bytes a file where a dict of lists takes
    160 — an import of a million rows touches hundreds of thousands of files.

    ``fields``: an ``IntEnum`` whose members name the counters (``add(key,
    Counts.MEANS_ADDED)``), or just how many there are.
    """

    def __init__(self, fields: type[IntEnum] | int, size: int = 1 << 10) -> None:
        self.width = width = fields if isinstance(fields, int) else len(fields)
        self._names = (
            tuple(str(index) for index in range(width))
            if isinstance(fields, int)
            else tuple(field.name.lower() for field in fields)
        )
        self._keys = array("q", bytes(8 * size))
        self._counts = array("I", bytes(4 * size * width))
        self._mask = size - 1
        self._count = 0

    def named(self, counts: tuple[int, ...]) -> dict[str, int]:
        """A file's counts by name (lower case), as the journal's data keep them."""
        return dict(zip(self._names, counts, strict=True))

    def __len__(self) -> int:
        return self._count

    def _slot(self, key: int) -> int:
        keys, mask = self._keys, self._mask
        index = (key * 0x9E3779B1) & mask  # ids are dense: spread them
        while True:
            found = keys[index]
            if found == key or not found:
                return index
            index = (index + 1) & mask

    def add(self, key: int, which: int, amount: int = 1) -> None:
        """Adds ``amount`` to counter ``which`` of ``key`` (a positive id)."""
        index = self._slot(key)
        if not self._keys[index]:
            self._keys[index] = key
            self._count += 1
            if self._count * 4 > (self._mask + 1) * 3:
                self._grow()
                index = self._slot(key)
        self._counts[index * self.width + which] += amount

    def __getitem__(self, key: int) -> tuple[int, ...]:
        index = self._slot(key)
        if not self._keys[index]:
            raise KeyError(key)
        start = index * self.width
        return tuple(self._counts[start : start + self.width])

    def __contains__(self, key: int) -> bool:
        return bool(self._keys[self._slot(key)])

    def __iter__(self):
        """The keys, in ascending order."""
        return iter(sorted(key for key in self._keys if key))

    def items(self):
        for key in self:
            yield key, self[key]

    def _grow(self) -> None:
        old_keys, old_counts, width = self._keys, self._counts, self.width
        size = (self._mask + 1) * 2
        self._keys = array("q", bytes(8 * size))
        self._counts = array("I", bytes(4 * size * width))
        self._mask = size - 1
        for old, key in enumerate(old_keys):
            if key:
                index = self._slot(key)
                self._keys[index] = key
                start = old * width
                self._counts[index * width : index * width + width] = old_counts[
                    start : start + width
                ]
