"""The six bundled samples issued end to end (post → ClientTime PDF → archive) over real HTTP,
then checked against what the emulator booked: numbers, GL, totals, master data, dimensions,
PDF with FIK line — and a second run that posts nothing.

The batch is issued once per module (real WeasyPrint rendering takes ~1 s per invoice).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
import pytest
from pypdf import PdfReader
from sync_support import (
    SAMPLE_FILES,
    SyncStack,
    amount,
    make_settings,
    open_stack,
)

from faktura import fik
from faktura.model import Invoice
from infra.invoice_file import load_invoice
from faktura.money import compute_totals
from renderer.render import Renderer
from sync.emulator import fixtures
from sync.emulator.server import running_emulator
from sync.emulator.testing import EmulatorHandle

VAT_RATE = Decimal(25)


@dataclass
class Issued:
    invoice: Invoice
    number: str
    already: bool
    calls: int


@dataclass
class Batch:
    emulator: EmulatorHandle
    stack: SyncStack
    first: dict[str, Issued]
    second: dict[str, Issued]
    invoices_after_first: int
    invoices_after_second: int


def _issue_all(stack: SyncStack, renderer: Renderer) -> dict[str, Issued]:
    issuer = stack.issuer(renderer)
    out: dict[str, Issued] = {}
    for path in SAMPLE_FILES:
        invoice = load_invoice(path)
        before = stack.calls()
        issued = issuer.issue(invoice)
        out[path.name] = Issued(invoice, issued.invoice_number, issued.already_issued,
                                stack.calls() - before)
    return out


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Batch]:
    tmp = tmp_path_factory.mktemp("samples")
    with ExitStack() as stack:
        running = stack.enter_context(running_emulator(tmp / "emulator.sqlite"))
        client = stack.enter_context(
            httpx.Client(base_url=running.base_url, auth=running.auth, timeout=30))
        emulator = EmulatorHandle(running, client)
        renderer = Renderer()
        settings = make_settings(emulator.base_url, tmp)
        first_run = open_stack(stack, emulator, settings)
        first = _issue_all(first_run, renderer)
        after_first = len(emulator.query("DebtorInvoice"))
        second_run = open_stack(stack, emulator, settings)  # a new run: new client, same files
        second = _issue_all(second_run, renderer)
        yield Batch(emulator, first_run, first, second, after_first,
                    len(emulator.query("DebtorInvoice")))


def _row(batch: Batch, name: str) -> dict[str, Any]:
    number = batch.first[name].number
    rows = batch.emulator.query("DebtorInvoice", InvoiceNumber=number)
    assert len(rows) == 1
    return rows[0]


def test_every_sample_is_posted_with_consecutive_numbers_from_the_series(batch: Batch) -> None:
    numbers = [batch.first[path.name].number for path in SAMPLE_FILES]
    first = fixtures.FIRST_INVOICE_NUMBER
    assert numbers == [str(first + i) for i in range(len(SAMPLE_FILES))]
    assert not any(issued.already for issued in batch.first.values())
    assert batch.invoices_after_first == len(SAMPLE_FILES)
    assert batch.emulator.query("DebtorOrder") == []  # every order became an invoice
    records = {r.source_id: r for r in batch.stack.ledger.all("revisorhuset")}
    for issued in batch.first.values():
        record = records[issued.invoice.source_id]
        assert (record.state.value, record.invoice_number) == ("archived", issued.number)


@pytest.mark.parametrize("name", [p.name for p in SAMPLE_FILES])
def test_the_general_ledger_balances_and_vat_is_only_on_vat_lines(batch: Batch,
                                                                  name: str) -> None:
    number = batch.first[name].number
    gl = batch.emulator.query("GLTrans", Invoice=number)
    debtor = [r for r in gl if r["Account"] == fixtures.RECEIVABLES_ACCOUNT]
    revenue = [r for r in gl if r["Account"] in (fixtures.REVENUE_ACCOUNT_VAT,
                                                 fixtures.REVENUE_ACCOUNT_NO_VAT)]
    vat = [r for r in gl if r["Account"] == fixtures.SALES_VAT_ACCOUNT]
    assert len(debtor) == 1 and len(debtor) + len(revenue) + len(vat) == len(gl)
    assert sum(amount(r["Amount"]) for r in gl) == 0
    debit = amount(debtor[0]["Amount"])
    assert debit == -sum(amount(r["Amount"]) for r in revenue + vat)
    # VAT is 25 % of the revenue booked with VAT code U25, and of nothing else (in the
    # invoice currency, AmountCur; Amount is the DKK of each row).
    with_vat = sum((amount(r["AmountCur"]) for r in revenue if r["Vat"] == "U25"), Decimal(0))
    assert all(r["Vat"] is None for r in revenue
               if r["Account"] == fixtures.REVENUE_ACCOUNT_NO_VAT)
    vat_amount = sum((amount(r["AmountCur"]) for r in vat), Decimal(0))
    assert vat_amount == (with_vat * VAT_RATE / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    debtor_trans = batch.emulator.query("DebtorTrans", Invoice=number)
    assert [amount(r["Amount"]) for r in debtor_trans] == [debit]


@pytest.mark.parametrize("name", [p.name for p in SAMPLE_FILES])
def test_the_ledger_books_dkk_in_amount_and_the_invoice_currency_in_amount_cur(
    batch: Batch, name: str,
) -> None:
    issued = batch.first[name]
    totals = compute_totals(issued.invoice, VAT_RATE)
    rate = issued.invoice.exchange_rate or Decimal(1)
    sign = -1 if issued.invoice.is_credit_note else 1
    gl = batch.emulator.query("GLTrans", Invoice=issued.number)
    vat = [r for r in gl if r["Account"] == fixtures.SALES_VAT_ACCOUNT]
    for row in gl:
        assert row["Currency"] == issued.invoice.currency_code
        expected = (amount(row["AmountCur"]) * rate).quantize(Decimal("0.01"), ROUND_HALF_UP)
        if row["Account"] != fixtures.RECEIVABLES_ACCOUNT:
            assert amount(row["Amount"]) == expected, row
    if totals.vat_amount:
        vat_dkk = -sum((amount(r["Amount"]) for r in vat), Decimal(0))
        assert vat_dkk == sign * (totals.vat_amount_dkk or totals.vat_amount)
    debtor_trans = batch.emulator.query("DebtorTrans", Invoice=issued.number)
    assert [amount(r["AmountCur"]) for r in debtor_trans] == [sign * totals.total_with_vat]


@pytest.mark.parametrize("name", [p.name for p in SAMPLE_FILES])
def test_uniconta_totals_equal_our_totals(batch: Batch, name: str) -> None:
    issued = batch.first[name]
    totals = compute_totals(issued.invoice, VAT_RATE)
    sign = -1 if issued.invoice.is_credit_note else 1
    row = _row(batch, name)
    assert amount(row["NetAmount"]) == sign * totals.line_total
    assert amount(row["VatAmount"]) == sign * totals.vat_amount
    assert amount(row["TotalAmount"]) == sign * totals.total_with_vat
    assert row["Currency"] == issued.invoice.currency_code
    assert row["Account"] == issued.invoice.customer.customer_number
    assert row["Date"].startswith(issued.invoice.issue_date.isoformat())
    archived = batch.stack.archive.get("revisorhuset", issued.number)
    assert archived.total_amount == totals.total_with_vat


def test_the_credit_note_books_negative_amounts(batch: Batch) -> None:
    row = _row(batch, "05-credit-note.json")
    assert amount(row["TotalAmount"]) == Decimal("-3265.63")  # 2.75 h × 950 + 25 % VAT
    lines = batch.emulator.query("InvTrans", InvoiceNumber=row["InvoiceNumber"])
    assert [float(x["Qty"]) for x in lines] == [-2.75]


def test_a_second_run_posts_nothing_and_makes_no_calls(batch: Batch) -> None:
    assert batch.invoices_after_second == batch.invoices_after_first
    for name, issued in batch.second.items():
        assert issued.already, name
        assert issued.number == batch.first[name].number
        assert issued.calls == 0, name


def test_pdfs_carry_the_fik_line_built_from_unicontas_number(batch: Batch) -> None:
    checked = 0
    for issued in batch.first.values():
        entry = batch.stack.archive.get("revisorhuset", issued.number)
        assert entry.layout == "clienttime"
        pdf = batch.stack.archive.pdf("revisorhuset", issued.number)
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        squashed = "".join(text.split())
        if issued.invoice.is_credit_note or issued.invoice.currency_code != "DKK":
            assert entry.fik_line is None
            continue
        expected = fik.code_line("71", "85000012", issued.number)
        assert entry.fik_line == expected
        assert "".join(expected.split()) in squashed, (issued.number, text[-400:])
        checked += 1
    assert checked == 4


def test_master_data_from_the_samples_reached_uniconta(batch: Batch) -> None:
    emulator = batch.emulator
    debtors = {r["Account"]: r for r in emulator.query("Debtor")}
    assert set(debtors) == {"1001", "1002", "1003", "1004"}
    assert debtors["1001"]["ContactEmail"] == "bogholderi@acmebyg.dk"
    assert debtors["1003"]["EAN"] == "5790001234560"
    assert debtors["1004"]["Currency"] == "EUR"
    contacts = emulator.query("Contact", DCAccount="1001")
    assert [(c["Name"], c["Email"]) for c in contacts] == [("Jonas Berg", "jb@acmebyg.dk")]
    employees = {r["Number"]: r["Name"] for r in emulator.query("Employee")}
    assert employees["JD"] == "Jens Dahl" and employees["AK"] == "Anne Kjær"
    (project,) = emulator.query("Project", Number="P100")
    assert project["Group"] == "STD" and project["Account"] == "1001"
    # The TimeLog invoice: contact, employee and project on the invoice, category on its lines.
    row = _row(batch, "02-consulting-month.timelog.json")
    assert (row["Project"], row["Employee"], row["OurRef"]) == ("P100", "JD", "Jens Dahl")
    assert row["Requisition"] == "PO-7781"
    lines = emulator.query("InvTrans", InvoiceNumber=row["InvoiceNumber"])
    assert lines and {(x["Project"], x["PrCategory"]) for x in lines} == {("P100", "ACONTO")}


@pytest.mark.parametrize(("name", "team", "department"), [
    ("02-consulting-month.timelog.json", "Team A", "Rådgivning"),
    ("03-long-annual.json", "Team B", "Revision"),
])
def test_team_and_department_are_posted_as_dimension_1_and_2(batch: Batch, name: str,
                                                             team: str, department: str) -> None:
    row = _row(batch, name)
    assert (row["Dimension1"], row["Dimension2"], row["Dimension3"]) == (team, department, None)
    lines = batch.emulator.query("InvTrans", InvoiceNumber=row["InvoiceNumber"])
    assert {(x["Dimension1"], x["Dimension2"]) for x in lines} == {(team, department)}
    revenue = [r for r in batch.emulator.query("GLTrans", Invoice=row["InvoiceNumber"])
               if r["Account"] == fixtures.REVENUE_ACCOUNT_VAT]
    assert revenue and all(r["Dimension1"] == team for r in revenue)


def test_combined_item_lines_keep_their_headings_in_order(batch: Batch) -> None:
    row = _row(batch, "04-mixed-vat.json")
    lines = batch.emulator.query("InvTrans", InvoiceNumber=row["InvoiceNumber"])
    lines.sort(key=lambda x: float(x["LineNumber"]))
    assert [(x["Item"], x["Text"], float(x["Qty"])) for x in lines] == [
        (None, "Rådgivning", 0.0),
        ("1000", "Strategimøde med direktionen", 3.5),
        ("1000", "Likviditetsbudget 2027", 6.25),
        (None, "Udlæg", 0.0),
        ("1010", "Tinglysningsafgift", 1.0),
        ("1010", "Retsafgift", 1.0),
    ]
    assert [float(x["DiscountPct"]) for x in lines if x["Item"]] == [0.0, 10.0, 0.0, 0.0]
    # 3.5 × 1150 + 6.25 × 950 × 0.9 = 9368.75 with VAT; 2350 without.
    assert amount(row["NetAmount"]) == Decimal("11718.75")
    assert amount(row["VatAmount"]) == Decimal("2342.19")

