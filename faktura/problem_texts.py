"""The refusals' messages in the reader's language (the pages', and the command line's when the
settings say `[cli] language = "da"`).

Every refusal names its field (a path, the same in every language) and says what is wrong in
English (`faktura.errors.Problem`). The pages are Danish first: `in_language(message, "da")`
gives the Danish of the messages a bookkeeper meets — the checks before posting
(docs/refusals.md), the sync engine's refusals, Uniconta's refusals it names, and the model's
own field checks. In English, pydantic's own words ("Field required") become the pages'.
A message not in the table is shown as it is, never dropped.

>>> in_language("no line has a quantity, so there is nothing to book: give a line a"
...             " quantity, or do not issue the invoice", "da")
'ingen linje har et antal, så der er intet at bogføre: giv en linje et antal, eller ...'
>>> in_language("String should have at most 20 characters", "da")
'må højst have 20 tegn'
>>> in_language("String should have at most 20 characters", "en")
'may have at most 20 characters'
"""

from __future__ import annotations

import re
from typing import Any

#: Words that recur inside messages (the kind of a reference, a fix), English → Danish.
_WORDS = {
    "debtor group": "debitorgruppe", "payment term": "betalingsbetingelse",
    "layout group": "layoutgruppe", "team": "team", "department": "afdeling",
    "division": "division", "true": "sand", "false": "falsk", "with": "med",
    "without": "uden", "the line's item number": "linjens varenummer",
    "set it to 75 (payment IDs of up to 15 digits)": "sæt den til 75 (betalings-id på op til"
    " 15 cifre)",
    "restart this debtor group's invoice number series in Uniconta": "start debitorgruppens"
    " fakturanummerserie forfra i Uniconta",
    "issue date": "fakturadato", "due date": "forfaldsdato", "currency": "valuta",
    "net": "netto", "VAT": "moms", "total": "i alt",
    # Python's JSON reader
    "Expecting value": "forventede en værdi",
    "Expecting property name enclosed in double quotes":
        "forventede et feltnavn i dobbelte anførselstegn",
    "Expecting ',' delimiter": "forventede et komma",
    "Expecting ':' delimiter": "forventede et kolon",
    "Extra data": "mere efter JSON-værdien",
    "Unterminated string starting at": "en tekst slutter ikke",
    "Invalid control character at": "et ugyldigt kontroltegn",
    "Invalid \\escape": "en ugyldig \\-sekvens",
}

#: What to do about a Uniconta refusal (`sync.posting.engine._FIXES`), English → Danish.
_FIXES = {
    "the debtor is blocked in Uniconta; unblock it, then sync again":
        "debitoren er spærret i Uniconta; ophæv spærringen, og synkronisér igen",
    "an item on the invoice is blocked in Uniconta": "en vare på fakturaen er spærret i Uniconta",
    "the project is blocked in Uniconta": "projektet er spærret i Uniconta",
    "set uniconta.project_category to a Uniconta project category":
        "sæt uniconta.project_category til en projektkategori i Uniconta",
    "the team, department or division is not a value of that dimension in Uniconta; create it"
    " there or fix the invoice": "team, afdeling eller division er ikke en værdi af den"
    " dimension i Uniconta; opret den der, eller ret fakturaen",
    "the debtor group has no invoice number series in Uniconta":
        "debitorgruppen har ingen fakturanummerserie i Uniconta",
    "the debtor group's invoice number series is blocked in Uniconta":
        "debitorgruppens fakturanummerserie er spærret i Uniconta",
}


def _word(text: str) -> str:
    return _WORDS.get(text, text)


def _fix(text: str) -> str:
    if text.endswith(" in the settings"):
        return f"{text.removesuffix(' in the settings')} i indstillingerne"
    return _FIXES.get(text, _word(text))


# (English pattern, Danish) — the Danish may use the pattern's groups, each passed through
# `_word` (or `_fix` for a group named `fix`).
_DANISH: list[tuple[str, str]] = [
    (r"no line has a quantity, so there is nothing to book: give a line a quantity, or do not"
     r" issue the invoice",
     "ingen linje har et antal, så der er intet at bogføre: giv en linje et antal, eller"
     " udsted ikke fakturaen"),
    (r"the total is negative: issue a credit note \(type_code 381\) instead",
     "totalen er negativ: udsted en kreditnota (type_code 381) i stedet"),
    (r"is (?P<flag>true|false), but item (?P<item>\S+) is booked in Uniconta (?P<how>with|without)"
     r" VAT: fix the line's VAT flag or its item number",
     "er {flag}, men vare {item} bogføres i Uniconta {how} moms: ret linjens momsmarkering"
     " eller dens varenummer"),
    (r"names a credit note: a credit note credits an invoice",
     "angiver en kreditnota: en kreditnota krediterer en faktura"),
    (r"names an invoice of another customer: a credit note credits an invoice of its own"
     r" customer",
     "angiver en faktura til en anden kunde: en kreditnota krediterer en faktura til sin egen"
     " kunde"),
    (r"names no invoice the archive or Uniconta knows: a credit note credits an issued invoice;"
     r" give its invoice number",
     "angiver ingen faktura, arkivet eller Uniconta kender: en kreditnota krediterer en"
     " udstedt faktura; angiv dens fakturanummer"),
    (r"names an item Uniconta does not have(?P<since> \(item catalogue of [^)]*\))?: create it"
     r" in Uniconta \(then run `faktura import items`\) or fix (?P<fix>.+)",
     "angiver en vare, som Uniconta ikke har: opret den i Uniconta (og kør `faktura import"
     " items`), eller ret {fix}"),
    (r"names an item that is blocked in Uniconta; unblock it or choose another item",
     "angiver en vare, der er spærret i Uniconta; ophæv spærringen, eller vælg en anden vare"),
    (r"has more decimals than item (?P<item>\S+) allows in Uniconta \((?P<n>\d+)\), so Uniconta"
     r" would book another quantity; set the item up with 2 decimals \(the ClientTime guide"
     r" requires it\) or use another item",
     "har flere decimaler, end vare {item} tillader i Uniconta ({n}), så Uniconta ville bogføre"
     " et andet antal; opret varen med 2 decimaler (ClientTime-vejledningen kræver det), eller"
     " brug en anden vare"),
    (r"is not a unit the integration knows; use one of: (?P<units>.+)",
     "er ikke en enhed, integrationen kender; brug en af: {units}"),
    (r"holds a character the invoice cannot print \(character (?P<at>.+)\); remove or replace"
     r" it",
     "indeholder et tegn, fakturaen ikke kan skrive (tegn {at}); fjern eller erstat det"),
    (r"holds characters the invoice cannot print \(characters (?P<at>.+)\); remove or replace"
     r" it",
     "indeholder tegn, fakturaen ikke kan skrive (tegn {at}); fjern eller erstat dem"),
    (r"is not a currency Uniconta knows", "er ikke en valuta, Uniconta kender"),
    (r"is not a country this integration maps to Uniconta \(known: (?P<known>.+)\)",
     "er ikke et land, integrationen overfører til Uniconta (kendte: {known})"),
    (r"must contain digits only \(Uniconta debtor accounts\); change it in the source system",
     "må kun indeholde cifre (debitorkonti i Uniconta); ret det i kildesystemet"),
    (r"has (?P<n>\d+) digits; Uniconta allows at most (?P<max>\d+)",
     "har {n} cifre; Uniconta tillader højst {max}"),
    (r"names a dimension beyond the (?P<n>\d+) the Uniconta company uses, and the invoice has a"
     r" (?P<name>\w+): set it to a dimension of the company \(0: not posted\)",
     "angiver en dimension ud over de {n}, Uniconta-firmaet bruger, og fakturaen har en"
     " {name}: sæt den til en af firmaets dimensioner (0: overføres ikke)"),
    (r"names a project category Uniconta does not have",
     "angiver en projektkategori, Uniconta ikke har"),
    (r"must be set: an invoice with a project needs a project category, and Uniconta has no"
     r" on-account invoicing category",
     "skal udfyldes: en faktura med projekt kræver en projektkategori, og Uniconta har ingen"
     " acontofaktureringskategori"),
    (r"the invoice is due (?P<days>\d+) days after its issue date, and Uniconta has no payment"
     r" term of \d+ days, so Uniconta would book another due date than the invoice prints:"
     r" create one in Uniconta \(e\.g\. (?P<name>\S+)\), or change the due date /"
     r" TermsOfPayment",
     "fakturaen forfalder {days} dage efter fakturadatoen, og Uniconta har ingen"
     " betalingsbetingelse på {days} dage, så Uniconta ville bogføre en anden forfaldsdato,"
     " end fakturaen viser: opret en i Uniconta (f.eks. {name}), eller ret forfaldsdatoen /"
     " TermsOfPayment"),
    (r"has changed since the customer \(source id (?P<id>.+)\) was synced as debtor"
     r" (?P<old>\S+); .+",
     "er ændret, siden kunden (kilde-id {id}) blev overført som debitor {old}; ret debitor"
     " {old}s konto til det nye nummer i Uniconta (eller ret nummeret tilbage i"
     " kildesystemet), og synkronisér igen"),
    (r"is not today, and the Uniconta gateway has no date extension, so Uniconta would date"
     r" the invoice today; .+",
     "er ikke i dag, og Uniconta-gatewayen har ingen datoudvidelse, så Uniconta ville datere"
     " fakturaen i dag; bogfør den på fakturadatoen, eller brug en gateway med udvidelserne"),
    (r"names a (?P<what>debtor group|payment term|layout group) Uniconta does not have"
     r" \(Uniconta refused the debtor: FieldHasinvalidValue\): create it in Uniconta or name"
     r" another",
     "angiver en {what}, Uniconta ikke har (Uniconta afviste debitoren:"
     " FieldHasinvalidValue): opret den i Uniconta, eller angiv en anden"),
    (r"Uniconta's next invoice number has (?P<n>\d+) digits, more than the (?P<max>\d+) an FI"
     r" card (?P<card>\d+) payment ID holds, so the invoice could not carry its FI line:"
     r" (?P<fix>.+)",
     "Unicontas næste fakturanummer har {n} cifre, flere end de {max}, et betalings-id på"
     " FI-kort {card} kan rumme, så fakturaen kunne ikke bære sin FI-linje: {fix}"),
    (r"Uniconta refused it \((?P<code>\w+)\): (?P<fix>.+)",
     "Uniconta afviste den ({code}): {fix}"),
    (r"Uniconta refused it \((?P<code>\w+)\)", "Uniconta afviste den ({code})"),
    # What a bookkeeper changed in Uniconta against Faktura's draft (`faktura.booking`).
    (r"line added or changed in Uniconta: (?P<line>.+)",
     "linje tilføjet eller ændret i Uniconta: {line}"),
    (r"line of the source not booked: (?P<line>.+)", "kildens linje ikke bogført: {line}"),
    (r"(?P<what>issue date|due date|currency|net|VAT|total): source (?P<ours>\S+), booked"
     r" (?P<theirs>\S+)", "{what}: kilden {ours}, bogført {theirs}"),
    (r"delivery.host is not set: e-mailing invoices needs an SMTP server in \[delivery\]",
     "delivery.host er ikke udfyldt: fakturaer sendes med e-mail gennem en SMTP-server i"
     " [delivery]"),
    (r"Not valid JSON: (?P<reason>.+) \(line (?P<line>\d+), column (?P<column>\d+)\)",
     "Ikke gyldig JSON: {reason} (linje {line}, kolonne {column})"),
    (r"not valid JSON \((?P<reason>.+?): line (?P<line>\d+) column (?P<column>\d+) \(char"
     r" \d+\)\)", "ikke gyldig JSON: {reason} (linje {line}, kolonne {column})"),
    # The model's own field checks (pydantic's words).
    (r"Field required", "skal udfyldes"),
    (r"String should have at most (?P<n>\d+) characters?", "må højst have {n} tegn"),
    (r"String should have at least (?P<n>\d+) characters?", "skal have mindst {n} tegn"),
    (r"List should have at least (?P<n>\d+) items? after validation, not \d+",
     "skal have mindst {n}"),
    (r"Decimal input should have no more than (?P<n>\d+) decimal places?",
     "må højst have {n} decimaler"),
    (r"must be a number written with the digits 0-9 and an optional decimal point",
     "skal være et tal skrevet med cifrene 0-9 og evt. et decimalpunktum"),
    (r"Input should be a valid date or datetime, .+",
     "skal være en gyldig dato (ÅÅÅÅ-MM-DD)"),
    (r"Input should be a valid date.*", "skal være en gyldig dato (ÅÅÅÅ-MM-DD)"),
    (r"Input should be a valid integer.*", "skal være et heltal"),
    (r"Input should be a valid (?:number|decimal).*", "skal være et tal"),
    (r"Input should be a valid boolean.*", "skal være true eller false"),
    (r"Input should be a valid string", "skal være en tekst"),
    (r"Input should be less than or equal to (?:Decimal\(')?(?P<n>[\d.]+)(?:'\))?",
     "må højst være {n}"),
    (r"Input should be greater than or equal to (?:Decimal\(')?(?P<n>[\d.]+)(?:'\))?",
     "skal være mindst {n}"),
    (r"Input should be greater than (?:Decimal\(')?(?P<n>[\d.]+)(?:'\))?",
     "skal være større end {n}"),
    (r"Extra inputs are not permitted", "er ikke et felt i en faktura"),
]
_COMPILED = [(re.compile(pattern, re.DOTALL), danish) for pattern, danish in _DANISH]

#: pydantic's own words in the pages' English (the API's problem+json keeps pydantic's).
_ENGLISH: list[tuple[str, str]] = [
    (r"Field required", "must be given"),
    (r"String should have at most (?P<n>\d+) characters?", "may have at most {n} characters"),
    (r"String should have at least (?P<n>\d+) characters?", "must have at least {n} characters"),
    (r"List should have at least (?P<n>\d+) items? after validation, not \d+",
     "must have at least {n}"),
    (r"Decimal input should have no more than (?P<n>\d+) decimal places?",
     "may have at most {n} decimals"),
    (r"Input should be a valid date.*", "must be a valid date (YYYY-MM-DD)"),
    (r"Input should be a valid integer.*", "must be a whole number"),
    (r"Input should be a valid (?:number|decimal).*", "must be a number"),
    (r"Input should be a valid boolean.*", "must be true or false"),
    (r"Input should be a valid string", "must be a text"),
    (r"Input should be less than or equal to (?:Decimal\(')?(?P<n>[\d.]+)(?:'\))?",
     "may be at most {n}"),
    (r"Input should be greater than or equal to (?:Decimal\(')?(?P<n>[\d.]+)(?:'\))?",
     "must be at least {n}"),
    (r"Input should be greater than (?:Decimal\(')?(?P<n>[\d.]+)(?:'\))?",
     "must be more than {n}"),
    (r"Extra inputs are not permitted", "is not a field of an invoice"),
]
_COMPILED_ENGLISH = [(re.compile(pattern, re.DOTALL), english)
                     for pattern, english in _ENGLISH]


def in_language(message: str, language: str) -> str:
    """`message` in `language` ("da" or "en"): its Danish when the table has it, and in
    English pydantic's words in ours; anything else as is."""
    if language != "da":
        for pattern, english in _COMPILED_ENGLISH:
            match = pattern.fullmatch(message)
            if match:
                return english.format(**match.groupdict())
        return message
    for pattern, danish in _COMPILED:
        match = pattern.fullmatch(message)
        if match:
            parts = {name: (_fix(value) if name == "fix" else _word(value))
                     for name, value in match.groupdict().items() if value is not None}
            return danish.format(**parts)
    return message


def results_in_language(record: dict[str, Any], language: str) -> dict[str, Any]:
    """A batch record as JSON (its `results`' `errors`) with each message in `language`."""
    for result in record.get("results") or []:
        for error in result.get("errors") or []:
            error["message"] = in_language(str(error.get("message", "")), language)
    return record
