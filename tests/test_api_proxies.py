"""Behind a TLS-terminating reverse proxy: the proxy's `X-Forwarded-Proto` is believed only
from an address the server is told to trust, and then the session cookie is `Secure`."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from test_api_helpers import FakeIssuers, tenant_settings
from test_api_socket import make_key, serving

from api.app import create_app
from api.tenants import TenantRegistry


def session_cookie(tmp: Path, trusted: tuple[str, ...]) -> str:
    """The session cookie a sign-in through a proxy that says "https" gets."""
    settings = tenant_settings(tmp, "alpha")
    registry = TenantRegistry.of(settings, key_store_path=tmp / "keys.sqlite")
    key = make_key(registry, "alpha")
    app = create_app(registry, issuer_factory=FakeIssuers(), batch_workers=0,
                     trusted_proxies=trusted)
    proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    with serving(app) as base_url, httpx.Client(base_url=base_url, timeout=30,
                                                headers=proxied) as http:
        form = http.get("/login")
        token = re.search(r'name="login_token" value="([^"]+)"', form.text)
        assert token, form.text
        # The proxy speaks https to the browser, which sends a Secure cookie back; here the
        # last hop is plain http, so the cookie is passed on by hand.
        login = form.headers["set-cookie"].split(";")[0]
        http.cookies.clear()
        answer = http.post("/login", data={"key": key, "login_token": token.group(1)},
                           headers={"Cookie": login}, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        return next(c for c in answer.headers.get_list("set-cookie")
                    if c.startswith("faktura_session="))


def test_the_session_cookie_is_secure_behind_a_trusted_tls_proxy(tmp_path: Path) -> None:
    cookie = session_cookie(tmp_path, trusted=("127.0.0.1",))
    assert "secure" in [part.strip().lower() for part in cookie.split(";")]


def test_forwarded_headers_from_anyone_else_are_ignored(tmp_path: Path) -> None:
    cookie = session_cookie(tmp_path, trusted=("10.0.0.0/8",))
    assert "secure" not in [part.strip().lower() for part in cookie.split(";")]
