"""The top bar of a manager (the most links: « À faire », three lists, the dashboard,
the administration) stays one line on the screens agents work on."""

from __future__ import annotations

import pytest

from .conftest import screenshot, sign_in

# Like every browser test: the database as migrations left it, before and after (a
# flush without it made content types again under new ids, and the next serialized
# test could not reload them when the browser tests ran alone: `pytest -m browser`).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("width", [1200, 1280, 1366, 1440])
def test_the_managers_navbar_stays_on_one_line(page, manager, width):
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, "claire")
    page.goto("/dossiers/?vue=tous")
    nav = page.get_by_role("navigation").first
    for name in [
        "À faire",
        "Mes dossiers",
        "Tous les dossiers",
        "Top encours",
        "Tableau de bord",
        "Administration",
    ]:
        assert nav.get_by_role("link", name=name).is_visible()
    tops = page.eval_on_selector_all(
        ".app-navbar .navbar-brand, .app-navbar .nav-link, .app-navbar input[type=search], "
        ".app-navbar .dropdown-toggle",
        "els => els.map(e => Math.round(e.getBoundingClientRect().top + "
        "e.getBoundingClientRect().height / 2))",
    )
    heights = page.eval_on_selector_all(
        ".app-navbar .nav-link", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    screenshot(page, f"navbar-{width}")
    # No label broken over two lines.
    assert max(heights) < 1.6 * min(heights), heights
    # Nothing pushed past the right edge.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # One row: every item's middle within a few pixels of the others'.
    assert max(tops) - min(tops) <= 6, tops


def test_below_1200_px_the_links_fold_into_the_menu_button(page, manager):
    page.set_viewport_size({"width": 1024, "height": 800})
    sign_in(page, "claire")
    page.goto("/dossiers/?vue=tous")
    nav = page.get_by_role("navigation").first
    assert not nav.get_by_role("link", name="Tableau de bord").is_visible()
    menu = nav.get_by_role("button", name="Menu")
    menu.focus()
    page.keyboard.press("Enter")
    nav.get_by_role("link", name="Tableau de bord").wait_for(state="visible")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
