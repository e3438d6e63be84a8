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
    """For forms: every text field's value goes through ``text_clean`` (single line
    unless the widget is a Textarea), before ``clean()`` and before a ModelForm
    builds its instance."""

    def _clean_fields(self) -> None:
        super()._clean_fields()
        for name, value in list(self.cleaned_data.items()):
            if isinstance(value, str):
                widget = self.fields[name].widget
                multiline = isinstance(widget, forms.Textarea)
                self.cleaned_data[name] = text_clean(value, multiline=multiline)
