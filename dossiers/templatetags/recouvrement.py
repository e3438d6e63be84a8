"""Template filters for the French way of showing money."""

from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()

NBSP = "\u00a0"


def format_euros(value) -> str:
    if value is None or value == "":
        return ""
    amount = Decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    units, cents = f"{abs(amount):.2f}".split(".")
    groups = []
    while units:
        groups.insert(0, units[-3:])
        units = units[:-3]
    return f"{sign}{NBSP.join(groups)},{cents}{NBSP}€"


@register.filter
def euros(value) -> str:
    """1234.5 → « 1 234,50 € »."""
    return format_euros(value)


@register.simple_tag(takes_context=True)
def querystring_with(context, **kwargs):
    """The current query string with some parameters replaced (for pagination, sorts)."""
    params = context["request"].GET.copy()
    for key, value in kwargs.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"
