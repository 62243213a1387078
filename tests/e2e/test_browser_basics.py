"""Browser: login page, keyboard skip link, language switch, axe on the public pages."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_login_page_accessible_and_keyboard_operable(journey) -> None:
    j = journey("login")
    j.goto("/login")
    j.check("01-login")
    j.page.keyboard.press("Tab")
    focused = j.page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Zum Inhalt springen"
    j.page.keyboard.press("Enter")
    assert j.page.evaluate("document.activeElement.id") == "main"


def test_language_switch_in_browser(journey) -> None:
    j = journey("lang")
    j.goto("/login")
    j.page.select_option("#lang-select", "en")  # ui.js submits on change
    j.page.wait_for_selector("html[lang=en]")
    assert j.page.get_by_role("heading", level=1).inner_text() == "Sign in"
    j.check("02-login-en")


def test_axe_harness_reports_real_violations(journey) -> None:
    """Negative control: the checker must catch a missing label and a missing alt text."""
    j = journey("control")
    j.goto("/login")
    j.page.evaluate(
        """() => { const m = document.querySelector('main');
                   m.insertAdjacentHTML('beforeend', '<input type="text" id="nolabel"><img src="/static/ui/x.png">'); }"""
    )
    ids = {v["id"] for v in j.axe()}
    assert {"label", "image-alt"} <= ids
