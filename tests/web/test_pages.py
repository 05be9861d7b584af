"""The HTML pages: login with CSRF, sessions that cannot be forged, the pages themselves, and
customer text that stays inert however hostile it is."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

import rapport
from conftest import DATASETS, DemoStore
from rapport.web.api import create_app
from rapport.web.sessions import CSRF_COOKIE, SESSION_COOKIE

PASSWORD = "a long enough password"


def _login(client: TestClient, username: str, password: str = PASSWORD) -> int:
    form = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    done = client.post("/login", data={"username": username, "password": password,
                                       "csrf": token.group(1)}, follow_redirects=False)
    return done.status_code


@pytest.fixture(scope="module")
def site(demo_store: DemoStore, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[tuple[TestClient, TestClient, str]]:
    store = demo_store.copy_to(tmp_path_factory.mktemp("pages") / "store.duckdb")
    with rapport.open(store) as ws:
        ws.add_user("ana", PASSWORD, "analyst")
        ws.add_user("vic", PASSWORD, "viewer")
        cid = ws.sql("SELECT customer_id FROM customer_voice ORDER BY statements DESC LIMIT 1"
                     ).column(0)[0].as_py()
    app = create_app(store)
    with TestClient(app) as analyst, TestClient(app) as viewer:
        assert _login(analyst, "ana") == 303 and _login(viewer, "vic") == 303
        yield analyst, viewer, cid
    app.state.workspace.close()


def test_pages_need_a_session(site: tuple[TestClient, TestClient, str]) -> None:
    analyst, _, cid = site
    fresh = TestClient(analyst.app)
    for path in ("/", "/customers", f"/customers/{cid}", "/data"):
        done = fresh.get(path, follow_redirects=False)
        assert done.status_code == 303 and done.headers["location"] == "/login"
    # A session cookie that was tampered with is no session at all.
    cookie = analyst.cookies.get(SESSION_COOKIE)
    assert cookie
    payload, signature = cookie.rsplit(".", 1)
    fresh.cookies.set(SESSION_COOKIE, payload + "x." + signature)
    assert fresh.get("/", follow_redirects=False).status_code == 303


def test_login_checks_csrf_and_password(site: tuple[TestClient, TestClient, str]) -> None:
    analyst, _, _ = site
    client = TestClient(analyst.app)
    form = client.get("/login")
    assert client.cookies.get(CSRF_COOKIE) and 'type="password"' in form.text
    forged = client.post("/login", data={"username": "ana", "password": PASSWORD,
                                         "csrf": "guessed"}, follow_redirects=False)
    assert forged.status_code == 403 and SESSION_COOKIE not in forged.cookies
    assert _login(client, "ana", "not the password") == 401
    assert _login(client, "nobody") == 401
    assert _login(client, "ana") == 303
    set_cookie = [v for k, v in client.get("/login").headers.items() if k == "set-cookie"]
    assert set_cookie and "httponly" in set_cookie[0].lower()


def test_overview_customers_profile_and_data(site: tuple[TestClient, TestClient, str]) -> None:
    analyst, _, cid = site
    page = analyst.get("/")
    assert page.status_code == 200
    assert "How well do you know your customers?" in page.text
    assert page.text.count('<svg class="chart"') >= 4
    assert "Customer lifetime value over the next year" in page.text  # the demo's 12 months
    top = analyst.app.state.workspace.customers(stage="at-risk", sort="clv", limit=1)[0]
    assert ("<th>customer</th><th>CLV</th><th>last purchase</th>" in page.text
            and f"<td>{top['clv']:,.2f}</td>\n<td>{str(top['last_purchase'])[:10]}</td>"
            in page.text)  # all of them are at risk: no status column to say so each time
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "<script" not in page.text and "http://" not in page.text.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    profile = analyst.get(f"/customers/{cid}")
    assert profile.status_code == 200 and "In their own words" in profile.text
    email = analyst.app.state.workspace.profile(cid)["identity"]["email"]
    found = analyst.get("/customers", params={"search": email})
    assert found.status_code == 200 and cid in found.text
    stage = analyst.app.state.workspace.profile(cid)["behaviour"]["stage"]
    assert f"<td>{stage}</td>" in found.text  # the search shows where they stand
    at_risk = analyst.get("/customers", params={"stage": "at risk"})
    assert at_risk.status_code == 200 and "at risk" in at_risk.text
    ws = analyst.app.state.workspace
    persona = ws.personas()[0]["persona_id"]
    members = set(ws.sql("SELECT customer_id FROM customer_personas WHERE persona_id = ?",
                         [persona]).column(0).to_pylist())
    shown = analyst.get("/customers", params={"persona": persona})
    listed = set(re.findall(r'href="/customers/([^"]+)"', shown.text))
    assert shown.status_code == 200 and listed and listed <= members
    theme = ws.themes(level=1, limit=1)[0]["theme_id"]
    talkers = set(ws.sql("SELECT s.customer_id FROM statements s JOIN statement_themes st "
                         "USING (statement_id) WHERE st.theme_id = ?", [theme])
                  .column(0).to_pylist())
    spoke = analyst.get("/customers", params={"theme": theme})
    listed = set(re.findall(r'href="/customers/([^"]+)"', spoke.text))
    assert spoke.status_code == 200 and listed and listed <= talkers
    assert analyst.get("/data").status_code == 200
    themes = analyst.get("/themes")
    assert themes.status_code == 200
    first = re.search(r'href="/themes/([^"]+)"', themes.text)
    assert first is not None
    theme = analyst.get(f"/themes/{first.group(1)}")
    assert theme.status_code == 200 and "<blockquote>" in theme.text
    assert "Share of all statements by month" in theme.text
    personas = analyst.get("/personas")
    link = re.search(r'href="/personas/([^"]+)"', personas.text)
    assert personas.status_code == 200 and link is not None
    persona = analyst.get(f"/personas/{link.group(1)}")
    assert persona.status_code == 200 and "Demographics explain" in persona.text
    accounts = analyst.get("/accounts")
    link = re.search(r'href="/accounts/([^"]+)"', accounts.text)
    assert accounts.status_code == 200 and link is not None
    dossier = analyst.get(f"/accounts/{link.group(1)}")
    assert dossier.status_code == 200 and "What we know about them" in dossier.text
    assert "Their people" in dossier.text and '<svg class="chart"' in dossier.text
    ws = analyst.app.state.workspace
    member = ws.sql("SELECT customer_id, account_id FROM customers WHERE account_id IN "
                    "(SELECT account_id FROM accounts) ORDER BY 1 LIMIT 1").to_pylist()[0]
    page = analyst.get(f"/customers/{member['customer_id']}")  # the profile links its account
    assert f'href="/accounts/{member["account_id"]}"' in page.text
    said = analyst.get("/say-do")
    assert said.status_code == 200 and "sources:" in said.text
    kinds = analyst.app.state.workspace.say_do(limit=1)["counts"]
    assert "detractor_stays" in kinds and "<b>detractor who stays</b>" in said.text
    assert not any(f"<b>{kind}</b>" in said.text for kind in kinds)  # types said in words
    known = analyst.get("/knowledge")
    assert known.status_code == 200 and "Research plan" in known.text
    assert "Interview guide" in known.text


def test_profile_numbers_read_as_numbers(site: tuple[TestClient, TestClient, str]) -> None:
    """Counts without '.0', money with cents, P(alive) as a percentage, and a one-time buyer's
    P(alive) explained instead of shown as 100%."""
    analyst, _, cid = site
    ws = analyst.app.state.workspace
    b = ws.profile(cid)["behaviour"]
    page = analyst.get(f"/customers/{cid}").text
    cells = dict(re.findall(r"<tr><th>([^<]+)</th><td>(.*?)</td></tr>", page, flags=re.S))
    assert cells["orders"] == f"{b['n_orders']:,.0f}"
    assert cells["spend"] == f"{b['total_spend']:,.2f}"
    assert cells["CLV"] == f"{b['clv']:,.2f}"
    assert cells["P(alive)"].strip() == f"{100 * b['p_alive']:.0f}%"
    once = ws.sql("SELECT customer_id FROM customer_behavior WHERE frequency = 0 AND status = "
                  "'lapsed' ORDER BY 1 LIMIT 1").column(0)[0].as_py()
    page = analyst.get(f"/customers/{once}").text
    cells = dict(re.findall(r"<tr><th>([^<]+)</th><td>(.*?)</td></tr>", page, flags=re.S))
    assert "not estimated for one purchase" in cells["P(alive)"]
    assert re.search(r"lapsed \(after \d{4}-\d\d-\d\d\)", page)
    silent = ws.sql("SELECT b.customer_id FROM customer_behavior b ANTI JOIN statements s "
                    "USING (customer_id) WHERE b.frequency > 0 ORDER BY 1 LIMIT 1"
                    ).column(0)[0].as_py()
    assert "Nothing from them yet" in analyst.get(f"/customers/{silent}").text


def test_viewers_see_no_contact_details(site: tuple[TestClient, TestClient, str]) -> None:
    analyst, viewer, cid = site
    identity = analyst.app.state.workspace.profile(cid)["identity"]
    page = viewer.get(f"/customers/{cid}").text
    assert identity["email"] not in page and identity["name"] not in page
    listing = viewer.get("/customers").text
    assert "[email]" in listing
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", listing)  # no e-mail address at all


def test_logout_needs_the_sessions_csrf_token(site: tuple[TestClient, TestClient, str]
                                              ) -> None:
    analyst, _, _ = site
    client = TestClient(analyst.app)
    assert _login(client, "ana") == 303
    page = client.get("/")
    token = re.search(r'action="/logout".*?name="csrf" value="([^"]+)"', page.text, re.S)
    assert token is not None
    assert client.post("/logout", data={"csrf": "wrong"},
                       follow_redirects=False).status_code == 401
    done = client.post("/logout", data={"csrf": token.group(1)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/login"


HOSTILE = [
    "<script>alert(1)</script> the coffee was great",
    '" onmouseover="alert(2)" x="',
    "<img src=x onerror=alert(3)> bag arrived torn",
    "'><svg onload=alert(4)>",
]


def test_hostile_customer_text_stays_inert(tmp_path: Path) -> None:
    customers = pd.DataFrame({
        "customer_id": ["h1", "h2", "h3", "h4"],
        "name": ['Eve "><script>alert(5)</script>', "Mallory <b>bold</b>", "Trent", "Peggy"],
        "email": ["eve@example.com", "mal@example.com", "trent@example.com", "peg@example.com"],
    })
    orders = pd.DataFrame({
        "customer_id": ["h1", "h2", "h3", "h4", "h1", "h2"],
        "ts": ["2025-01-02", "2025-02-03", "2025-03-04", "2025-04-05", "2025-06-01",
               "2025-07-01"],
        "amount": [10.0, 20.0, 30.0, 40.0, 15.0, 25.0],
        "product": ["<script>alert(6)</script>", "Beans", "Beans", "Beans", "Beans", "Mug"],
    })
    feedback = pd.DataFrame({"customer_id": ["h1", "h2", "h3", "h4"],
                             "ts": ["2025-06-02", "2025-07-02", "2025-05-01", "2025-05-02"],
                             "comment": HOSTILE, "rating": [5, 1, 3, 4]})
    accounts = pd.DataFrame({"account_id": ["acc-1"],
                             "name": ['Evil <script>alert(7)</script> "Corp'],
                             "industry": ["<img src=x onerror=alert(8)>"]})
    contacts = pd.DataFrame({"contact_id": ["ct-1"], "account_id": ["acc-1"],
                             "name": ["Oscar <b>bold</b>"], "title": ['"><svg onload=alert(9)>'],
                             "role": ["decision maker"], "email": ["eve@example.com"]})
    customers["account_id"] = ["acc-1", None, None, None]
    paths = {}
    for name, frame in (("accounts", accounts), ("customers", customers),
                        ("contacts", contacts), ("transactions", orders),
                        ("feedback", feedback)):
        paths[name] = tmp_path / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    store = tmp_path / "hostile.duckdb"
    with rapport.open(store) as ws:
        ws.ingest(paths["accounts"], "accounts")
        ws.ingest(paths["customers"], "customers")
        ws.ingest(paths["contacts"], "contacts")
        ws.ingest(paths["transactions"], "transactions")
        ws.ingest(paths["feedback"], "feedback", mapping=["text=comment", "kind='review'"])
        ws.analyze()
        ws.add_user("ana", PASSWORD, "analyst")
        ids = ws.sql("SELECT customer_id FROM customers").column(0).to_pylist()
    app = create_app(store)
    with TestClient(app) as client:
        assert _login(client, "ana") == 303
        paths = ["/", "/customers", "/data", "/themes", "/personas", "/say-do", "/knowledge",
                 "/accounts", "/accounts/acc-1", *(f"/customers/{c}" for c in ids)]
        responses = [client.get(p) for p in paths]
        assert all(r.status_code == 200 for r in responses), [
            (p, r.status_code) for p, r in zip(paths, responses, strict=True)]
        pages = [r.text for r in responses]
    app.state.workspace.close()
    for html in pages:
        assert "<script" not in html
        assert "<img src=x" not in html and "<svg onload" not in html
        assert '" onmouseover="' not in html and "<b>bold</b>" not in html
    assert any("&lt;script&gt;alert(5)" in html for html in pages)  # shown, as text
    assert any("Evil &lt;script&gt;alert(7)" in html for html in pages)


def test_customers_without_names_show_their_own_ids(tmp_path: Path) -> None:
    """CDNOW has ids and purchases only: the list shows each customer's own id beside
    Rapport's, no empty e-mail column, and the profile says who they are by their ids."""
    store = tmp_path / "cdnow.duckdb"
    with rapport.open(store) as ws:
        ws.ingest(DATASETS / "cdnow" / "CDNOW_sample.txt", "transactions", mapping=[
            "customer_id=column1", "ts=column3", "quantity=column4", "amount=column5"])
        ws.analyze(voice=False)
        ws.add_user("ana", PASSWORD, "analyst")
        cid = ws.resolve("00004")
    app = create_app(store)
    with TestClient(app) as client:
        assert _login(client, "ana") == 303
        listing = client.get("/customers", params={"search": "00004"})
        assert listing.status_code == 200, listing.text
        assert f">\n{cid}</a>" in listing.text or f">{cid}</a>" in listing.text
        assert "· 00004" in listing.text and "<th>e-mail</th>" not in listing.text
        profile = client.get(f"/customers/{cid}")
        assert profile.status_code == 200
        assert re.search(r"their ids</th><td>\s*external id 00004", profile.text)
        assert "None" not in re.sub(r"<[^>]+>", " ", profile.text)
    app.state.workspace.close()
