"""The bookkeepers' pages: sign in with the tenant's API key, the archive (search, pages, PDFs,
FI lines; a period's totals and its spreadsheet CSV, the same query as `GET /v1/archive`), a
draft preview of a pasted or uploaded invoice, and batches (the past ones, a running one's live
progress).

Server-rendered (Jinja); `static/pages.js` only adds conveniences (reading chosen files into
the form, polling a running batch). Every form carries the session's CSRF token; every page
answers only for the signed-in key's tenant.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from api.batch_quota import BatchQuotaExceeded
from api.batches import BATCH_ID_PATTERN
from api.body import parse_invoice_safely
from api.keys import KeyInfo
from api.pages.session import LOGIN_COOKIE, SESSION_COOKIE, PageSession, Sessions
from api.pages.texts import LANGUAGES, pick_language, texts
from api.requestlog import note_tenant
from api.routes_archive import NUMBER_PATTERN, ArchiveFilter, query_period
from api.routes_preview import CLIENT_GONE, render_draft
from api.signin_limits import SignInLocked, client_address
from api.state import AppState
from api.tenants import TenantServices
from archive import ArchiveEntry, ArchiveError, NoPdfKept
from faktura.errors import InvalidInput, Problem
from faktura.problem_texts import in_language, results_in_language
from issuing.renderpool import RenderQueueFull, RenderTooLarge
from issuing.period import STATUSES, to_csv
from renderer.formatting import amount, short_date

TEMPLATES = Path(__file__).parent / "templates"
PAGE_SIZE = 25
LANG_COOKIE = "faktura_lang"
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'self'; form-action 'self';"
                               " base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

router = APIRouter(include_in_schema=False)
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["j2"]),
                   trim_blocks=True, lstrip_blocks=True)
_env.filters["in_language"] = in_language
_env.filters["short_date"] = short_date  # the PDF's own date format


@dataclass
class Visitor:
    """Who is asking: language, and the session and tenant when signed in."""

    language: str
    session_id: str | None = None
    session: PageSession | None = None
    key: KeyInfo | None = None


def _state(request: Request) -> AppState:
    state: AppState = request.app.state.faktura
    return state


def _sessions(request: Request) -> Sessions:
    sessions: Sessions = request.app.state.pages_sessions
    return sessions


def _visitor(request: Request) -> Visitor:
    language = pick_language(request.cookies.get(LANG_COOKIE),
                             request.headers.get("accept-language"))
    session_id = request.cookies.get(SESSION_COOKIE)
    found = _sessions(request).get(session_id)
    if found is None:
        return Visitor(language)
    return Visitor(language, session_id, *found)


class NotSignedIn(Exception):
    """A page that needs a session was asked for without one (answered by `to_sign_in`)."""


def _signed_in(request: Request) -> Visitor:
    visitor = _visitor(request)
    if visitor.session is None:
        raise NotSignedIn
    return visitor


#: A route's visitor who must be signed in: anyone else is sent to the sign-in page.
SignedIn = Annotated[Visitor, Depends(_signed_in)]


def to_sign_in(_request: Request, _error: Exception) -> Response:
    """The answer to `NotSignedIn`: the sign-in page."""
    return _to_login()


def _page(request: Request, visitor: Visitor, template: str, status: int = 200,
          **context: Any) -> HTMLResponse:
    html = _env.get_template(template).render(
        t=texts(visitor.language), lang=visitor.language, visitor=visitor,
        path=request.url.path, csrf=visitor.session.csrf if visitor.session else "", **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _to_login() -> RedirectResponse:
    return RedirectResponse("/login", status_code=303)


async def _form(request: Request) -> dict[str, str]:
    """An url-encoded form's fields (the first value of each)."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/x-www-form-urlencoded":
        return {}
    body = (await request.body()).decode("utf-8", errors="replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def _services(request: Request, visitor: Visitor) -> TenantServices:
    assert visitor.key is not None
    services = _state(request).services(visitor.key)
    note_tenant(request.scope, services.tenant)
    return services


# --- signing in and out ------------------------------------------------------------------


@router.get("/")
def home(request: Request) -> Response:
    visitor = _visitor(request)
    return RedirectResponse("/archive" if visitor.session else "/login", status_code=303)


def _login_page(request: Request, visitor: Visitor, error: str | None = None,
                status: int = 200) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = _page(request, visitor, "login.html.j2", status, login_token=token, error=error)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=_secure(request), path="/login")
    return response


@router.get("/login")
def login_form(request: Request) -> Response:
    visitor = _visitor(request)
    if visitor.session:
        return RedirectResponse("/archive", status_code=303)
    return _login_page(request, visitor)


@router.post("/login")
async def login(request: Request) -> Response:
    visitor = _visitor(request)
    form = await _form(request)
    t = texts(visitor.language)
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie, form.get("login_token", "")):
        return _login_page(request, visitor, t["expired"], 403)
    guard, address = _state(request).sign_ins, client_address(request.scope)
    key = form.get("key", "").strip()
    try:
        guard.check(address)
        signed_in = await run_in_threadpool(_sessions(request).sign_in, key)
        if signed_in is None:
            tenant = await run_in_threadpool(_state(request).keys.owner, key)  # if revoked
            guard.failed(address, tenant, where="sign-in page")
            guard.check(address, tenant)
            return _login_page(request, visitor, t["wrong_key"], 401)
    except SignInLocked as locked:
        page = _login_page(request, visitor, t["locked"].format(seconds=locked.retry_after),
                           429)
        page.headers["Retry-After"] = str(locked.retry_after)
        return page
    session_id, _ = signed_in
    response = RedirectResponse("/archive", status_code=303)
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="strict",
                        secure=_secure(request), path="/")
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    visitor = _visitor(request)
    form = await _form(request)
    if visitor.session and visitor.session.csrf_ok(form.get("csrf")):
        _sessions(request).sign_out(visitor.session_id)
    response = _to_login()
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/lang/{code}")
def choose_language(code: str, next: str = "/") -> Response:  # noqa: A002 (query name)
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if code in LANGUAGES:
        response.set_cookie(LANG_COOKIE, code, samesite="lax", max_age=365 * 86400, path="/")
    return response


# --- the archive -------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One archived invoice as the list shows it."""

    entry: ArchiveEntry
    total: str
    has_xml: bool


def _row(entry: ArchiveEntry, language: str) -> Row:
    # The e-invoice XML is linked only when the archive recorded one for this invoice.
    has_xml = entry.xml_sha256 is not None
    return Row(entry, f"{amount(entry.signed_total, language)} {entry.currency_code}",
               has_xml)


def _search(services: TenantServices, q: str, offset: int) -> list[ArchiveEntry]:
    archive, tenant = services.archive, services.tenant
    found: list[ArchiveEntry] = []
    if q and re.fullmatch(NUMBER_PATTERN.strip("^$"), q) and offset == 0:
        with contextlib.suppress(ArchiveError, ValueError):
            found.append(archive.get(tenant, q))
    by_name = archive.list(tenant, q=q or None, limit=PAGE_SIZE + 1, offset=offset)
    return found + [e for e in by_name if e.invoice_number not in
                    {f.invoice_number for f in found}]


@dataclass(frozen=True)
class PeriodForm:
    """The archive page's period filters as typed (blank: any), and what they select."""

    date_from: str = ""
    date_to: str = ""
    customer: str = ""
    status: str = ""

    def __bool__(self) -> bool:
        return any((self.date_from, self.date_to, self.customer, self.status))

    def query(self) -> dict[str, str]:
        """The filters as the page's URL query (the blank ones left out)."""
        return {k: v for k, v in (("from", self.date_from), ("to", self.date_to),
                                  ("customer", self.customer), ("status", self.status)) if v}

    def parsed(self, q: str, t: dict[str, str]) -> tuple[ArchiveFilter | None, list[Problem]]:
        problems = []
        dates: list[date | None] = []
        for name, text in (("from", self.date_from), ("to", self.date_to)):
            try:
                dates.append(date.fromisoformat(text) if text else None)
            except ValueError:
                problems.append(Problem(name, t["bad_date"]))
        if self.status and self.status not in STATUSES:
            problems.append(Problem("status", t["bad_filter"]))
        if problems:
            return None, problems
        return ArchiveFilter(self.customer or None, dates[0], dates[1], q or None,
                             self.status or None), []


def _period_form(date_from: str, date_to: str, customer: str, status: str) -> PeriodForm:
    return PeriodForm(date_from.strip()[:10], date_to.strip()[:10], customer.strip()[:64],
                      status.strip()[:20])


@router.get("/archive")
async def archive_page(request: Request, visitor: SignedIn, q: str = "", page: int = 1,
                       date_from: Annotated[str, Query(alias="from")] = "",
                       date_to: Annotated[str, Query(alias="to")] = "",
                       customer: str = "", status: str = "") -> Response:
    q, page = q.strip()[:200], max(1, min(page, 100_000))
    form = _period_form(date_from, date_to, customer, status)
    services = _services(request, visitor)
    language = visitor.language
    offset = (page - 1) * PAGE_SIZE
    period: dict[str, Any] = {"problems": []}
    query = {**({"q": q} if q else {}), **form.query()}
    if form:  # a period: every entry it selects, in number order, with its totals
        filters, period["problems"] = form.parsed(q, texts(language))
        selected = None if filters is None else await run_in_threadpool(
            query_period, services, filters, totals=True)
        entries = selected.entries[offset:offset + PAGE_SIZE + 1] if selected else []
        if selected is not None:
            period.update(uncomputed=selected.uncomputed,
                          csv_url="/archive.csv?" + urlencode(query), totals=[{
                              "currency": x.currency, "count": x.count,
                              "net": amount(x.net, language), "vat": amount(x.vat, language),
                              "gross": amount(x.gross, language)} for x in selected.totals])
    else:
        entries = await run_in_threadpool(_search, services, q, offset)
    rows = [_row(e, language) for e in entries[:PAGE_SIZE]]
    statuses = await run_in_threadpool(_statuses, services, [r.entry.invoice_number
                                                             for r in rows])

    def link(to_page: int) -> str:
        return "/archive?" + urlencode({**query, "page": to_page})

    return _page(request, visitor, "archive.html.j2", 422 if period["problems"] else 200,
                 rows=rows, q=q, page=page, form=form, statuses_offered=STATUSES,
                 previous_url=link(page - 1) if page > 1 else None,
                 next_url=link(page + 1) if len(entries) > PAGE_SIZE else None,
                 tenant=services.tenant, statuses=statuses, **period)


@router.get("/archive.csv")
async def archive_csv(request: Request, visitor: SignedIn, q: str = "",
                      date_from: Annotated[str, Query(alias="from")] = "",
                      date_to: Annotated[str, Query(alias="to")] = "",
                      customer: str = "", status: str = "") -> Response:
    """The period as a spreadsheet opens it in the page's language (`issuing.period.to_csv`)."""
    form = _period_form(date_from, date_to, customer, status)
    filters, problems = form.parsed(q.strip()[:200], texts(visitor.language))
    if filters is None:
        return _page(request, visitor, "message.html.j2", 422, message=texts(
            visitor.language)["bad_filter"] + " " + "; ".join(str(p) for p in problems))
    period = await run_in_threadpool(query_period, _services(request, visitor), filters,
                                     totals=False)
    return Response(to_csv(period, spreadsheet=visitor.language).encode("utf-8"),
                    media_type="text/csv; charset=utf-8", headers={
                        "Content-Disposition": 'attachment; filename="faktura-arkiv.csv"',
                        "Cache-Control": "private, no-store"})


def _statuses(services: TenantServices, numbers: list[str]) -> dict[str, str]:
    """The payment status last read from Uniconta of each listed invoice that has one."""
    from issuing.bootstrap import open_status_store

    with open_status_store(services.settings) as store:
        return {n: str(record.status) for n, record in store.of(services.tenant, numbers).items()}


def _archived_file(request: Request, visitor: Visitor, number: str, kind: str) -> Response:
    if not re.fullmatch(NUMBER_PATTERN, number):
        return _not_found(request, visitor)
    services = _services(request, visitor)
    try:
        if kind == "pdf":
            data, media = services.archive.pdf(services.tenant, number), "application/pdf"
        else:
            data, media = services.archive.xml(services.tenant, number), "application/xml"
    except NoPdfKept:
        return _page(request, visitor, "message.html.j2", 404,
                     message=texts(visitor.language)["pdf_not_kept_help"])
    except (ArchiveError, ValueError, LookupError):
        return _not_found(request, visitor)
    return Response(data, media_type=media, headers={
        "Content-Disposition": f'inline; filename="{number}.{kind}"',
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


@router.get("/archive/{number}.pdf")
def archived_pdf(request: Request, visitor: SignedIn, number: str) -> Response:
    return _archived_file(request, visitor, number, "pdf")


@router.get("/archive/{number}.xml")
def archived_xml(request: Request, visitor: SignedIn, number: str) -> Response:
    return _archived_file(request, visitor, number, "xml")


def _not_found(request: Request, visitor: Visitor) -> HTMLResponse:
    return _page(request, visitor, "message.html.j2", 404, message=texts(visitor.language)[
        "not_found"])


# --- preview -----------------------------------------------------------------------------


def _parse_json(text: str, t: dict[str, str]) -> tuple[Any, list[Problem]]:
    try:
        return json.loads(text, parse_float=Decimal), []
    except json.JSONDecodeError as error:
        return None, [Problem("", f"Not valid JSON: {error.msg} (line {error.lineno},"
                                  f" column {error.colno})")]  # shown in the page's language
    except RecursionError:
        return None, [Problem("", t["not_json"])]


@router.get("/preview")
def preview_form(request: Request, visitor: SignedIn) -> Response:
    return _page(request, visitor, "preview.html.j2", text="", problems=[], pdf_url=None)


@router.post("/preview")
async def preview(request: Request, visitor: SignedIn) -> Response:
    form = await _form(request)
    t = texts(visitor.language)
    if not visitor.session.csrf_ok(form.get("csrf")):
        return _page(request, visitor, "message.html.j2", 403, message=t["expired"])
    text = form.get("invoice", "")
    data, problems = _parse_json(text, t)
    pdf_url = None
    if not problems:
        services = _services(request, visitor)
        try:
            invoice = parse_invoice_safely(data)
            rendered = await render_draft(request, _state(request), invoice,
                                          services.settings)
            if rendered is None:
                return Response(status_code=CLIENT_GONE)
            pdf_url = f"/preview/{visitor.session.keep_preview(rendered[1])}.pdf"
        except InvalidInput as error:
            problems = error.problems
        except RenderTooLarge as error:
            problems = [Problem("lines", str(error))]
        except RenderQueueFull as busy:
            page = _page(request, visitor, "message.html.j2", 503,
                         message=t["busy"].format(seconds=busy.retry_after))
            page.headers["Retry-After"] = str(busy.retry_after)
            return page
    return _page(request, visitor, "preview.html.j2", 422 if problems else 200, text=text,
                 problems=problems, pdf_url=pdf_url)


@router.get("/preview/{token}.pdf")
def preview_pdf(request: Request, visitor: SignedIn, token: str) -> Response:
    pdf = visitor.session.previews.get(token)
    if pdf is None:
        return _not_found(request, visitor)
    return Response(pdf, media_type="application/pdf", headers={
        "Content-Disposition": 'inline; filename="kladde.pdf"', "Cache-Control": "no-store"})


# --- batches -----------------------------------------------------------------------------


#: The past batches the batches page lists (the newest; every kept one is in `GET /v1/batches`).
BATCHES_LISTED = 100


def _batches_page(request: Request, visitor: Visitor, status: int = 200, text: str = "",
                  problems: list[Problem] | None = None) -> HTMLResponse:
    """The form for a new batch and the past batches, newest first (counts, failures)."""
    records = _state(request).batches.list(_services(request, visitor))[:BATCHES_LISTED]
    return _page(request, visitor, "batches.html.j2", status, text=text,
                 problems=problems or [], records=records)


@router.get("/batches")
def batches_form(request: Request, visitor: SignedIn) -> Response:
    return _batches_page(request, visitor)


@router.post("/batches")
async def start_batch(request: Request, visitor: SignedIn) -> Response:
    from api.routes_batches import MAX_INVOICES

    form = await _form(request)
    t = texts(visitor.language)
    if not visitor.session.csrf_ok(form.get("csrf")):
        return _page(request, visitor, "message.html.j2", 403, message=t["expired"])
    text = form.get("invoices", "")
    data, problems = _parse_json(text, t)
    if not problems:
        if isinstance(data, dict):
            data = data.get("invoices", [data]) if "invoices" in data else [data]
        if not isinstance(data, list) or not data or len(data) > MAX_INVOICES:
            problems = [Problem("", t["not_list"] if not isinstance(data, list)
                                else t["empty_batch"])]
    if problems:
        return await run_in_threadpool(_batches_page, request, visitor, 422, text, problems)
    services = _services(request, visitor)
    try:
        record = await run_in_threadpool(_state(request).batches.submit, services, data)
    except BatchQuotaExceeded as error:
        return await run_in_threadpool(_batches_page, request, visitor, 429, text,
                                       [Problem(error.quota, t["batch_quota"])])
    return RedirectResponse(f"/batches/{record.id}", status_code=303)


def _batch(request: Request, visitor: Visitor, batch_id: str) -> Any:
    if not re.fullmatch(BATCH_ID_PATTERN, batch_id):
        return None
    return _state(request).batches.get(_services(request, visitor), batch_id)


@router.get("/batches/{batch_id}.json")
def batch_progress(request: Request, batch_id: str) -> Response:
    visitor = _visitor(request)
    if visitor.session is None:
        return JSONResponse({"detail": "sign in"}, status_code=401)
    record = _batch(request, visitor, batch_id)
    if record is None:
        return JSONResponse({"detail": "no such batch"}, status_code=404)
    return JSONResponse(results_in_language(json.loads(record.model_dump_json()),
                                            visitor.language),
                        headers={"Cache-Control": "no-store"})


@router.get("/batches/{batch_id}.pdf")
def batch_print_file(request: Request, visitor: SignedIn, batch_id: str) -> Response:
    from issuing.batch import print_file

    record = _batch(request, visitor, batch_id)
    numbers = record.archived_numbers() if record is not None else []
    if record is None or record.status in ("queued", "running") or not numbers:
        return _not_found(request, visitor)
    services = _services(request, visitor)
    printed = print_file(services.archive, services.tenant, numbers)
    if printed.pdf is None:
        return _not_found(request, visitor)
    return Response(printed.pdf, media_type="application/pdf", headers={
        "Content-Disposition": f'inline; filename="batch-{batch_id[:8]}.pdf"'})


# --- setup (the doctor) ---------------------------------------------------------------------


def _diagnose(services: TenantServices) -> Any:
    from issuing.doctor import diagnose, open_reader

    with open_reader(services.settings) as reader:
        return diagnose(services.settings, reader)


@router.get("/setup")
async def setup_page(request: Request, visitor: SignedIn) -> Response:
    """Every rule of the integration guides against the tenant's live Uniconta (reads only)."""
    from issuing.doctor import SYMBOL

    try:
        report = await run_in_threadpool(_diagnose, _services(request, visitor))
    except (OSError, RuntimeError):  # Uniconta (or the built-in emulator) could not be opened
        return _page(request, visitor, "message.html.j2", 503,
                     message=texts(visitor.language)["setup_unreachable"])
    return _page(request, visitor, "setup.html.j2", report=report, counts=report.counts(),
                 symbols=SYMBOL)


# Declared after `/batches/{batch_id}.json` and `.pdf`: it would catch both.
@router.get("/batches/{batch_id}")
def batch_page(request: Request, visitor: SignedIn, batch_id: str) -> Response:
    record = _batch(request, visitor, batch_id)
    if record is None:
        return _not_found(request, visitor)
    return _page(request, visitor, "batch.html.j2", record=record,
                 running=record.status in ("queued", "running"))


# --- bookings (issuing on booking: what needs attention, what the bookkeeper changed) -------


@contextlib.contextmanager
def booking_record(services: TenantServices) -> Iterator[Any]:
    """The tenant's booking record (`sync.posting.bookings`), or None when Faktura has
    neither posted nor issued on booking yet (no ledger to open)."""
    from sync.posting.bookings import Bookings
    from sync.posting.ledger import LEDGER_FILE

    target = services.settings.database(LEDGER_FILE)
    if isinstance(target, Path) and not target.exists():
        yield None
        return
    store = Bookings(target)
    try:
        yield store
    finally:
        store.close()


def _bookings(services: TenantServices) -> tuple[list[Any], list[Any]]:
    """The tenant's bookings that need attention and the issued ones that differ from their
    draft (nothing when Faktura has not issued on booking yet)."""
    from sync.posting.bookings import BookingState

    with booking_record(services) as store:
        records = store.all(services.tenant) if store is not None else []
    return ([r for r in records if r.state == BookingState.ATTENTION],
            [r for r in records if r.state == BookingState.ISSUED and r.differences])


@router.get("/bookings")
async def bookings_page(request: Request, visitor: SignedIn) -> Response:
    """Invoices booked in Uniconta: those waiting for attention (with the reason) and those
    issued as booked where the bookkeeper changed Faktura's draft (with what changed)."""
    attention, changed = await run_in_threadpool(_bookings, _services(request, visitor))
    return _page(request, visitor, "bookings.html.j2", attention=attention, changed=changed)
