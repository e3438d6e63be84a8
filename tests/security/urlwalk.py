"""Walk every URL pattern of the project, so that new pages are covered as they land.

`project_routes()` iterates the resolver; `RouteKwargs` fills each pattern's
arguments from real objects of a file (a dossier, a contact, a contact means, a
piece, a note…) by the argument's name and converter. A new argument name that it
cannot fill makes the access tests fail with a message saying where to teach it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter, UUIDConverter

# Routes that are public by design: signing in (ours and the admin's form, which
# only signs in) and the throttling page a locked-out person lands on.
PUBLIC_ROUTE_NAMES = {"login", "admin:login"}


@dataclass
class Route:
    name: str | None  # "namespace:name" or None for unnamed patterns
    route: str  # the pattern text, for messages
    converters: dict[str, object] = field(default_factory=dict)
    regex_groups: tuple[str, ...] = ()

    @property
    def namespace(self) -> str:
        return self.name.rsplit(":", 1)[0] if self.name and ":" in self.name else ""

    @property
    def is_admin(self) -> bool:
        return self.namespace == "admin"

    @property
    def arg_names(self) -> list[str]:
        return list(dict.fromkeys([*self.converters, *self.regex_groups]))

    def __str__(self) -> str:
        return f"{self.name or '(sans nom)'} [{self.route}]"


def _walk(patterns, prefix: str, namespaces: list[str], converters: dict, out: list[Route]):
    for entry in patterns:
        pattern = entry.pattern
        route_text = prefix + str(pattern)
        own = dict(getattr(pattern, "converters", {}) or {})
        groups = tuple(getattr(getattr(pattern, "regex", None), "groupindex", {}) or {})
        if isinstance(entry, URLResolver):
            ns = [*namespaces, entry.namespace] if entry.namespace else namespaces
            _walk(entry.url_patterns, route_text, ns, {**converters, **own}, out)
        elif isinstance(entry, URLPattern):
            name = ":".join([*namespaces, entry.name]) if entry.name else None
            all_conv = {**converters, **own}
            out.append(
                Route(
                    name=name,
                    route=route_text,
                    converters=all_conv,
                    regex_groups=tuple(g for g in groups if g not in all_conv),
                )
            )


def project_routes() -> list[Route]:
    routes: list[Route] = []
    _walk(get_resolver().url_patterns, "", [], {}, routes)
    return routes


def app_routes() -> list[Route]:
    """The application's own pages: every named route outside the Django admin."""
    return [r for r in project_routes() if r.name and not r.is_admin]


def admin_routes() -> list[Route]:
    return [r for r in project_routes() if r.name and r.is_admin]


class UnknownArgument(LookupError):
    pass


@dataclass
class FileObjects:
    """Real objects of one file, used to fill URL arguments."""

    dossier: object
    contact: object = None
    point: object = None
    piece: object = None
    note: object = None
    template: object = None
    evidence: object = None
    extra: dict[str, object] = field(default_factory=dict)


# Argument names (or fragments of them) and the object whose key fills them.
# Order matters: the first fragment found in the argument's name wins.
_FRAGMENTS = [
    ("piece", "piece"),
    ("uuid", "piece"),
    ("point", "point"),
    ("moyen", "point"),
    ("means", "point"),
    ("contact", "contact"),
    ("note", "note"),
    ("template", "template"),
    ("modele", "template"),
    ("evidence", "evidence"),
    ("preuve", "evidence"),
    ("dossier", "dossier"),
    ("action", "planned_action"),  # relances: a step of the worklist
]

# Arguments that name no object but one of a fixed set of words: one of them.
_WORDS = {"tab": "journal"}  # fiche: a tab of the client file loaded on demand

# For a bare `pk`/`id`, the namespace says which object it is.
_NAMESPACE_PK = {"dossiers": "dossier", "contacts": "dossier", "pieces": "dossier"}


class RouteKwargs:
    def __init__(self, objects: FileObjects):
        self.objects = objects

    def _value_of(self, obj_name: str, converter) -> object:
        obj = self.objects.extra.get(obj_name) or getattr(self.objects, obj_name, None)
        if obj is None:
            raise UnknownArgument(obj_name)
        if isinstance(converter, UUIDConverter):
            return obj.uuid
        return obj.pk

    def value(self, route: Route, arg: str) -> object:
        converter = route.converters.get(arg)
        if arg in self.objects.extra:
            return self._value_of(arg, converter)
        lowered = arg.lower()
        if lowered in _WORDS:
            return _WORDS[lowered]
        for fragment, obj_name in _FRAGMENTS:
            if fragment in lowered:
                return self._value_of(obj_name, converter)
        if lowered in {"pk", "id"}:
            if f"dossiers/<int:{arg}>" in route.route:
                return self._value_of("dossier", converter)
            ns = route.namespace.split(":")[0]
            if ns in _NAMESPACE_PK:
                return self._value_of(_NAMESPACE_PK[ns], converter)
        raise UnknownArgument(
            f"{route}: cannot fill <{arg}>; teach tests/security/urlwalk.py (_FRAGMENTS or "
            f"FileObjects.extra) which object it names."
        )

    def kwargs(self, route: Route) -> dict[str, object]:
        return {arg: self.value(route, arg) for arg in route.arg_names}

    def url(self, route: Route) -> str:
        return reverse(route.name, kwargs=self.kwargs(route))


def dummy_kwargs(route: Route) -> dict[str, object]:
    """Values of the right shape that need not exist (for anonymous and CSRF checks)."""
    values: dict[str, object] = {}
    for arg in route.arg_names:
        converter = route.converters.get(arg)
        if isinstance(converter, IntConverter):
            values[arg] = 1
        elif isinstance(converter, UUIDConverter):
            values[arg] = uuid.UUID(int=1)
        elif arg == "app_label":
            values[arg] = "dossiers"
        else:
            values[arg] = "1"
    return values


def dummy_url(route: Route) -> str:
    return reverse(route.name, kwargs=dummy_kwargs(route))
