"""The web app in a real browser: Debian's Chromium driven by Playwright against the app
served by uvicorn on loopback, over a store built from the demo. Screenshots go to
docs/screenshots/ (the README shows them)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

import rapport
from conftest import ROOT, DemoStore, serving
from rapport.web.api import create_app

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = ROOT / "docs" / "screenshots"
PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def server(demo_store: DemoStore, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = demo_store.copy_to(tmp_path_factory.mktemp("browser") / "store.duckdb")
    with rapport.open(store) as ws:
        ws.add_user("owner", PASSWORD, "analyst")
    app = create_app(store)
    with serving(app) as base:
        yield base
    app.state.workspace.close()


@pytest.fixture(scope="module")
def page(server: str) -> Iterator[Page]:
    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: `make test` installs it"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        yield context.new_page()
        browser.close()


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_user_logs_in_and_finds_their_way(server: str, page: Page) -> None:
    page.goto(server + "/")
    assert page.url.endswith("/login")  # no session: the login page
    _shot(page, "login")
    page.fill("input[name=username]", "owner")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")
    assert page.locator("text=How well do you know your customers?").count() >= 1
    assert page.locator("svg.chart").count() >= 4
    _shot(page, "overview")

    # Search for a customer and open their profile.
    page.click("a[href='/customers']")
    first = page.locator("table a[href^='/customers/']").first
    name = first.inner_text().strip()
    page.fill("input[name=search]", name.split()[0])
    page.click("form[action='/customers'] button[type=submit]")
    page.wait_for_load_state()
    assert page.locator(f"text={name}").count() >= 1
    _shot(page, "customers")
    page.locator("table a[href^='/customers/']").first.click()
    page.wait_for_load_state()
    assert page.locator("h2", has_text="Who they are").count() == 1
    _shot(page, "profile")

    # A theme and its quotes.
    page.click("header a[href='/themes']")
    page.locator("table a[href^='/themes/']").first.click()
    page.wait_for_load_state()
    assert page.locator("blockquote").count() >= 1
    _shot(page, "theme")

    # A persona.
    page.click("header a[href='/personas']")
    page.locator("a[href^='/personas/']").first.click()
    page.wait_for_load_state()
    assert page.locator("text=Demographics explain").count() == 1
    _shot(page, "persona")

    # A B2B account's dossier.
    page.click("header a[href='/accounts']")
    page.locator("table a[href^='/accounts/']").first.click()
    page.wait_for_load_state()
    assert page.locator("h2", has_text="What we know about them").count() == 1
    assert page.locator("h2", has_text="Their people").count() == 1
    _shot(page, "account")

    page.click("header a[href='/knowledge']")
    assert page.locator("text=Interview guide").count() == 1
    _shot(page, "knowledge")


def test_phone_width_stays_readable(server: str, page: Page) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server + "/")
    if page.url.endswith("/login"):
        page.fill("input[name=username]", "owner")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(server + "/")
    # Nothing wider than the screen: no sideways scrolling of the page itself.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, width
    _shot(page, "overview-phone")
    assert re.search(r"\d+/100", page.inner_text("main"))
