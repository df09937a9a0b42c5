"""The pages' words in Danish and English (Danish first: the bookkeepers' language)."""

from __future__ import annotations

LANGUAGES = ("da", "en")

_TEXTS: dict[str, tuple[str, str]] = {
    "app": ("Faktura", "Faktura"),
    "sign_in": ("Log ind", "Sign in"),
    "sign_out": ("Log ud", "Sign out"),
    "api_key": ("API-nøgle", "API key"),
    "key_help": ("Nøglen kommer fra", "The key comes from"),
    "wrong_key": ("Forkert, ukendt eller tilbagekaldt nøgle.",
                  "Wrong, unknown or revoked key."),
    "busy": ("Der dannes mange dokumenter lige nu; prøv igen om {seconds} sekunder.",
             "Many documents are being rendered right now; try again in {seconds} seconds."),
    "locked": ("For mange forkerte nøgler herfra; prøv igen om {seconds} sekunder.",
               "Too many wrong keys from here; try again in {seconds} seconds."),
    "expired": ("Formularen var forældet; prøv igen.", "The form had expired; try again."),
    "archive": ("Arkiv", "Archive"),
    "preview": ("Forhåndsvisning", "Preview"),
    "batches": ("Kørsler", "Batches"),
    "api_docs": ("API-dokumentation", "API docs"),
    "search": ("Søg", "Search"),
    "search_help": ("Kundenavn eller fakturanummer", "Customer name or invoice number"),
    "number": ("Nummer", "Number"),
    "date": ("Dato", "Date"),
    "customer": ("Kunde", "Customer"),
    "total": ("Beløb", "Total"),
    "fik": ("FI-linje", "FI line"),
    "credit_note": ("kreditnota", "credit note"),
    "no_invoices": ("Ingen fakturaer matcher.", "No invoices match."),
    "previous": ("Forrige", "Previous"),
    "next": ("Næste", "Next"),
    "page": ("Side", "Page"),
    "tenant": ("Firma", "Firm"),
    "preview_help": ("Indsæt en faktura som JSON (vores format eller en TimeLog-eksport), eller"
                     " vælg en fil. Intet bogføres og intet arkiveres.",
                     "Paste an invoice as JSON (ours or a TimeLog export), or choose a file."
                     " Nothing is posted and nothing is archived."),
    "invoice": ("Faktura", "Invoice"),
    "invoice_json": ("Faktura (JSON)", "Invoice (JSON)"),
    "choose_file": ("Vælg fil", "Choose file"),
    "show_preview": ("Vis kladde", "Show draft"),
    "not_valid": ("Fakturaen er ikke gyldig:", "The invoice is not valid:"),
    "not_json": ("Ikke gyldig JSON", "Not valid JSON"),
    "open_pdf": ("Åbn PDF", "Open PDF"),
    "no_pdf_viewer": ("Browseren kan ikke vise PDF her; åbn den med linket ovenfor.",
                      "This browser cannot show the PDF here; open it with the link above."),
    "batch_help": ("Vælg fakturafiler (JSON), eller indsæt en JSON-liste af fakturaer. Hver"
                   " faktura bogføres én gang i Uniconta, dannes og arkiveres.",
                   "Choose invoice files (JSON), or paste a JSON list of invoices. Each is"
                   " posted to Uniconta once, rendered and archived."),
    "invoices_json": ("Fakturaer (JSON-liste)", "Invoices (JSON list)"),
    "start_batch": ("Start kørsel", "Start batch"),
    "batch": ("Kørsel", "Batch"),
    "status": ("Status", "Status"),
    "done_of": ("færdige af", "done of"),
    "issued": ("udstedt", "issued"),
    "already_issued": ("allerede udstedt", "already issued"),
    "failed": ("fejlet", "failed"),
    "print_file": ("Samlet printfil (PDF)", "Merged print file (PDF)"),
    "queued": ("i kø", "queued"),
    "running": ("kører", "running"),
    "done": ("færdig", "done"),
    "empty_batch": ("Angiv mindst én faktura.", "Give at least one invoice."),
    "not_list": ("Forventede en JSON-liste af fakturaer.", "Expected a JSON list of invoices."),
    "batch_quota": ("Der er ikke plads til flere kørsler lige nu; færdige kørsler slettes efter"
                    " en tid. Prøv igen senere.",
                    "There is no room for more batches now; finished batches are deleted after"
                    " a while. Try again later."),
    "not_found": ("Siden findes ikke.", "There is no such page."),
    "wrong_method": ("Siden kan ikke åbnes på den måde.", "This page cannot be opened that way."),
    "bad_address": ("Adressen er ikke gyldig:", "The address is not valid:"),
    "failed_status": ("Det lykkedes ikke (HTTP {status}).", "That did not work (HTTP {status})."),
    "language": ("English", "Dansk"),
    # the invoice page
    "credit_note_title": ("Kreditnota", "Credit note"),
    "payment": ("Betaling", "Payment"),
    "status_open": ("åben", "open"),
    "status_partly_paid": ("delvist betalt", "partly paid"),
    "status_paid": ("betalt", "paid"),
    "status_overdue": ("forfalden", "overdue"),
    "status_credited": ("krediteret", "credited"),
    "status_unknown": ("Ikke læst fra Uniconta endnu.", "Not read from Uniconta yet."),
    "amount_open": ("udestående", "outstanding"),
    "due": ("forfald", "due"),
    "files": ("Filer", "Files"),
    "pdf_not_kept": ("PDF i Unicontas layout, ikke gemt her",
                     "PDF in Uniconta's layout, not kept here"),
    "pdf_not_kept_help": ("Fakturaen er udstedt i Unicontas eget layout (UseTimeViewInvoice ="
                          " 0) over Unicontas REST API, som ikke kan hente den PDF. Arkivet"
                          " gemmer de bogførte data og e-fakturaen; send PDF'en fra Uniconta.",
                          "The invoice was issued in Uniconta's own layout (UseTimeViewInvoice"
                          " = 0) over Uniconta's REST API, which cannot read that PDF. The"
                          " archive keeps the booked data and the e-invoice; send the PDF from"
                          " Uniconta."),
    "einvoice_to": ("E-faktura", "E-invoice"),
    "einvoice_none": ("ingen", "none"),
    "einvoice_email": ("med e-mail (XML vedhæftet)", "by e-mail (XML attached)"),
    "einvoice_uniconta": ("Unicontas egen OIOUBL-afsendelse", "Uniconta's own OIOUBL sending"),
    "lines": ("Linjer", "Lines"),
    "text": ("Tekst", "Text"),
    "quantity": ("Antal", "Quantity"),
    "unit": ("Enhed", "Unit"),
    "unit_price": ("Stykpris", "Unit price"),
    "amount": ("Beløb", "Amount"),
    "net": ("I alt uden moms", "Total excl. VAT"),
    "vat": ("Moms", "VAT"),
    "gross": ("I alt", "Total"),
    "delivery": ("Afsendelse", "Delivery"),
    "email_to": ("E-mail til", "E-mail to"),
    "no_address": ("ingen adresse", "no address"),
    "never_sent": ("Ikke sendt endnu.", "Not sent yet."),
    "send_again": ("Send igen", "Send again"),
    "note_sent": ("Sendt.", "Sent."),
    "note_failed": ("Kunne ikke sendes; se loggen.", "Could not be sent; see the log."),
    "note_unconfirmed": ("Uvist om den nåede frem; se loggen.",
                         "Unknown whether it arrived; see the log."),
    "note_not_set_up": ("E-mail er ikke sat op ([delivery] i indstillingerne).",
                        "E-mail is not set up ([delivery] in the settings)."),
    "event_queued": ("i kø", "queued"),
    "event_sending": ("sender", "sending"),
    "event_retried": ("forsøgt igen", "retried"),
    "event_sent": ("sendt", "sent"),
    "event_failed": ("fejlet", "failed"),
    "event_interrupted": ("afbrudt", "interrupted"),
    "event_unconfirmed": ("ubekræftet", "unconfirmed"),
    "event_einvoice": ("e-faktura", "e-invoice"),
    "credits_invoice": ("Krediterer faktura", "Credits invoice"),
    "not_in_archive": ("ikke i arkivet", "not in the archive"),
    "credited_by": ("Krediteret af", "Credited by"),
    "credit_waiting": ("En kreditnota for fakturaen venter som kladde i Uniconta.",
                       "A credit note for this invoice waits as a draft in Uniconta."),
    "booked": ("Bogført i Uniconta", "Booked in Uniconta"),
    "booked_as_drafted": ("Udstedt som bogført; bogføringen svarer til Fakturas kladde.",
                          "Issued as booked; the booking matches Faktura's draft."),
    "actions": ("Handlinger", "Actions"),
    "credit_action": ("Kreditér fakturaen", "Credit this invoice"),
    "credit_title": ("Kreditér faktura {number}", "Credit invoice {number}"),
    "credit_help": ("Der udstedes en kreditnota, som krediterer hele fakturaen: samme kunde og"
                    " linjer, dateret i dag. Den bogføres i Uniconta, dannes og arkiveres som"
                    " enhver faktura.",
                    "A credit note crediting the whole invoice is issued: the same customer"
                    " and lines, dated today. It is posted to Uniconta, rendered and archived"
                    " like every invoice."),
    "credit_help_drafts": ("Kreditnotaen lægges som kladde (ordre) i Uniconta, som alle"
                           " fakturaer her. Den udstedes, når en bogholder bogfører den i"
                           " Uniconta; indtil da er intet bogført.",
                           "The credit note is left in Uniconta as a draft (an order), as every"
                           " invoice here is. It is issued once a bookkeeper books it in"
                           " Uniconta; until then nothing is booked."),
    "credit_confirm": ("Udsted kreditnotaen", "Issue the credit note"),
    "credit_confirm_drafts": ("Læg kreditnotaen i Uniconta", "Leave the credit note in Uniconta"),
    "cancel": ("Fortryd", "Cancel"),
    "credit_refused": ("Fakturaen kan ikke krediteres her:",
                       "The invoice cannot be credited here:"),
    "credit_refused_credited": ("Fakturaen er allerede krediteret med {credited} af {total}. En"
                                " fuld kreditnota mere ville kreditere mere end fakturaen.",
                                "The invoice is credited already: {credited} of {total}."
                                " Another full credit note would credit more than the"
                                " invoice."),
    "credit_refused_draft": ("En kreditnota for fakturaen venter allerede som kladde i"
                             " Uniconta; bogfør den dér.",
                             "A credit note for this invoice already waits as a draft in"
                             " Uniconta; book it there."),
    "note_credit_issued": ("Kreditnotaen er udstedt.", "The credit note is issued."),
    "note_credit_drafted": ("Kreditnotaen ligger nu som kladde i Uniconta. Faktura udsteder"
                            " den, når den er bogført dér.",
                            "The credit note is now a draft in Uniconta. Faktura issues it once"
                            " it is booked there."),
    # the archive's period view
    "date_from": ("Fra dato", "From date"),
    "date_to": ("Til dato", "To date"),
    "customer_number": ("Kundenummer", "Customer number"),
    "any_status": ("Alle", "All"),
    "status_unread": ("ikke læst fra Uniconta", "not read from Uniconta"),
    "show": ("Vis", "Show"),
    "clear_filters": ("Nulstil", "Clear"),
    "period": ("Perioden", "The period"),
    "count": ("Antal", "Count"),
    "export_csv": ("Hent som CSV (regneark)", "Download as CSV (spreadsheet)"),
    "uncomputed": ("Kunne ikke genberegnes (indstillingerne er ændret siden), så de tæller kun"
                   " med i beløbet i alt:",
                   "Could not be computed again (the settings changed since), so they count"
                   " in the total only:"),
    "bad_filter": ("Filteret er ikke gyldigt:", "The filter is not valid:"),
    "bad_date": ("skal være en dato (ÅÅÅÅ-MM-DD)", "must be a date (YYYY-MM-DD)"),
    # the batches list
    "new_batch": ("Ny kørsel", "New batch"),
    "past_batches": ("Tidligere kørsler", "Past batches"),
    "no_batches": ("Ingen kørsler endnu.", "No batches yet."),
    "started": ("Startet", "Started"),
    "invoices": ("Fakturaer", "Invoices"),
    "setup": ("Opsætning", "Setup"),
    "setup_help": ("Hver regel i integrationsvejledningerne (ClientTime og TimeLog) tjekket mod"
                   " Uniconta og indstillingerne lige nu. Der læses kun; intet skrives.",
                   "Every rule of the integration guides (ClientTime and TimeLog) checked"
                   " against Uniconta and the settings now. Only reads; nothing is written."),
    "setup_ok": ("Opsætningen er klar til fakturering.", "The setup is ready to invoice."),
    "setup_failed": ("Opsætningen skal rettes før fakturering.",
                     "The setup must be fixed before invoicing."),
    "setup_unreachable": ("Uniconta kunne ikke åbnes lige nu; prøv igen om lidt.",
                          "Uniconta could not be opened now; try again in a while."),
    "found": ("Fundet", "Found"),
    "fix": ("Ret", "Fix"),
    "status_ok": ("i orden", "fine"),
    "status_fail": ("fejl", "wrong"),
    "status_warn": ("advarsel", "warning"),
    "bookings": ("Bogføringer", "Bookings"),
    "bookings_help": ("Fakturaer bogført i Uniconta, som Faktura udsteder, når de bogføres.",
                      "Invoices booked in Uniconta, which Faktura issues once they are booked."),
    "attention": ("Kræver opmærksomhed", "Needs attention"),
    "attention_help": ("Bogført i Uniconta, men ikke udstedt; årsagen står ved hver faktura."
                       " Ret årsagen, og udsted den derefter med",
                       "Booked in Uniconta but not issued; the reason is given with each"
                       " invoice. Fix the reason, then issue it with"),
    "no_attention": ("Ingen bogførte fakturaer venter.", "No booked invoice is waiting."),
    "attempts": ("Forsøg", "Attempts"),
    "last_attempt": ("senest", "last"),
    "changed": ("Ændret i Uniconta", "Changed in Uniconta"),
    "changed_help": ("Udstedt som bogført. Bogholderen ændrede dette i forhold til Fakturas"
                     " kladde:", "Issued as booked. The bookkeeper changed this against"
                     " Faktura's draft:"),
    "no_changes": ("Ingen bogføring afviger fra sin kladde.",
                   "No booking differs from its draft."),
}


def texts(language: str) -> dict[str, str]:
    """Every text in `language` ("da" or "en"; anything else gives Danish)."""
    index = 1 if language == "en" else 0
    return {key: pair[index] for key, pair in _TEXTS.items()}


def pick_language(cookie: str | None, accept_language: str | None) -> str:
    """The cookie's choice, else the browser's first known language, else Danish."""
    if cookie in LANGUAGES:
        return cookie  # type: ignore[return-value]
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "da"
