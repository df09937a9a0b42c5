"""Every page, in Danish and in English, at desktop (1366×800) and phone (390×844) width, in a
real browser (Debian's Chromium driven by Playwright) against the real `faktura serve` over the
issued samples.

The walk signs in, fills the forms a person fills (a refused and a shown preview, a refused
and a started batch, a wrong key, the archive's period and a wrong one) and meets the error
pages (an unknown address, an unknown invoice, a wrong query), then follows every link of every page it reaches, so a page added
later is walked too. On every page: the answer is 200 (or the refusal or error it was sent
for), nothing scrolls sideways, and a page holds none of the other language's texts
(`api.pages.texts`: those that differ between the two) and none of the web framework's own
words, and it runs no inline script (its Content-Security-Policy allows none; the API docs
too). Every link answers 200 or a deliberate redirect.

With `FAKTURA_WALK_SCREENSHOTS=<folder>` each page is saved there as a PNG, to be looked at.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from people_support import SAMPLES, serving_a_copy
from browser_support import browser, chromium_here, no_sideways_scroll  # noqa: F401 (fixtures)

from api.pages.texts import texts

SIZES = {"desktop": {"width": 1366, "height": 800}, "phone": {"width": 390, "height": 844}}
LOCALES = {"da": "da-DK", "en": "en-GB"}
#: Words only the web framework (FastAPI, Starlette, pydantic) would put on a page.
FRAMEWORK_WORDS = ("Field required", "value is not a valid", "Input should be",
                   "String should", "Extra inputs are not permitted", "Internal Server Error",
                   "Not Found", "Method Not Allowed", "Unprocessable", "Traceback",
                   '"detail"', "problem+json")
#: English words a Danish page never needs (a message the pages' texts do not hold).
ENGLISH_WORDS = re.compile(r"(?<!\w)(the|is|are|must|should|not|and|with|line|column|Expecting)"
                           r"(?!\w)")
#: Pages that are not ours to translate: the API's documentation (Swagger UI, ReDoc).
API_DOCS = ("/docs", "/redoc")
FILES = re.compile(r"\.(pdf|xml|json|csv|zip|css|js|png|ico)$")
SHOTS = os.environ.get("FAKTURA_WALK_SCREENSHOTS")

#: The visible text of a page in its own language: text nodes a person sees, the title, and
#: what fields and buttons say (placeholders, labels for assistive technology) — without
#: what is marked as another language (the link to the other language) and without what the
#: person typed (a text area's content).
VISIBLE_TEXT = """() => {
  const lang = document.documentElement.lang;
  const own = (el) => { const marked = el.closest('[lang]'); return !marked || marked.lang === lang; };
  const parts = [document.title];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (el && !el.closest('textarea') && own(el) && el.checkVisibility() && node.textContent.trim()) {
      parts.push(node.textContent);
    }
  }
  for (const el of document.querySelectorAll('[placeholder], [title], [aria-label], [alt]')) {
    if (!own(el)) continue;
    for (const name of ['placeholder', 'title', 'aria-label', 'alt']) {
      if (el.hasAttribute(name)) parts.push(el.getAttribute(name));
    }
  }
  return {lang, text: parts.join('\\n')};
}"""
LINKS = """() => [...document.querySelectorAll(
  'a[href], link[href], script[src], img[src], iframe[src], object[data],'
  + ' form[action]:not([method=post i])')]
  .map((el) => el.tagName === 'FORM' ? el.action : (el.href || el.src || el.data))"""


def only_in(language: str) -> list[re.Pattern[str]]:
    """Each page text of `language` that the other language does not use, as a pattern of
    whole words (a text's `{placeholder}` matches any word)."""
    ours, other = texts(language), texts("en" if language == "da" else "da")
    patterns = []
    for text in set(ours.values()) - set(other.values()):  # "Faktura": also the name
        words = re.split(r"\{\w+\}", text.rstrip(".:"))
        pattern = r"\S+".join(re.escape(part) for part in words)
        patterns.append(re.compile(rf"(?<!\w){pattern}(?!\w)"))
    return patterns


#: The texts that give a page in the other language away.
FOREIGN = {"da": only_in("en"), "en": only_in("da")}


def script_problems(page: Any, answer: Any) -> list[str]:
    """What is wrong with how the page runs scripts: only files from this server, as its
    Content-Security-Policy demands (no inline script, no `on…` handler attribute)."""
    problems = []
    inline = page.locator("script:not([src])").count() + page.evaluate(
        "[...document.querySelectorAll('*')].flatMap(e => [...e.attributes])"
        ".filter(a => a.name.startsWith('on')).length")
    if inline:
        problems.append(f"{inline} inline scripts or handlers")
    csp = (answer.headers.get("content-security-policy", "") if answer else "")
    policy = dict((part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";")
                  if part.strip())
    scripts = policy.get("script-src", policy.get("default-src", ""))
    if not scripts or "'unsafe-inline'" in scripts:
        problems.append(f"a policy that lets inline scripts run: {csp!r}")
    return problems


@dataclass
class Walk:
    """What one walk (in one language) found wrong, and what it has seen."""

    base: str
    language: str
    problems: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    links: set[str] = field(default_factory=set)

    def check(self, page: Any, answer: Any, expected: int = 200, name: str = "") -> None:
        """The checks every page gets, at each width; `expected`: the status it was sent
        for. The page is left at the first width."""
        name = name or urlsplit(page.url).path
        status = answer.status if answer else 0
        if status != expected:
            self.problems.append(f"{self.language} {name}: answered {status}, not {expected}")
        self.problems += [f"{self.language} {name}: {problem}"
                          for problem in script_problems(page, answer)]
        self.links.update(link.split("#")[0] for link in page.evaluate(LINKS))
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            self.check_shown(page, f"{self.language} {size} {name}")
            if SHOTS:
                slug = re.sub(r"[^\w.-]+", "_", name).strip("_") or "home"
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=f"{SHOTS}/{self.language}-{size}-{slug}.png",
                                full_page=True)
        page.set_viewport_size(SIZES["desktop"])

    def check_shown(self, page: Any, where: str) -> None:
        if not no_sideways_scroll(page):
            wide = page.evaluate("document.documentElement.scrollWidth")
            self.problems.append(f"{where}: scrolls sideways ({wide} px wide)")
        shown = page.evaluate(VISIBLE_TEXT)
        if shown["lang"] != self.language:
            self.problems.append(f"{where}: the page says it is {shown['lang']!r}")
        for word in FRAMEWORK_WORDS:
            if word in shown["text"]:
                self.problems.append(f"{where}: the framework's {word!r}")
        english = ENGLISH_WORDS.search(shown["text"]) if self.language == "da" else None
        if english:
            self.problems.append(f"{where}: English {english.group()!r}")
        for pattern in FOREIGN[self.language]:
            found = pattern.search(shown["text"])
            if found:
                self.problems.append(f"{where}: {found.group()!r} of the other language")

    def visit(self, page: Any, url: str, expected: int = 200, name: str = "") -> None:
        answer = page.goto(url)
        self.seen.add(url)
        self.check(page, answer, expected, name)

    def submit(self, page: Any, button: str, expected: int, name: str) -> None:
        with page.expect_navigation() as navigation:
            page.click(button)
        self.check(page, navigation.value, expected, name)


@pytest.fixture(scope="module")
def server(issued_outside: tuple[Path, Path],
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, a valid API key) of `faktura serve` over a copy of the issued samples."""
    with serving_a_copy(issued_outside, tmp_path_factory.mktemp("walk"),
                        "walk") as answer:
        yield answer[:2]


def bad_invoice() -> dict[str, Any]:
    """An invoice with a wrong quantity and no customer name."""
    return {"source_id": "WALK-BAD", "issue_date": "2026-11-02",
            "customer": {"customer_number": "1"},
            "lines": [{"text": "t", "quantity": "many", "unit_price": "1"}]}


def is_page(path: str) -> bool:
    """Whether a link leads to one of our pages (not a file, the API's docs or the language
    switch)."""
    return not (FILES.search(path) or path in API_DOCS or path.startswith(("/lang/", "/static/")))


def answer_to(page: Any, base: str, url: str) -> int | str:
    """How a link answers: its status, with the browser's session (a preview's PDF is the
    session's own); the language switch as the redirect it is."""
    path = urlsplit(url).path
    if not url.startswith(base):
        return "leaves the server"
    if path.startswith("/lang/"):  # not in the browser: it would switch the walk's language
        answer = httpx.get(url, timeout=60)
        return 200 if answer.status_code == 303 and answer.headers["location"] == (
            dict(httpx.URL(url).params).get("next", "/")) else answer.status_code
    if is_page(path):
        return 200  # walked
    return page.request.get(url).status


def walk(browser: Any, base: str, key: str, language: str,
         answered: dict[str, int | str]) -> Walk:
    """One walk: the forms and error pages, then every page a link leads to; `answered`
    gets how each link not yet in it answers."""
    found = Walk(base, language)
    context = browser.new_context(locale=LOCALES[language], viewport=SIZES["desktop"])
    context.add_cookies([{"name": "faktura_lang", "value": language, "url": base}])
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        found.visit(page, f"{base}/", name="login")
        page.fill("#key", "fk_not-a-real-key")
        found.submit(page, "button[type=submit]", 401, "login-wrong-key")
        found.visit(page, f"{base}/no-such-page", 404, "404-signed-out")
        page.goto(f"{base}/login")
        page.fill("#key", key)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/archive")
        found.links.add(f"{base}/redoc")  # the API's other docs page, not linked

        found.visit(page, f"{base}/no-such-page", 404, "404")
        found.visit(page, f"{base}/archive/99999999", 404, "404-invoice")
        found.visit(page, f"{base}/archive?page=first", 422, "422-query")
        found.visit(page, f"{base}/archive?from=2026-11-01&to=2026-11-30", name="archive-period")
        found.visit(page, f"{base}/archive?from=2026-13-01", 422, "archive-period-refused")
        found.visit(page, f"{base}/preview")
        page.fill("#invoice", json.dumps(bad_invoice()))
        found.submit(page, "form.stack button[type=submit]", 422, "preview-refused")
        page.fill("#invoice", "{not json")
        found.submit(page, "form.stack button[type=submit]", 422, "preview-not-json")
        page.fill("#invoice", (SAMPLES / "04-mixed-vat.json").read_text(encoding="utf-8"))
        found.submit(page, "form.stack button[type=submit]", 200, "preview-shown")
        found.visit(page, f"{base}/batches")
        page.fill("#invoices", "[]")
        found.submit(page, "form.stack button[type=submit]", 422, "batch-refused")
        issued = json.loads((SAMPLES / "01-one-line.json").read_text(encoding="utf-8"))
        page.fill("#invoices", json.dumps([issued, bad_invoice()], ensure_ascii=False))
        page.click("form.stack button[type=submit]")
        page.wait_for_url(f"{base}/batches/*")
        page.locator("#print-file:not([hidden])").wait_for()  # finished
        found.visit(page, page.url, name="batch")

        queue = sorted(found.links)
        while queue:
            url = queue.pop(0)
            if url in found.seen or not url.startswith(base) or not is_page(urlsplit(url).path):
                continue
            found.visit(page, url)
            queue += sorted(found.links - found.seen - set(queue))
        for url in sorted(found.links - set(answered)):
            answered[url] = answer_to(page, base, url)
            if urlsplit(url).path in API_DOCS:  # not ours to translate; scripts only
                answer = page.goto(url)
                found.problems += [f"{url}: {problem}"
                                   for problem in script_problems(page, answer)]
    finally:
        context.close()
    return found


def test_every_page_in_both_languages_at_desktop_and_phone_width(
        server: tuple[str, str], browser: Any) -> None:
    base, key = server
    answered: dict[str, int | str] = {}
    walks = [walk(browser, base, key, language, answered) for language in LOCALES]
    problems = [problem for w in walks for problem in w.problems]
    assert not problems, "\n".join(problems)
    assert {urlsplit(u).path for w in walks for u in w.seen} >= {
        "/archive", "/preview", "/batches", "/bookings", "/setup"}
    assert any(urlsplit(u).path.startswith("/archive/") for w in walks for u in w.seen)
    assert {url: status for url, status in answered.items() if status != 200} == {}
    assert any(re.search(r"/batches/[^/]+\.pdf$", url) for url in answered)  # print file
    assert {urlsplit(url).path for url in answered} >= set(API_DOCS)
