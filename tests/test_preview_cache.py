"""A draft previewed again unchanged is answered from the tenant's kept previews, without a
render; a changed line, another tenant or another format renders again."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_api import Api
from test_api_helpers import pdf_text, sample

from api.preview_cache import PreviewCache, preview_key
from faktura.model import parse_invoice


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    running = Api(tmp_path_factory.mktemp("previews"))
    with running.client:
        yield running


def renders(api: Api) -> int:
    return api.app.state.faktura.pool.stats().rendered


def preview(api: Api, body: dict, tenant: str = "alpha", accept: str = "application/pdf"):
    answer = api.client.post("/v1/preview", json=body,
                             headers=api.headers(tenant, Accept=accept))
    assert answer.status_code == 200, answer.text
    return answer


def test_the_same_draft_again_is_answered_without_a_render(api: Api) -> None:
    draft = sample(source_id="KEPT-1")
    first = preview(api, draft).content
    before = renders(api)
    # the same invoice, its fields sent in another order
    again = preview(api, dict(reversed(list(draft.items())))).content
    assert again == first
    assert renders(api) == before


def test_a_changed_line_renders_again(api: Api) -> None:
    draft = sample(source_id="KEPT-2")
    preview(api, draft)
    before = renders(api)
    draft["lines"][0]["text"] = "Rettet linje efter gennemsyn"
    changed = preview(api, draft).content
    assert renders(api) == before + 1
    assert "Rettet linje efter gennemsyn" in pdf_text(changed)


def test_another_tenant_or_format_renders_its_own(api: Api) -> None:
    draft = sample(source_id="KEPT-3")
    preview(api, draft, "alpha")
    before = renders(api)
    beta = preview(api, draft, "beta").content
    assert renders(api) == before + 1 and beta.startswith(b"%PDF")
    html = preview(api, draft, "alpha", accept="text/html")
    assert renders(api) == before + 2 and "KLADDE" in html.text
    preview(api, draft, "beta")  # each tenant's own is kept for it
    assert renders(api) == before + 2


def test_kept_previews_stay_with_their_tenant_and_within_their_share(tmp_path: Path) -> None:
    from test_api_helpers import tenant_settings

    settings = tenant_settings(tmp_path, "alpha")
    invoice = parse_invoice(sample())
    key = preview_key(invoice, settings, "pdf")
    assert key != preview_key(invoice, settings, "html")
    changed = settings.model_copy(update={"layout": settings.layout.model_copy(
        update={"fi_card_type": "75"})})
    assert key != preview_key(invoice, changed, "pdf")

    cache = PreviewCache(per_tenant_bytes=250, total_bytes=350)
    cache.put("alpha", key, (None, b"%PDF" + b"a" * 96))
    assert cache.get("alpha", key) == (None, b"%PDF" + b"a" * 96)
    assert cache.get("beta", key) is None  # the same key, another tenant: never shared
    for n in range(3):  # alpha's share holds two of these; its oldest goes first
        cache.put("alpha", f"k{n}", (None, b"b" * 100))
    assert cache.get("alpha", key) is None and cache.get("alpha", "k2") is not None
    for n in range(2):  # all tenants together hold three: the least recently used goes
        cache.put("beta", f"k{n}", (None, b"c" * 100))
    assert cache.get("alpha", "k1") is None
    assert all(cache.get(*kept) is not None
               for kept in (("alpha", "k2"), ("beta", "k0"), ("beta", "k1")))
    cache.put("alpha", "big", (None, b"d" * 300))  # larger than a share: not kept
    assert cache.get("alpha", "big") is None
