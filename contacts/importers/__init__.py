"""Bulk import of contacts with their means (``contacts``; ``contact_writes``, the
staging, and ``contact_apply``, the short end under the files' locks) and
of qualification events (``events``); ``common`` holds what both share: the end
of an import, where the rules of ``contacts.rules`` run for the files touched.
The rules themselves are never written here: bulk and single writes differ in how
they write, not in what they decide.
"""

from .contacts import ContactImporter
from .events import EvidenceImporter

__all__ = ["ContactImporter", "EvidenceImporter"]
