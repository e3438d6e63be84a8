"""Find the forms a page offers (plain and htmx ones), to post to each of them.

The security tests harvest the forms from the pages as a person sees them, so every
form that lands on a page is covered without anyone listing it here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str = ""
    options: list[str] = field(default_factory=list)
    checked: bool = False
    required: bool = False


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: list[Field] = field(default_factory=list)
    label: str = ""  # the text of its submit buttons, for messages

    @property
    def is_multipart(self) -> bool:
        return "multipart" in self.enctype

    def values(self) -> dict[str, object]:
        """What the browser would submit without anyone typing anything."""
        data: dict[str, object] = {}
        for f in self.fields:
            if f.kind in {"checkbox", "radio"}:
                if f.checked:
                    data[f.name] = f.value or "on"
            elif f.kind == "select":
                data.setdefault(f.name, f.value or (f.options[0] if f.options else ""))
            elif f.kind in {"submit", "button", "file", "image", "reset"}:
                if f.kind == "submit" and f.name:
                    data.setdefault(f.name, f.value)
            else:
                data.setdefault(f.name, f.value)
        return data

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.action} « {self.label.strip()} »"


class _Parser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._option_value: str | None = None
        self._option_selected = False
        self._textarea: Field | None = None
        self._button_depth = 0

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            hx_post = a.get("hx-post")
            action = hx_post or a.get("action") or self.page_url
            method = "post" if hx_post else (a.get("method") or "get").lower()
            self._form = Form(
                action=urljoin(self.page_url, action),
                method=method,
                enctype=a.get("enctype", ""),
            )
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        required = "required" in a
        if tag == "input" and a.get("name"):
            self._form.fields.append(
                Field(
                    name=a["name"],
                    kind=a.get("type", "text").lower(),
                    value=a.get("value", ""),
                    checked="checked" in a,
                    required=required,
                )
            )
        if tag == "input" and a.get("type", "").lower() == "submit":
            self._form.label += " " + a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(name=a["name"], kind="textarea", required=required)
            self._form.fields.append(self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = Field(name=a["name"], kind="select", required=required)
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option_value = a.get("value")
            self._option_selected = "selected" in a
        elif tag == "button":
            self._button_depth += 1
            if a.get("name") and a.get("type", "submit") == "submit":
                self._form.fields.append(Field(name=a["name"], kind="submit", value=a["value"]))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "button":
            self._button_depth = max(0, self._button_depth - 1)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        elif self._select is not None and self._option_value is not None:
            value = self._option_value if self._option_value is not None else data.strip()
            self._select.options.append(value)
            if self._option_selected:
                self._select.value = value
            self._option_value = None
        elif self._form is not None and self._button_depth:
            self._form.label += " " + data.strip()


def page_forms(html: str, page_url: str) -> list[Form]:
    parser = _Parser(page_url)
    parser.feed(html)
    return parser.forms


def local_path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def finish(response) -> None:
    """Close a streamed download the way the test client means it to be closed.

    Consuming ``streaming_content`` closes the file with the client's own guard; a
    bare ``response.close()`` would fire ``request_finished`` and close the test's
    database connection (PostgreSQL)."""
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
