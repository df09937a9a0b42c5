"""The doctor's table: every rule of the two integration guides, in the order they are checked,
with its title and fix in the guides' own words (Danish and English)."""

from __future__ import annotations

from issuing.doctor.checks import (
    check_collection,
    check_company,
    check_currencies,
    check_customer_group,
    check_dimension_values,
    check_dimensions,
    check_fi_creditor,
    check_login,
    check_number_series,
    check_payment_info,
    check_product_number,
    check_product_number_ex_vat,
    check_products,
    check_rights,
    check_seller_identifiers,
    check_terms_of_payment,
    check_timelog_central,
    check_uniconta_fik,
    check_vat_percentage,
    check_webhook,
)
from issuing.doctor.findings import Check, Rule, Text


def _rule(id: str, title: tuple[str, str], check: Check, fix: tuple[str, str],  # noqa: A002
          cheap: bool = False, blocks_all: bool = False) -> Rule:
    return Rule(id, Text(*title), check, Text(*fix), cheap, blocks_all)


RULES: tuple[Rule, ...] = (
    _rule("collection", ("Collection: de påkrævede medlemmer har en værdi", "Collection: the"
                         " required members have a value"), check_collection,
          ("Indsæt værdier for Collection's medlemmer i [integration] (Username, Password,"
           " Company, ProductNumber, ProductNumberExVat; med ClientTime layout også"
           " FiCreditorNumber og PaymentInfo) og tryk Save",
           "Fill in the Collection's members in [integration] (Username, Password, Company,"
           " ProductNumber, ProductNumberExVat; with the ClientTime layout also FiCreditorNumber"
           " and PaymentInfo) and press Save"), cheap=True, blocks_all=True),
    _rule("login", ("Log ind som Server-brugeren", "Log in as the Server user"), check_login,
          ("Opret en bruger med brugertype Server i regnskabet; sæt Username og Password"
           " (integration.username, integration.password) til dens login-id og kodeord"
           " (kodeordet helst i FAKTURA_INTEGRATION__PASSWORD); tjek uniconta.gateway_url",
           "Create a user of type Server in the company; set Username and Password"
           " (integration.username, integration.password) to its login id and password (the"
           " password preferably in FAKTURA_INTEGRATION__PASSWORD); check"
           " uniconta.gateway_url"),
          cheap=True, blocks_all=True),
    _rule("company", ("Regnskabet findes ved navn (Company)", "The company is found by name"
                      " (Company)"), check_company,
          ("Company skal være regnskabets navn præcis som i Uniconta (eller sæt"
           " uniconta.company_id); Server-brugeren SKAL være oprettet i det givne regnskab",
           "Company must be the company's name exactly as in Uniconta (or set"
           " uniconta.company_id); the Server user MUST be created in that company"),
          cheap=True, blocks_all=True),
    _rule("rights", ("Brugeren kan læse det bogføringen bruger", "The user can read what"
                     " posting uses"), check_rights,
          ("Giv Server-brugeren rettigheder til debitorer, kontakter, medarbejdere, projekter,"
           " salgsordrer, fakturaer, varer, betalingsbetingelser og projektkategorier",
           "Give the Server user rights to debtors, contacts, employees, projects, sales orders,"
           " invoices, items, payment terms and project categories"), blocks_all=True),
    _rule("product-number", ("ProductNumber: ydelse med moms", "ProductNumber: the item with"
                             " VAT"), check_product_number,
          ("Opret varen/ydelsen i Uniconta med 2 decimaler, ikke spærret, i en varegruppe med"
           " moms der bogføres på en finanskonto med moms; indsæt varenummeret i ProductNumber",
           "Create the item in Uniconta with 2 decimals, not blocked, in an item group with VAT"
           " that posts to a GL account with VAT; put its number in ProductNumber"),
          blocks_all=True),
    _rule("product-number-ex-vat", ("ProductNumberExVat: ydelse uden moms", "ProductNumberExVat:"
                                    " the item without VAT"), check_product_number_ex_vat,
          ("Opret varen/ydelsen i Uniconta med 2 decimaler, ikke spærret, i en varegruppe uden"
           " moms der bogføres på en finanskonto uden moms; indsæt varenummeret i"
           " ProductNumberExVat",
           "Create the item in Uniconta with 2 decimals, not blocked, in an item group without"
           " VAT that posts to a GL account without VAT; put its number in ProductNumberExVat")),
    _rule("products", ("Varerne i [products.*]", "The items of [products.*]"), check_products,
          ("Hver vare i [products.*] skal findes i Uniconta med 2 decimaler, ikke spærret, i en"
           " varegruppe med moms (default) eller uden moms (default_ex_vat)",
           "Every item of [products.*] must exist in Uniconta with 2 decimals, not blocked, in"
           " an item group with VAT (default) or without VAT (default_ex_vat)")),
    _rule("customer-group", ("Kundegruppe", "Customer group"), check_customer_group,
          ("Opret kundegruppen (uniconta.debtor_group) i Uniconta; navngiv den \"1\", så kan"
           " kundegruppen i ClientTime være blank",
           "Create the customer group (uniconta.debtor_group) in Uniconta; name it \"1\" and the"
           " customer group in ClientTime may be left blank")),
    _rule("dimensions", ("Dimensioner slået til", "Dimensions switched on"), check_dimensions,
          ("Slå dimensionerne til i Uniconta (Firma → Dimensioner), eller sæt Team-, Department-"
           " og DivisionDimension til 0; med kun én værdi sættes værdien i ClientTime = \"0\"",
           "Switch the dimensions on in Uniconta (Company → Dimensions), or set Team-,"
           " Department- and DivisionDimension to 0; with one value only, set it to \"0\" in"
           " ClientTime")),
    _rule("dimension-values", ("Dimensionsværdier: samme nøgle og navn", "Dimension values: the"
                               " same key and name"), check_dimension_values,
          ("Opret hver værdi fra ClientTime (hold, afdeling) i Uniconta med nøgle og navn ens"
           " med ClientTime's valgmuligheder",
           "Create each value ClientTime uses (team, department) in Uniconta with key and name"
           " equal to ClientTime's choices")),
    _rule("number-series", ("Fakturanummerserie", "Invoice number series"),
          check_number_series,
          ("Sæt en fakturanummerserie op i Uniconta på kundegruppen; næste nummer skal kunne stå"
           " i FI betalings-ID'et (kortart 71: 14 cifre, 75: 15 cifre)",
           "Set up an invoice number series in Uniconta on the customer group; its next number"
           " must fit the FI payment ID (card type 71: 14 digits, 75: 15 digits)"),
          blocks_all=True),
    _rule("terms-of-payment", ("TermsOfPayment matcher en betalingsbetingelse", "TermsOfPayment"
                               " matches a payment term"), check_terms_of_payment,
          ("Opret en betalingsbetingelse i Uniconta med det antal dage TermsOfPayment angiver"
           " (eks. 8), eller ret TermsOfPayment",
           "Create a payment term in Uniconta with the days TermsOfPayment gives (e.g. 8), or fix"
           " TermsOfPayment")),
    _rule("vat-percentage", ("VatPercentage = momskodens sats", "VatPercentage = the VAT code's"
                             " rate"), check_vat_percentage,
          ("Sæt VatPercentage til standard moms (aktuelt 25), samme sats som momskoden på"
           " varegruppen med moms",
           "Set VatPercentage to the standard VAT (currently 25), the rate of the VAT code on"
           " the item group with VAT")),
    _rule("currencies", ("Valutaer findes i Uniconta", "Currencies exist in Uniconta"),
          check_currencies,
          ("Opret hver valuta der bruges i TimeLog/ClientTime i Uniconta (med valutakurs);"
           " TimeLog opretter dem ikke selv",
           "Create every currency used in TimeLog/ClientTime in Uniconta (with an exchange"
           " rate); TimeLog does not create them")),
    _rule("fi-creditor", ("FiCreditorNumber: 8-cifret FIK nummer", "FiCreditorNumber: the"
                          " 8-digit FI creditor number"), check_fi_creditor,
          ("Indsæt det 8-cifrede FIK nummer fra aftalen med banken i FiCreditorNumber",
           "Put the 8-digit FI creditor number of the bank agreement in FiCreditorNumber")),
    _rule("uniconta-fik", ("FIK opsætning i Uniconta (Uniconta layout)", "FIK setup in Uniconta"
                           " (Uniconta layout)"), check_uniconta_fik,
          ("Med UseTimeViewInvoice = 0 skal FIK opsætningen sættes op i Uniconta (eks."
           " +71<004040400000669+12345678<); vi anbefaler ClientTime layout",
           "With UseTimeViewInvoice = 0 the FIK setup must be made in Uniconta (e.g."
           " +71<004040400000669+12345678<); we recommend the ClientTime layout")),
    _rule("timelog-central", ("TimeLog's centrale værdier findes", "TimeLog's central values"
                              " exist"), check_timelog_central,
          ("Opret debitorgruppe, betalingsbetingelse, layoutgruppe, projektgruppe og"
           " projektkategori i Uniconta som sat i [uniconta], eller ret [uniconta]",
           "Create the debtor group, payment terms, layout group, project group and project"
           " category in Uniconta as set in [uniconta], or fix [uniconta]")),
    _rule("seller-identifiers", ("Sælgerens CVR, IBAN/BIC, reg.nr. + konto", "The seller's CVR,"
                                 " IBAN/BIC, reg. no. + account"), check_seller_identifiers,
          ("Ret [seller] (cvr, iban, bic, bank_reg_no, bank_account) så de er gyldige og som i"
           " Uniconta's firmaoplysninger",
           "Fix [seller] (cvr, iban, bic, bank_reg_no, bank_account) so they are valid and as in"
           " Uniconta's company information")),
    _rule("payment-info", ("Betalingsinfo stemmer med banken", "Payment info agrees with the"
                           " bank"), check_payment_info,
          ("Ret PaymentInfo (og [layout.en] payment_info) så IBAN, reg.nr. og konto er dem i"
           " [seller]",
           "Fix PaymentInfo (and [layout.en] payment_info) so IBAN, reg. no. and account are"
           " those of [seller]")),
    _rule("booking-follower", ("Webhook eller polling for bogførte fakturaer", "Webhook or poll"
                               " for booked invoices"), check_webhook,
          ("Sæt uniconta.webhook_token og kør `faktura follow --register-webhook"
           " https://…/v1/uniconta/events/<token>`, eller sæt uniconta.follow_in_server = true",
           "Set uniconta.webhook_token and run `faktura follow --register-webhook"
           " https://…/v1/uniconta/events/<token>`, or set uniconta.follow_in_server = true")),
)


