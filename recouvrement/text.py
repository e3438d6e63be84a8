"""Control characters at the edges (forms, imports, templates, e-mail headers).

Nothing a person types is a control character but tab and newline; CR comes from
Windows line ends, ESC / VT / NUL from pasted terminal output or damaged files.
Left in, they break things far from where they came in: a CR in an e-mail subject
raises BadHeaderError at send time, a NUL cannot be stored by PostgreSQL.
"""

from __future__ import annotations

import re

from django import forms

#: C0 controls but tab and newline, DEL, C1 controls (CR is handled apart)
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_ENDS = re.compile("\r\n?")


def text_clean(value: str, *, multiline: bool = True) -> str:
    """``value`` with Windows line ends made LF, other controls removed, and, for
    a single-line value (a subject, a name), line breaks and tabs made spaces."""
    value = CONTROL.sub("", _LINE_ENDS.sub("\n", value))
    if not multiline:
        value = value.replace("\n", " ").replace("\t", " ")
    return value


def has_control(value: str, *, multiline: bool = True) -> bool:
    """Whether ``value`` holds a character that ``text_clean`` would change (CR of
    a line end aside, for multi-line text)."""
    if CONTROL.search(value):
        return True
    return not multiline and any(c in value for c in "\r\n\t")


class CleanTextMixin:
    """For forms: every text field's submitted value goes through ``text_clean``
    (single line unless the widget is a Textarea) before the fields validate, so
    that « required », lengths and the form's own checks see the cleaned text (a
    value made only of control characters is then empty, and said so)."""

    def full_clean(self) -> None:
        if self.is_bound and not getattr(self, "_text_cleaned", False):
            self._text_cleaned = True
            data = self.data.copy()
            for name, field in self.fields.items():
                if not isinstance(field, forms.CharField):
                    continue
                key = self.add_prefix(name)
                if key not in data:
                    continue
                multiline = isinstance(field.widget, forms.Textarea)
                if hasattr(data, "setlist"):
                    data.setlist(
                        key,
                        [
                            text_clean(v, multiline=multiline) if isinstance(v, str) else v
                            for v in data.getlist(key)
                        ],
                    )
                elif isinstance(data[key], str):
                    data[key] = text_clean(data[key], multiline=multiline)
            self.data = data
        super().full_clean()
