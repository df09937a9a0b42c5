"""Master data and the call budget: what reaches Uniconta besides the invoice, and what it
costs in calls (Uniconta allows 5,000 a day per user)."""

from __future__ import annotations

from typing import Any

import pytest
from sync_support import MakeStack, SyncStack, customer, invoice, line

from sync.emulator.testing import EmulatorHandle
from sync.posting.engine import SyncFailed

CONTACT = {"first_name": "Jonas", "last_name": "Berg", "email": "jb@kunde1001.dk",
           "phone": "20 30 40 50"}
EMPLOYEE = {"number": "JD", "name": "Jens Dahl"}
PROJECT = {"number": "P200", "name": "Årsafslutning 2026"}
EVERYTHING: dict[str, Any] = {"contact": CONTACT, "internal_reference": EMPLOYEE,
                              "project": PROJECT, "team": "Team A", "department": "Revision"}


def _debtor_calls(stack: SyncStack, since: int) -> list[str]:
    return [label for label in stack.labels(since) if label.endswith("/Debtor")]


def _held_order(emulator: EmulatorHandle, stack: SyncStack, source_id: str,
                **fields: Any) -> dict[str, Any]:
    """Post with a 503 before the commit, so the order (as the engine wrote it) stays in
    Uniconta to be inspected; the next run posts it."""
    emulator.set_faults(fail_before_commit=1)
    with pytest.raises(SyncFailed, match="may or may not be posted"):
        stack.engine.post(invoice(source_id, **fields))
    (order,) = emulator.query("DebtorOrder")
    order["lines"] = emulator.query("DebtorOrderLine", OrderNumber=order["OrderNumber"])
    return order


def test_steady_state_costs_three_calls_per_invoice(make_stack: MakeStack,
                                                    emulator: EmulatorHandle) -> None:
    stack = make_stack()  # UseTimeViewInvoice = 1: the ClientTime layout
    issuer = stack.issuer()
    issuer.issue(invoice("W-0", **EVERYTHING))  # creates debtor, contact, employee, project
    emulator.reset_counters()
    per_invoice, start = [], len(stack.events)
    for n in range(1, 6):
        before = stack.calls()
        issued = issuer.issue(invoice(f"W-{n}", lines=[line(f"Møde {n}")], **EVERYTHING))
        assert not issued.already_issued
        per_invoice.append(stack.calls() - before)
    assert per_invoice == [3] * 5
    assert emulator.stats()["calls"] == 15  # the emulator counted the same
    # Per invoice: the order, its lines (one call), the posting. Nothing else.
    shapes = [label.rsplit("/", 1)[0] if "Invoice/" in label else label
              for label in stack.labels(start)]
    assert shapes == ["POST Crud/DebtorOrder", "POST Crud/DebtorOrderLine",
                      "POST Invoice/DebtorOrders"] * 5
    records = {r.source_id: r for r in stack.ledger.all("revisorhuset")}
    assert [records[f"W-{n}"].calls for n in range(1, 6)] == [3] * 5
    assert len(emulator.query("DebtorInvoice")) == 6


def test_a_new_run_with_known_master_data_needs_no_master_data_calls(
        make_stack: MakeStack) -> None:
    make_stack().engine.post(invoice("R-1", **EVERYTHING))
    second = make_stack()  # a new process: empty caches, same ledger
    second.engine.post(invoice("R-2", **EVERYTHING))
    labels = second.labels()
    # Company, item, project category and the invoice number series are looked up once per
    # run (cached afterwards); the master data is known from the ledger: no call for it.
    assert labels[:7] == ["GET Companies", "GET Query/InvItem", "GET Query/PrCategory",
                          "GET Query/DebtorGroup", "GET Query/NumberSerie",
                          "POST Crud/DebtorOrder", "POST Crud/DebtorOrderLine"]
    assert len(labels) == 8 and labels[7].startswith("POST Invoice/DebtorOrders/")


def test_changed_address_and_email_patch_the_debtor_unchanged_makes_no_call(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    engine = sync_stack.engine
    engine.post(invoice("D-1"))
    (debtor,) = emulator.query("Debtor", Account="1001")
    assert (debtor["Address1"], debtor["ContactEmail"]) == ("Havnegade 4",
                                                            "bogholderi@kunde1001.dk")
    moved = customer(email="regnskab@kunde1001.dk",
                     address={"line1": "Nygade 7", "post_code": "8200", "city": "Aarhus N",
                              "country_code": "DK"})
    mark = len(sync_stack.events)
    engine.post(invoice("D-2", customer_data=moved))
    assert _debtor_calls(sync_stack, mark) == ["GET Query/Debtor", "PATCH Crud/Debtor"]
    (debtor,) = emulator.query("Debtor", Account="1001")
    assert (debtor["Address1"], debtor["ZipCode"], debtor["City"], debtor["ContactEmail"]) == (
        "Nygade 7", "8200", "Aarhus N", "regnskab@kunde1001.dk")
    assert debtor["Name"] == "Kunde 1001 ApS"
    mark = len(sync_stack.events)
    engine.post(invoice("D-3", customer_data=moved))
    assert _debtor_calls(sync_stack, mark) == []
    assert len(emulator.query("Debtor")) == 1


def test_a_debtor_made_in_uniconta_is_adopted_and_corrected_not_duplicated(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    emulator.create_debtor("1001", _Name="Kunde 1001", _City="Odense")
    sync_stack.engine.post(invoice("D-1"))
    (debtor,) = emulator.query("Debtor", Account="1001")
    assert (debtor["Name"], debtor["City"]) == ("Kunde 1001 ApS", "Aarhus C")
    assert "POST Crud/Debtor" not in sync_stack.labels()


def test_contact_is_created_then_updated_in_place_and_referenced_by_the_order(
        make_stack: MakeStack, emulator: EmulatorHandle) -> None:
    stack = make_stack()
    stack.engine.post(invoice("K-1", contact=CONTACT))
    (contact,) = emulator.query("Contact", DCAccount="1001")
    assert (contact["Name"], contact["Email"], contact["Mobil"]) == (
        "Jonas Berg", "jb@kunde1001.dk", "20 30 40 50")
    new_phone = {**CONTACT, "phone": "99 88 77 66"}
    order = _held_order(emulator, stack, "K-2", contact=new_phone)
    assert order["ContactRef"] == contact["RowId"]
    (updated,) = emulator.query("Contact", DCAccount="1001")
    assert (updated["RowId"], updated["Mobil"]) == (contact["RowId"], "99 88 77 66")
    stack.engine.post(invoice("K-2", contact=new_phone))
    assert emulator.query("DebtorOrder") == []
    assert len(emulator.query("DebtorInvoice")) == 2


def test_a_contact_already_in_uniconta_is_matched_by_email(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    emulator.create_debtor("1001")
    (existing,) = emulator.insert("Contact", {"_DCType": 1, "_DCAccount": "1001",
                                              "_Name": "J. Berg", "_Email": "JB@kunde1001.dk"})
    sync_stack.engine.post(invoice("K-1", contact=CONTACT))
    (contact,) = emulator.query("Contact", DCAccount="1001")
    assert contact["RowId"] == existing["RowId"] and contact["Name"] == "Jonas Berg"


def test_missing_employee_is_created_existing_one_is_not(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    sync_stack.engine.post(invoice("E-1", internal_reference=EMPLOYEE))
    sync_stack.engine.post(invoice("E-2", internal_reference={"number": "AH",
                                                             "name": "Anne Hansen"}))
    sync_stack.engine.post(invoice("E-3", internal_reference=EMPLOYEE))
    assert sync_stack.labels().count("POST Crud/Employee") == 1
    employees = {r["Number"]: r["Name"] for r in emulator.query("Employee")}
    assert employees == {"AH": "Anne Hansen", "PL": "Peter Larsen", "JD": "Jens Dahl"}
    posted = {r["Employee"]: r["OurRef"] for r in emulator.query("DebtorInvoice")}
    assert posted == {"JD": "Jens Dahl", "AH": "Anne Hansen"}


def test_project_is_created_with_the_default_group_and_lines_carry_the_category(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    order = _held_order(emulator, sync_stack, "P-1", project=PROJECT,
                        lines=[{"text": "Årsafslutning"}, line("Afstemning"), line("Møde")])
    (project,) = emulator.query("Project", Number="P200")
    assert (project["Name"], project["Group"], project["Account"]) == (
        "Årsafslutning 2026", "STD", "1001")
    assert (order["Project"], order["PrCategory"]) == ("P200", "ACONTO")
    item_lines = [x for x in order["lines"] if x["Item"]]
    assert len(item_lines) == 2
    assert {(x["Project"], x["PrCategory"]) for x in item_lines} == {("P200", "ACONTO")}
    sync_stack.engine.post(invoice("P-1", project=PROJECT, lines=[
        {"text": "Årsafslutning"}, line("Afstemning"), line("Møde")]))
    (posted,) = emulator.query("DebtorInvoice")
    assert posted["Project"] == "P200"
    trans = emulator.query("InvTrans", InvoiceNumber=posted["InvoiceNumber"])
    assert {x["PrCategory"] for x in trans if x["Item"]} == {"ACONTO"}


def test_project_group_and_category_from_the_settings(make_stack: MakeStack,
                                                      emulator: EmulatorHandle) -> None:
    emulator.insert("ProjectGroup", {"_Group": "INT", "_Name": "Interne",
                                     "_RevenueAccount": "1010", "_SalesVat": "U25"})
    stack = make_stack(uniconta={"project_group": "INT", "project_category": "SALG"})
    stack.engine.post(invoice("P-1", project=PROJECT))
    (project,) = emulator.query("Project", Number="P200")
    assert project["Group"] == "INT"
    (posted,) = emulator.query("DebtorInvoice")
    trans = emulator.query("InvTrans", InvoiceNumber=posted["InvoiceNumber"])
    assert [x["PrCategory"] for x in trans] == ["SALG"]


def test_dimensions_follow_the_settings(make_stack: MakeStack,
                                        emulator: EmulatorHandle) -> None:
    # A company whose first dimension is the department and second the team.
    emulator.insert("GLDimType1", {"Dim": "Rådgivning", "Name": "Rådgivning"})
    emulator.insert("GLDimType2", {"Dim": "Team B", "Name": "Team B"})
    stack = make_stack(integration={"team_dimension": 2, "department_dimension": 1,
                                    "division_dimension": 3})
    order = _held_order(emulator, stack, "X-1", team="Team B", department="Rådgivning",
                        division="Vest")
    assert (order["Dimension1"], order["Dimension2"], order["Dimension3"]) == (
        "Rådgivning", "Team B", "Vest")
    assert [(x["Dimension1"], x["Dimension2"], x["Dimension3"]) for x in order["lines"]] == [
        ("Rådgivning", "Team B", "Vest")]
    stack.engine.post(invoice("X-1", team="Team B", department="Rådgivning", division="Vest"))
    (posted,) = emulator.query("DebtorInvoice")
    assert (posted["Dimension1"], posted["Dimension2"], posted["Dimension3"]) == (
        "Rådgivning", "Team B", "Vest")


def test_a_dimension_beyond_the_companys_dimensions_fails_with_the_fix(
        make_stack: MakeStack, emulator: EmulatorHandle) -> None:
    stack = make_stack(integration={"division_dimension": 4})
    with pytest.raises(SyncFailed) as failure:
        stack.engine.post(invoice("X-1", division="Øst"))
    message = str(failure.value)
    assert "integration.DivisionDimension: names a dimension beyond the 3 the Uniconta" \
        " company uses" in message
    assert emulator.query("DebtorOrder") == [] and emulator.query("Debtor") == []
    fixed = make_stack(integration={"division_dimension": 3})
    fixed.engine.post(invoice("X-1", division="Øst"))
    (posted,) = emulator.query("DebtorInvoice")
    assert posted["Dimension3"] == "Øst"


def test_a_customer_whose_number_changed_is_reported_not_created_twice(
        sync_stack: SyncStack, emulator: EmulatorHandle) -> None:
    sync_stack.engine.post(invoice("N-1", customer_data=customer("1077")))
    renumbered = customer("1078", source_id="C-1077")
    with pytest.raises(SyncFailed) as failure:
        sync_stack.engine.post(invoice("N-2", customer_data=renumbered))
    message = str(failure.value)
    assert "customer.customer_number: has changed since the customer (source id C-1077) was" \
        " synced as debtor 1077" in message
    assert "change debtor 1077's account to the new number in Uniconta" in message
    assert [r["Account"] for r in emulator.query("Debtor")] == ["1077"]
    assert len(emulator.query("DebtorInvoice")) == 1 and emulator.query("DebtorOrder") == []
    # Fixed in the source (number changed back): posted once, to the one debtor.
    sync_stack.engine.post(invoice("N-2", customer_data=customer("1077")))
    assert sorted(r["Account"] for r in emulator.query("DebtorInvoice")) == ["1077", "1077"]
