"""The doctor's check functions: one per rule, each small, reading the settings and Uniconta's
setup (through `SetupReader`: reads only) and answering a `Finding` in Danish and English."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from faktura import fik, payment_info
from faktura.identifiers import validate_bic, validate_cvr, validate_iban
from faktura.settings import CLIENTTIME_LAYOUT, LINE_KINDS, Settings
from issuing.doctor.findings import Context, Finding, Text, fail, ok, warn
from sync.uniconta.errors import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    TransportError,
    UnicontaError,
)
from sync.uniconta.setup import number_series
from sync.uniconta.wire import currency_code_to_byte, field

#: Fewer invoice numbers left than this before the FI payment ID (or the series) ends: a warning.
FEW_NUMBERS_LEFT = 1000
#: The tables a posting reads or writes (the rights rule reads each once).
POSTING_TABLES = ("Debtor", "Contact", "Employee", "Project", "DebtorOrder", "DebtorOrderLine",
                  "DebtorInvoice", "InvItem", "PaymentTerm", "PrCategory")


# --------------------------------------------------------------------------- small helpers


def _names(values: Sequence[str]) -> str:
    return ", ".join(values) if values else "-"


def _items_with_vat(settings: Settings) -> list[tuple[str, bool]]:
    """The `[products.*]` items: (item, with VAT), ProductNumber(ExVat) not repeated."""
    seen = {settings.integration.product_number, settings.integration.product_number_ex_vat}
    out: list[tuple[str, bool]] = []
    for kind in LINE_KINDS:
        products = settings.products.for_kind(kind)
        for item, with_vat in ((products.default, True), (products.default_ex_vat, False)):
            if item and item not in seen:
                seen.add(item)
                out.append((item, with_vat))
    return out


def _item_problems(ctx: Context, item: str, with_vat: bool, row: dict | None) -> list[Text]:
    """Why an item cannot carry the lines it is meant for (empty: it can)."""
    if row is None:
        return [Text(f"vare {item} findes ikke", f"item {item} does not exist")]
    problems = []
    if field(row, "Blocked"):
        problems.append(Text(f"vare {item} er spærret", f"item {item} is blocked"))
    decimals = field(row, "Decimals")
    if decimals != 2:
        problems.append(Text(f"vare {item} har {decimals} decimaler, ikke 2",
                             f"item {item} has {decimals} decimals, not 2"))
    group_name = field(row, "Group")
    group = ctx.reader.by_key("InvGroup", "Group").get(str(group_name or ""))
    if group is None:
        problems.append(Text(f"vare {item}: varegruppe {group_name or '(ingen)'} findes ikke",
                             f"item {item}: item group {group_name or '(none)'} does not exist"))
        return problems
    account_no = str(field(group, "RevenueAccount") or "")
    account = ctx.reader.by_key("GLAccount", "Account").get(account_no)
    if account is None:
        problems.append(Text(
            f"varegruppe {group_name} bogfører ikke på en finanskonto der findes"
            f" ({account_no or 'ingen konto'})",
            f"item group {group_name} posts to no existing GL account"
            f" ({account_no or 'no account'})"))
        return problems
    group_vat = field(group, "SalesVat")
    account_vat = field(account, "Vat")
    account_no_vat = field(account, "MandatoryTax") == "NoVat"
    if with_vat and not (group_vat and not account_no_vat):
        problems.append(Text(
            f"varegruppe {group_name} skal have salgsmoms og bogføre på en finanskonto med moms"
            f" (konto {account_no}: {account_vat or 'uden moms'})",
            f"item group {group_name} must have sales VAT and post to a GL account with VAT"
            f" (account {account_no}: {account_vat or 'without VAT'})"))
    if not with_vat and (group_vat or account_vat):
        problems.append(Text(
            f"varegruppe {group_name} skal være uden moms og bogføre på en finanskonto uden"
            f" moms (gruppe: {group_vat or '-'}, konto {account_no}: {account_vat or '-'})",
            f"item group {group_name} must be without VAT and post to a GL account without VAT"
            f" (group: {group_vat or '-'}, account {account_no}: {account_vat or '-'})"))
    return problems


def _items_finding(ctx: Context, wanted: Sequence[tuple[str, bool]]) -> Finding:
    rows = ctx.reader.items([item for item, _ in wanted])
    problems = [p for item, vat in wanted for p in _item_problems(ctx, item, vat, rows.get(item))]
    if problems:
        return fail("; ".join(p.da for p in problems), "; ".join(p.en for p in problems))
    da = ", ".join(f"{item} ({'med' if vat else 'uden'} moms, 2 decimaler, gruppe"
                   f" {field(rows[item], 'Group')})" for item, vat in wanted)
    en = ", ".join(f"{item} ({'with' if vat else 'without'} VAT, 2 decimals, group"
                   f" {field(rows[item], 'Group')})" for item, vat in wanted)
    return ok(da, en)


def _dimensions_used(settings: Settings) -> dict[str, int]:
    return {name: n for name, n in settings.integration.dimension_of.items() if n}


def _dimension_values(ctx: Context, number: int) -> dict[str, str]:
    """Key → name of the values of dimension `number` (GLDimType<n>)."""
    return {str(field(r, "Dim")): str(field(r, "Name") or "")
            for r in ctx.reader.rows(f"GLDimType{number}")}


_DIM_DA = {"team": "Hold (Team)", "department": "Afdeling (Department)",
           "division": "Division"}


# --------------------------------------------------------------------------- the checks


def check_collection(ctx: Context) -> Finding:
    """The Collection's members that must have a value have one (the settings refuse most
    gaps already; an empty Password or a blank text is what can still slip through)."""
    integration = ctx.settings.integration
    clienttime = integration.use_time_view_invoice == CLIENTTIME_LAYOUT
    members = {"Username": integration.username,
               "Password": integration.password.get_secret_value(),
               "Company": integration.company,
               "ProductNumber": integration.product_number,
               "ProductNumberExVat": integration.product_number_ex_vat,
               **({"FiCreditorNumber": integration.fi_creditor_number,
                   "PaymentInfo": integration.payment_info} if clienttime else {})}
    empty = [name for name, value in members.items() if not (value or "").strip()]
    if empty:
        return fail(f"uden værdi: {_names(empty)}", f"without a value: {_names(empty)}")
    if not integration.footer_text.strip():
        return warn("FooterText er tom (fakturaen får ingen sidefod)",
                    "FooterText is empty (the invoice gets no footer)")
    return ok(f"udfyldt: {_names(list(members))}", f"filled in: {_names(list(members))}")


def check_login(ctx: Context) -> Finding:
    login = ctx.settings.integration.username
    try:
        companies = ctx.reader.companies()
        if companies is None:  # a gateway without the extension: a read proves the login
            ctx.reader.probe("DebtorGroup")
    except AuthenticationError as error:
        code = getattr(error, "code", None) or f"HTTP {error.status_code}"
        return fail(f"Uniconta afviste login {login!r} ({code})",
                    f"Uniconta refused the login {login!r} ({code})")
    except TransportError as error:
        return fail(f"Uniconta svarede ikke: {error}", f"Uniconta did not answer: {error}")
    return ok(f"login {login!r} accepteret", f"login {login!r} accepted")


def check_company(ctx: Context) -> Finding:
    wanted = ctx.settings.uniconta.company_id or ctx.settings.integration.company
    try:
        info = ctx.reader.company()
    except (NotFoundError, ConfigurationError) as error:
        detail = str(error).split(": ", 1)[-1]
        return fail(f"regnskabet {wanted!r} blev ikke fundet ({detail})",
                    f"company {wanted!r} was not found ({detail})")
    if ctx.settings.uniconta.company_id:
        return ok(f"regnskab {info.company_id} ({info.name or 'uden navn'})",
                  f"company {info.company_id} ({info.name or 'no name'})")
    if info.name != ctx.settings.integration.company:
        return warn(f"fundet som {info.name!r} (store/små bogstaver afviger fra Company)",
                    f"found as {info.name!r} (the case differs from Company)")
    return ok(f"{info.name!r} (id {info.company_id})", f"{info.name!r} (id {info.company_id})")


def check_rights(ctx: Context) -> Finding:
    denied = []
    for table in POSTING_TABLES:
        try:
            ctx.reader.probe(table)
        except UnicontaError as error:
            if not error.code.startswith("NoRights"):
                raise
            denied.append(table)
    if denied:
        return fail(f"ingen rettigheder til: {_names(denied)}", f"no rights to: {_names(denied)}")
    return ok(f"læser {len(POSTING_TABLES)} tabeller som bogføringen bruger; skrivning prøves"
              " ikke (doktoren læser kun)",
              f"reads the {len(POSTING_TABLES)} tables posting uses; writing is not tried"
              " (the doctor only reads)")


def check_product_number(ctx: Context) -> Finding:
    return _items_finding(ctx, [(ctx.settings.integration.product_number, True)])


def check_product_number_ex_vat(ctx: Context) -> Finding:
    return _items_finding(ctx, [(ctx.settings.integration.product_number_ex_vat, False)])


def check_products(ctx: Context) -> Finding:
    wanted = _items_with_vat(ctx.settings)
    if not wanted:
        return ok("ingen egne varer i [products.*]: ProductNumber og ProductNumberExVat bruges",
                  "no items of their own in [products.*]: ProductNumber and"
                  " ProductNumberExVat are used")
    return _items_finding(ctx, wanted)


def check_customer_group(ctx: Context) -> Finding:
    groups = ctx.reader.by_key("DebtorGroup", "Group")
    group = ctx.settings.uniconta.debtor_group
    if group not in groups:
        return fail(f"kundegruppe {group!r} findes ikke (Uniconta har: {_names(sorted(groups))})",
                    f"customer group {group!r} does not exist (Uniconta has:"
                    f" {_names(sorted(groups))})")
    if "1" not in groups:
        return warn(f"kundegruppe {group!r} findes; gruppe \"1\" findes ikke, så en blank gruppe"
                    " i ClientTime virker ikke", f"customer group {group!r} exists; group \"1\""
                    " does not, so a blank group in ClientTime does not work")
    return ok(f"kundegruppe {group!r} findes; \"1\" findes (blank gruppe i ClientTime virker)",
              f"customer group {group!r} exists; \"1\" exists (a blank group in ClientTime"
              " works)")


def check_dimensions(ctx: Context) -> Finding:
    used = _dimensions_used(ctx.settings)
    if not used:
        return ok("ingen dimensioner sat (Team/Department/DivisionDimension = 0)",
                  "no dimensions set (Team/Department/DivisionDimension = 0)")
    info = ctx.reader.company()
    switched_on = info.number_of_dimensions
    if switched_on is None:
        return warn("Uniconta oplyser ikke hvor mange dimensioner der er slået til",
                    "Uniconta does not say how many dimensions are switched on")
    too_high = [f"{name.capitalize()}Dimension = {n}" for name, n in used.items()
                if n > switched_on]
    if too_high:
        return fail(f"{_names(too_high)}, men regnskabet har {switched_on} dimensioner slået til",
                    f"{_names(too_high)}, but the company has {switched_on} dimensions"
                    " switched on")
    single = [f"{name.capitalize()}Dimension = {n}" for name, n in used.items()
              if len(_dimension_values(ctx, n)) <= 1]
    names = info.dimension_names
    described = [f"{name} → Dim{n} {names[n - 1] if n <= len(names) else ''}".rstrip()
                 for name, n in used.items()]
    if single:
        return warn(f"{_names(single)} har højst én værdi: sæt den til 0 i ClientTime",
                    f"{_names(single)} has one value at most: set it to 0 in ClientTime")
    return ok(f"slået til: {_names(described)}", f"switched on: {_names(described)}")


def check_dimension_values(ctx: Context) -> Finding:
    used = _dimensions_used(ctx.settings)
    if not used:
        return ok("ingen dimensioner sat", "no dimensions set")
    known = {name: _dimension_values(ctx, n) for name, n in used.items()}
    if ctx.source is None:
        differing = [f"Dim{used[name]} {key}={value}" for name, values in known.items()
                     for key, value in values.items() if key != value]
        if differing:
            return warn(f"nøgle og navn er forskellige: {_names(differing)}",
                        f"key and name differ: {_names(differing)}")
        return ok("alle værdier har samme nøgle og navn (ingen fakturaer givet: --source)",
                  "every value has the same key and name (no invoices given: --source)")
    problems: list[Text] = []
    seen: set[tuple[str, str]] = set()
    for invoice in ctx.source:
        for name in used:
            value = getattr(invoice, name, None)
            if not value or (name, value) in seen:
                continue
            seen.add((name, value))
            if value not in known[name]:
                problems.append(Text(f"{_DIM_DA[name]} {value!r} findes ikke i Dim{used[name]}",
                                     f"{name} {value!r} does not exist in Dim{used[name]}"))
            elif known[name][value] != value:
                problems.append(Text(
                    f"{_DIM_DA[name]} {value!r} hedder {known[name][value]!r} i Uniconta",
                    f"{name} {value!r} is named {known[name][value]!r} in Uniconta"))
    if problems:
        return fail("; ".join(p.da for p in problems), "; ".join(p.en for p in problems))
    values = _names(sorted(v for _, v in seen))
    return ok(f"fakturaernes værdier findes med samme nøgle og navn: {values}",
              f"the invoices' values exist with the same key and name: {values}")


def check_number_series(ctx: Context) -> Finding:
    settings = ctx.settings
    group = ctx.reader.by_key("DebtorGroup", "Group").get(settings.uniconta.debtor_group)
    if group is None:
        return warn("ikke tjekket: kundegruppen findes ikke", "not checked: no customer group")
    name = field(group, "InvoiceSerie")
    if not name:
        return fail(f"kundegruppe {settings.uniconta.debtor_group!r} har ingen"
                    " fakturanummerserie", f"customer group {settings.uniconta.debtor_group!r}"
                    " has no invoice number series")
    serie = number_series(ctx.reader, str(name))
    if serie is None or serie.blocked:
        state = "findes ikke" if serie is None else "er spærret"
        state_en = "does not exist" if serie is None else "is blocked"
        return fail(f"fakturanummerserie {name!r} {state}", f"invoice number series {name!r}"
                    f" {state_en}")
    limits = [serie.last_value] if serie.last_value else []
    digits = _payment_id_digits(ctx)
    if digits is not None:
        limits.append(10 ** digits - 1)
    end = min(limits) if limits else None
    card = settings.layout.fi_card_type
    fits_da = f"; et kortart {card}-betalings-ID rummer {digits} cifre" if digits else ""
    fits_en = f"; a type {card} payment ID holds {digits} digits" if digits else ""
    if end is not None and serie.next > end:
        return fail(f"serie {name}: næste nummer {serie.next} passer ikke{fits_da}",
                    f"series {name}: the next number {serie.next} does not fit{fits_en}")
    if end is None:
        return ok(f"serie {name}: næste nummer {serie.next}, ingen slutværdi",
                  f"series {name}: next number {serie.next}, no last value")
    left = end - serie.next + 1
    found_da = f"serie {name}: næste nummer {serie.next}, {left} fakturaer tilbage{fits_da}"
    found_en = f"series {name}: next number {serie.next}, {left} invoices left{fits_en}"
    return (warn if left < FEW_NUMBERS_LEFT else ok)(found_da, found_en)


def _payment_id_digits(ctx: Context) -> int | None:
    """How many digits of the invoice number the printed FI payment ID holds (None: none)."""
    settings = ctx.settings
    card = fik.cards.get(settings.layout.fi_card_type)
    if card.invoice_digits is None:
        return None
    if settings.integration.use_time_view_invoice == CLIENTTIME_LAYOUT:
        return card.invoice_digits
    # Uniconta's layout: its FIK setup puts FIKDebtorIdPart digits of the debtor first.
    debtor_part = ctx.reader.company_value("FIKDebtorIdPart")
    return card.invoice_digits - int(debtor_part or 0)


def check_terms_of_payment(ctx: Context) -> Finding:
    days = ctx.settings.integration.terms_of_payment
    terms = ctx.reader.rows("PaymentTerm")
    matching = [str(field(t, "Payment")) for t in terms if field(t, "Days") == days]
    if not matching:
        known = _names([f"{field(t, 'Payment')} ({field(t, 'Days')})" for t in terms])
        return fail(f"ingen betalingsbetingelse på {days} dage (Uniconta har: {known})",
                    f"no payment term of {days} days (Uniconta has: {known})")
    return ok(f"{days} dage: {_names(matching)}", f"{days} days: {_names(matching)}")


def check_vat_percentage(ctx: Context) -> Finding:
    wanted = ctx.settings.integration.vat_percentage
    item = ctx.reader.items([ctx.settings.integration.product_number]).get(
        ctx.settings.integration.product_number)
    group = ctx.reader.by_key("InvGroup", "Group").get(str(field(item, "Group") or ""))
    code = field(group, "SalesVat") if group else None
    vat = ctx.reader.by_key("GLVat", "Vat").get(str(code)) if code else None
    if vat is None:
        return warn("ikke tjekket: ProductNumber har ingen momskode",
                    "not checked: ProductNumber has no VAT code")
    try:
        rate = Decimal(str(field(vat, "Rate")))
    except InvalidOperation:
        rate = None
    if rate != wanted:
        return fail(f"VatPercentage er {wanted}, momskode {code} har {rate} %",
                    f"VatPercentage is {wanted}, VAT code {code} has {rate} %")
    return ok(f"{wanted} % = momskode {code}", f"{wanted} % = VAT code {code}")


def check_currencies(ctx: Context) -> Finding:
    home = ctx.reader.company().currency or "DKK"
    used: set[str] = set()
    if ctx.source is not None:
        for invoice in ctx.source:
            used.add(invoice.currency_code)
            if invoice.customer.currency_code:
                used.add(invoice.customer.currency_code)
    else:
        used.update(str(field(d, "Currency")) for d in ctx.reader.rows("Debtor")
                    if field(d, "Currency"))
    rates = {str(field(r, "Currency")) for r in ctx.reader.rows("ExchangeRate")}
    missing = []
    for code in sorted(used - {home}):
        try:
            currency_code_to_byte(code)
        except ConfigurationError:
            missing.append(code)
            continue
        if code not in rates:
            missing.append(code)
    where_da = "fakturaerne" if ctx.source is not None else "debitorerne i Uniconta"
    where_en = "the invoices" if ctx.source is not None else "the debtors in Uniconta"
    if missing:
        return fail(f"{where_da} bruger {_names(missing)}, som ikke er oprettet i Uniconta",
                    f"{where_en} use {_names(missing)}, not created in Uniconta")
    return ok(f"{where_da} bruger {_names(sorted(used | {home}))}; alle findes",
              f"{where_en} use {_names(sorted(used | {home}))}; all exist")


def check_fi_creditor(ctx: Context) -> Finding:
    number = ctx.settings.integration.fi_creditor_number
    if number is None:
        if ctx.settings.integration.use_time_view_invoice == CLIENTTIME_LAYOUT:
            return fail("FiCreditorNumber mangler", "FiCreditorNumber is missing")
        return ok("ikke sat (Uniconta layout)", "not set (Uniconta layout)")
    try:
        fik.creditor.validate(number)
    except fik.FikError as error:
        return fail(str(error), str(error))
    in_uniconta = ctx.reader.company_value("FIK")
    if in_uniconta and fik.creditor.compact(str(in_uniconta)) != number:
        return warn(f"{number}, men Uniconta's FIK opsætning har {in_uniconta}",
                    f"{number}, but Uniconta's FIK setup has {in_uniconta}")
    soft = fik.creditor.warnings(number)
    if soft:
        return warn(f"{number}: {'; '.join(soft)}", f"{number}: {'; '.join(soft)}")
    return ok(f"{number} (8 cifre)", f"{number} (8 digits)")


def check_uniconta_fik(ctx: Context) -> Finding:
    if ctx.settings.integration.use_time_view_invoice == CLIENTTIME_LAYOUT:
        return ok("ikke nødvendig: ClientTime layout beregner FIK koden (UseTimeViewInvoice = 1)",
                  "not needed: the ClientTime layout computes the FI line"
                  " (UseTimeViewInvoice = 1)")
    value = ctx.reader.company_value("FIK")
    if not value or not fik.creditor.is_valid(str(value)):
        return fail("Uniconta layout (UseTimeViewInvoice = 0), men regnskabet har ingen FIK"
                    " opsætning", "Uniconta layout (UseTimeViewInvoice = 0), but the company"
                    " has no FIK setup")
    part = ctx.reader.company_value("FIKDebtorIdPart") or 0
    return ok(f"FIK {value}, {part} debitorcifre i betalings-ID",
              f"FIK {value}, {part} debtor digits in the payment ID")


def check_timelog_central(ctx: Context) -> Finding:
    u = ctx.settings.uniconta
    wanted = [("DebtorGroup", "Group", u.debtor_group, "debtor_group"),
              ("PaymentTerm", "Payment", u.payment_terms, "payment_terms"),
              ("DebtorLayoutGroup", "Name", u.layout_group, "layout_group"),
              ("ProjectGroup", "Group", u.project_group, "project_group"),
              ("PrCategory", "Number", u.project_category, "project_category")]
    missing, found = [], [f"vat_zone {u.vat_zone}"]
    for table, key, value, setting in wanted:
        if not value:
            continue
        if value in ctx.reader.by_key(table, key):
            found.append(f"{setting} {value}")
        else:
            missing.append(f"{setting} = {value!r} ({table})")
    if missing:
        return fail(f"findes ikke i Uniconta: {_names(missing)}",
                    f"not in Uniconta: {_names(missing)}")
    return ok(f"findes: {_names(found)}", f"exist: {_names(found)}")


def check_seller_identifiers(ctx: Context) -> Finding:
    seller = ctx.settings.seller
    problems: list[str] = []
    for label, value, check in (("CVR", seller.cvr, validate_cvr),
                                ("IBAN", seller.iban, validate_iban),
                                ("BIC", seller.bic, validate_bic)):
        if value:
            try:
                check(value)
            except ValueError as error:
                problems.append(f"{label}: {error}")
    if problems:
        return fail("; ".join(problems), "; ".join(problems))
    if not (seller.iban or seller.bank_reg_no):
        return warn("hverken IBAN eller reg.nr. + konto: kun FI-betaling er mulig",
                    "neither IBAN nor reg. no. + account: payers can pay by FI only")
    differ = []
    company = {name: ctx.reader.company_value(name) for name in ("Id", "IBAN", "NationalBank")}
    if company["Id"] and _digits(company["Id"]) != seller.cvr:
        differ.append(f"CVR {company['Id']}")
    if company["IBAN"] and seller.iban and _compact(company["IBAN"]) != seller.iban:
        differ.append(f"IBAN {company['IBAN']}")
    bank = f"{seller.bank_reg_no or ''}{seller.bank_account or ''}"
    if company["NationalBank"] and bank and _digits(company["NationalBank"]) != bank:
        differ.append(f"bank {company['NationalBank']}")
    if differ:
        return warn(f"Uniconta's firmaoplysninger afviger: {_names(differ)}",
                    f"Uniconta's company information differs: {_names(differ)}")
    iban = ["IBAN/BIC"] if seller.iban else []
    bank_da = ["reg.nr. + konto"] if seller.bank_reg_no else []
    bank_en = ["reg. no. + account"] if seller.bank_reg_no else []
    return ok(f"gyldige: {_names(['CVR', *iban, *bank_da])}; som i Uniconta",
              f"valid: {_names(['CVR', *iban, *bank_en])}; as in Uniconta")


def check_payment_info(ctx: Context) -> Finding:
    seller = ctx.settings.seller
    texts = {"PaymentInfo": ctx.settings.integration.payment_info,
             "layout.en.payment_info": ctx.settings.layout.en.payment_info or ""}
    problems = [(where, problem) for where, text in texts.items()
                for problem in payment_info.problems(text, seller.iban, seller.bic,
                                                     seller.bank_reg_no, seller.bank_account)]
    if problems:
        return fail("; ".join(f"{where}: bankoplysningerne passer ikke med [seller] ({problem})"
                              for where, problem in problems),
                    "; ".join(f"{where}: {problem}" for where, problem in problems))
    return ok("betalingsoplysningerne stemmer med sælgerens bank",
              "the printed payment info agrees with the seller's bank")


def check_webhook(ctx: Context) -> Finding:
    uniconta = ctx.settings.uniconta
    if not (uniconta.post_as_drafts or uniconta.issue_uniconta_invoices):
        return ok("ikke nødvendig: Faktura bogfører selv fakturaerne",
                  "not needed: Faktura books the invoices itself")
    hooks = [row for row in ctx.reader.rows("TableChangeEvent")
             if "/v1/uniconta/events/" in str(row.get("Url") or "")]
    if hooks and uniconta.webhook_token is not None:
        return ok(f"webhook registreret ({len(hooks)})", f"webhook registered ({len(hooks)})")
    if uniconta.follow_in_server:
        return ok(f"polling i faktura serve hvert {uniconta.follow_interval}. sekund",
                  f"faktura serve polls every {uniconta.follow_interval} s")
    return warn("hverken webhook eller polling i faktura serve: bogførte fakturaer udstedes kun"
                " når `faktura follow` kører", "neither a webhook nor the poll in faktura serve:"
                " booked invoices are issued only while `faktura follow` runs")


def _digits(value: Any) -> str:
    return "".join(c for c in str(value) if c.isdigit())


def _compact(value: Any) -> str:
    return "".join(str(value).split()).upper()
