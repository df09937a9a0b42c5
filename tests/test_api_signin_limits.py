"""Guessing keys: wrong API keys and failed sign-ins are limited per address and per tenant,
with a growing lock-out (429 and `Retry-After`), logged without the key; a right key still
works for everyone else. Time is a clock the guard is given, moved by hand."""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from test_api_helpers import FakeIssuers, tenant_settings

from api.app import create_app
from api.keys import KeyStore
from api.signin_limits import SignInGuard, SignInLimits
from api.tenants import TenantRegistry

LIMITS = SignInLimits(allowed=3, first_lock=10, max_lock=100)
WRONG = "fk_" + "x" * 43


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Site:
    def __init__(self, tmp: Path) -> None:
        registry = TenantRegistry.of(tenant_settings(tmp, "alpha"), tenant_settings(tmp, "beta"),
                                     key_store_path=tmp / "keys.sqlite")
        self.keys = KeyStore(registry.key_store_path)
        self.alpha, _ = self.keys.create("alpha")
        self.beta, _ = self.keys.create("beta")
        self.app = create_app(registry, issuer_factory=FakeIssuers(), batch_workers=0,
                              keys=self.keys)
        self.clock = Clock()

    def client(self, address: str) -> TestClient:
        return TestClient(self.app, client=(address, 40000), follow_redirects=False)

    def archive(self, address: str, key: str) -> int:
        answer = self.client(address).get("/v1/archive",
                                          headers={"Authorization": f"Bearer {key}"})
        return answer.status_code


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    running = Site(tmp_path)
    with running.client("127.0.0.1"):  # the lifespan
        running.app.state.faktura.sign_ins = SignInGuard(LIMITS, clock=running.clock)
        yield running


def test_wrong_keys_from_one_address_are_locked_out_for_longer_and_longer(
        site: Site, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="api.signin_limits")
    guesser = "203.0.113.5"
    assert [site.archive(guesser, WRONG) for _ in range(2)] == [401, 401]
    locked = site.client(guesser).get("/v1/archive", headers={"Authorization":
                                                              f"Bearer {WRONG}"})
    assert locked.status_code == 429
    assert locked.headers["retry-after"] == "10"
    assert locked.headers["content-type"] == "application/problem+json"
    # While locked, even a right key from there is refused: a lucky guess tells nothing.
    assert site.archive(guesser, site.alpha) == 429
    # A right key still works for everyone else.
    assert site.archive("198.51.100.7", site.alpha) == 200

    site.clock.now += 10.5
    assert site.archive(guesser, site.alpha) == 200  # the lock-out is over
    again = site.client(guesser).get("/v1/archive", headers={"Authorization":
                                                             f"Bearer {WRONG}x"})
    assert (again.status_code, again.headers["retry-after"]) == (429, "20")  # twice as long
    site.clock.now += 20.5
    third = site.client(guesser).get("/v1/archive", headers={"Authorization":
                                                             f"Bearer {WRONG}y"})
    assert (third.status_code, third.headers["retry-after"]) == (429, "40")

    logged = caplog.text
    assert "203.0.113.5" in logged and "failed sign-in" in logged
    assert WRONG not in logged and site.alpha not in logged


def test_the_sign_in_page_locks_out_the_same_way(site: Site) -> None:
    guesser = site.client("203.0.113.9")
    answers = []
    for _ in range(4):
        form = guesser.get("/login")
        token = re.search(r'name="login_token" value="([^"]+)"', form.text)
        assert token, form.text
        answers.append(guesser.post("/login", data={"key": WRONG,
                                                    "login_token": token.group(1)}))
    assert [a.status_code for a in answers] == [401, 401, 429, 429]
    assert answers[-1].headers["retry-after"] == "10"
    assert "prøv igen om 10 sekunder" in answers[-1].text
    assert WRONG not in answers[-1].text

    # Someone else signs in with a right key at once.
    other = site.client("198.51.100.8")
    form = other.get("/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token
    signed_in = other.post("/login", data={"key": site.alpha, "login_token": token.group(1)})
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/archive"
    # and the API and the pages share the count: the guesser's address is locked on both.
    assert site.archive("203.0.113.9", site.alpha) == 429


def test_a_revoked_key_tried_from_many_addresses_locks_its_tenant_not_its_valid_keys(
        site: Site) -> None:
    revoked, info = site.keys.create("beta")
    site.keys.revoke(info.key_id)
    answers = [site.archive(f"192.0.2.{n}", revoked) for n in range(1, 5)]
    assert answers == [401, 401, 429, 429]  # each address failed once; the tenant thrice
    assert site.archive("192.0.2.50", site.beta) == 200  # the tenant's valid key works
    assert site.archive("192.0.2.51", site.alpha) == 200  # and another tenant's
