"""Settings (the schema): the ClientTime integration collection, the seller, the layout, Uniconta defaults.

A TOML file holds them, one table each (`samples/settings.toml` is a complete example):

* `[integration]`: the ClientTime "Collection", under its own member names (Username,
  Password, FiCreditorNumber, TermsOfPayment, FooterText, ProductNumber, ProductNumberExVat,
  Company, PaymentInfo, VatPercentage, UseTimeViewInvoice, Team-, Department-,
  DivisionDimension);
* `[seller]`: who issues the invoice (name, address, CVR, logo);
* `[layout]`: default language and FI card type; `[layout.en]`: the footer and payment
  texts of English invoices (FooterText and PaymentInfo are Danish);
* `[cli]`: the command line's language (`language = "da"`: refusals and summary lines in
  Danish; English by default);
* `[uniconta]`: the gateway and the values the TimeLog guide sets centrally (debtor group,
  VAT zone, payment terms, layout group) plus the default project group and category.
* `[products.<kind>]`: the product-number principle (which Uniconta item each kind of
  invoice line uses: hours, expenses, travel, fixed_price, other; see `sync.posting.catalogue`).
* `[einvoice]`: when issuing makes an e-invoice (`when`: "ean", "always", "never") and its
  format for a buyer without an EAN (`format`; a buyer with an EAN always gets OIOUBL).
  A format is named as plain text here: the e-invoice package keeps the formats on offer and
  checks the name where a process is put together (`einvoice.formats.check_settings`).
* `[delivery]`: e-mailing issued invoices (SMTP server, login, sender, automatic after
  issuing, whether Uniconta's own OIOUBL sending delivers e-invoices) and per customer an
  address that overrides the invoice's (`[delivery.customers."<number>"]`).
* scale-out (all blank by default: SQLite files, a local folder, local processes):
  `database_url` (PostgreSQL for the archive index, posting ledger, API keys and batches),
  `[object_store]` (S3-compatible storage for the archived files; credentials come from the
  standard AWS environment variables, never from this file) and `broker_url` (Celery workers).

Environment variables override the file: `FAKTURA_<TABLE>__<FIELD>`, e.g.
`FAKTURA_INTEGRATION__PASSWORD` or `FAKTURA_UNICONTA__GATEWAY_URL`. The password is a
`SecretStr`: it is never printed, logged or put in an error message.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from faktura import payment_info, printable
from faktura.errors import InvalidInput, Problem
from faktura.identifiers import validate_bic, validate_cvr, validate_iban

DimensionNumber = Annotated[int, Field(ge=0, le=5)]


def _printable(value: Any) -> Any:
    """A text printed on every invoice must be printable by the layout's fonts."""
    texts = value if isinstance(value, list) else [value]
    chars = [c for text in texts if isinstance(text, str) for c in printable.unprintable(text)]
    if chars:
        raise ValueError("cannot be printed on the invoice: "
                         + ", ".join(printable.describe(c) for c in dict.fromkeys(chars)))
    return value
CLIENTTIME_LAYOUT = 1
UNICONTA_LAYOUT = 0


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class IntegrationSettings(_Section):
    """The ClientTime integration collection (the guide's members, by their own names)."""

    username: str = Field(alias="Username", min_length=1, description="Uniconta Server user")
    password: SecretStr = Field(alias="Password", description="The Server user's password")
    fi_creditor_number: str | None = Field(
        None, alias="FiCreditorNumber", description="8-digit FI creditor number (FIK)"
    )
    terms_of_payment: int = Field(
        alias="TermsOfPayment", ge=0, le=365, description="Default days to pay (e.g. 8)"
    )
    footer_text: str = Field("", alias="FooterText", max_length=300)
    product_number: str = Field(
        alias="ProductNumber", min_length=1, description="Uniconta item for lines with VAT"
    )
    product_number_ex_vat: str = Field(
        alias="ProductNumberExVat", min_length=1, description="Uniconta item for lines without VAT"
    )
    company: str = Field(alias="Company", min_length=1, description="The Uniconta company name")
    payment_info: str = Field("", alias="PaymentInfo", max_length=300)
    vat_percentage: Decimal = Field(alias="VatPercentage", ge=0, le=100)
    use_time_view_invoice: Literal[0, 1] = Field(
        alias="UseTimeViewInvoice", description="1 = ClientTime layout, 0 = Uniconta layout"
    )
    team_dimension: DimensionNumber = Field(0, alias="TeamDimension")
    department_dimension: DimensionNumber = Field(0, alias="DepartmentDimension")
    division_dimension: DimensionNumber = Field(0, alias="DivisionDimension")

    @model_validator(mode="before")
    @classmethod
    def _python_names(cls, data: Any) -> Any:
        """Accept `FAKTURA_INTEGRATION__TERMS_OF_PAYMENT` as well as `…__TERMSOFPAYMENT`.

        The file uses the Collection's member names (`TermsOfPayment`); an environment variable
        may spell the field's Python name, which then arrives next to the file's member name.
        Only the environment can put it there, so it wins (the environment overrides the file).
        """
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for name, field in cls.model_fields.items():
            if field.alias and field.alias != name and name in data:
                data[field.alias] = data.pop(name)
        return data

    _printable_texts = field_validator("footer_text", "payment_info")(_printable)

    @field_validator("use_time_view_invoice", mode="before")
    @classmethod
    def _zero_or_one(cls, value: object) -> object:
        """An environment variable is a string: accept "0" and "1" as the numbers."""
        if isinstance(value, str) and value.strip() in ("0", "1"):
            return int(value)
        return value

    @field_validator("fi_creditor_number")
    @classmethod
    def _creditor(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        value = value.replace(" ", "")
        if not (len(value) == 8 and value.isdigit()):
            raise ValueError("the FI creditor number must be exactly 8 digits")
        return value

    @model_validator(mode="after")
    def _layout_needs(self) -> IntegrationSettings:
        dims = [d for d in (self.team_dimension, self.department_dimension,
                            self.division_dimension) if d]
        if len(dims) != len(set(dims)):
            raise ValueError("TeamDimension, DepartmentDimension and DivisionDimension must be"
                             " different dimension numbers (0 = not used)")
        if self.use_time_view_invoice == CLIENTTIME_LAYOUT:
            missing = [name for name, value in (("FiCreditorNumber", self.fi_creditor_number),
                                                ("PaymentInfo", self.payment_info)) if not value]
            if missing:
                raise ValueError(f"{' and '.join(missing)} must have a value when"
                                 " UseTimeViewInvoice is 1 (the ClientTime layout)")
        return self

    @property
    def dimension_of(self) -> dict[str, int]:
        """Which Uniconta dimension (1–5) carries team, department, division (0 = none)."""
        return {"team": self.team_dimension, "department": self.department_dimension,
                "division": self.division_dimension}


class SellerSettings(_Section):
    """The issuer printed on every invoice (momsbekendtgørelsen § 58: name, address, CVR)."""

    name: str = Field(min_length=1, description="BT-27 Seller name")
    address_lines: list[str] = Field(min_length=1, description="BT-35.. street lines")
    post_code: str = Field(min_length=1, description="BT-38")
    city: str = Field(min_length=1, description="BT-37")
    country_code: str = Field("DK", pattern=r"^[A-Z]{2}$", description="BT-40")
    cvr: str = Field(description="BT-31 without the DK prefix: 8 digits")
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    logo: Path | None = Field(None, description="SVG or PNG, relative to the settings file")

    _printable_texts = field_validator("name", "address_lines", "post_code", "city", "email",
                                       "phone", "website")(_printable)
    iban: str | None = Field(None, description="BT-84 for bank transfers (mod 97 checked)")
    bic: str | None = Field(None, description="BT-86 the bank's BIC (SWIFT)")
    bank_reg_no: str | None = Field(None, description="Danish reg. no. (4 digits)")
    bank_account: str | None = Field(None, description="Danish account no. (up to 10 digits)")

    @field_validator("cvr")
    @classmethod
    def _cvr(cls, value: str) -> str:
        return validate_cvr(value)

    @field_validator("iban")
    @classmethod
    def _iban(cls, value: str | None) -> str | None:
        return validate_iban(value) if value else None

    @field_validator("bic")
    @classmethod
    def _bic(cls, value: str | None) -> str | None:
        return validate_bic(value) if value else None

    @field_validator("bank_reg_no", "bank_account")
    @classmethod
    def _bank_digits(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            return None
        value = "".join(value.split())
        longest = 4 if info.field_name == "bank_reg_no" else 10
        if not (value.isascii() and value.isdigit() and len(value) <= longest):
            raise ValueError(f"must be at most {longest} digits")
        return value.zfill(4) if info.field_name == "bank_reg_no" else value

    @model_validator(mode="after")
    def _bank_pairs(self) -> SellerSettings:
        if bool(self.bank_reg_no) != bool(self.bank_account):
            raise ValueError("bank_reg_no and bank_account go together: give both or neither")
        if self.bic and not self.iban:
            raise ValueError("bic: a BIC needs the iban it belongs to")
        return self


class LanguageTexts(_Section):
    """`[layout.en]`: the page footer and payment texts of invoices in that language."""

    footer_text: str | None = Field(None, max_length=300, description="Blank: FooterText")
    payment_info: str | None = Field(
        None, max_length=300, description="Blank: built from the seller's IBAN and BIC (else"
        " PaymentInfo); for payers abroad: IBAN and BIC")

    _printable_texts = field_validator("footer_text", "payment_info")(_printable)


class LayoutSettings(_Section):
    language: Literal["da", "en"] = Field("da", description="Default; a customer may override")
    fi_card_type: Literal["71", "73", "75"] = Field("71", description="FI card type on the slip")
    en: LanguageTexts = Field(default_factory=LanguageTexts)

    @field_validator("fi_card_type", mode="before")
    @classmethod
    def _printable_card_type(cls, value: object) -> object:
        if value in ("01", "04", "15"):
            raise ValueError(f"card type {value} is a giro card: the layout prints FI cards"
                             " (71, 73, 75) only")
        return value


class CliSettings(_Section):
    """`[cli]`: the command line's own words."""

    language: Literal["en", "da"] = Field(
        "en", description="Refusals and summary lines of the commands: en or da")


class UnicontaSettings(_Section):
    """Where Uniconta is and the values set centrally for new debtors and orders."""

    gateway_url: str | None = Field(
        None, description="The gateway's base URL; blank: the built-in emulator"
    )
    transport: Literal["gateway", "rest"] = Field(
        "gateway", description="rest: Uniconta's official REST service (no posting: use drafts)"
    )
    company_id: int | None = Field(None, description="Pick the company by id instead of name")
    debtor_group: str = Field("1", description="Debtor group when the customer has none")
    vat_zone: Literal["Domestic", "EU", "Foreign", "NoVatReg", "VatFree"] = "Domestic"
    payment_terms: str = Field("Netto8", description="Uniconta PaymentTerm for new debtors")
    layout_group: str | None = Field(None, description="DebtorLayoutGroup for new debtors")
    project_group: str | None = Field(None, description="ProjectGroup for new projects")
    project_category: str | None = Field(
        None, description="PrCategory on orders and lines with a project"
    )
    simulate_before_posting: bool = Field(
        False, description="Simulate each posting first (one more call per invoice)")
    post_as_drafts: bool = Field(False, description="Leave orders as drafts (TimeLog mode)")
    # Issuing on booking (invoices booked in Uniconta: `faktura follow`, the webhook).
    issue_uniconta_invoices: bool = Field(
        False, description="Also issue invoices made in Uniconta itself (no Faktura draft)")
    webhook_token: SecretStr | None = Field(
        None, description="The secret in the webhook URL"
        " /v1/uniconta/events/<token> (at least 16 characters); blank: no webhook")
    follow_in_server: bool = Field(
        False, description="`faktura serve` also polls for booked invoices (as `faktura"
        " follow` does), every follow_interval seconds")
    follow_interval: int = Field(
        120, ge=60, le=86400, description="Seconds between two polls of `faktura follow`"
        " (one call each: 1,440 a day at 60 s, within the 5,000 a day of a server user)")
    follow_in_workers: bool = Field(
        False, description="`faktura beat` has the Celery workers poll for booked invoices"
        " every follow_interval seconds")
    status_interval: int = Field(
        900, ge=0, le=86400, description="Seconds between two reads of the payment statuses"
        " in the background (`faktura serve`, `faktura beat`; one call each: 96 a day at"
        " 900 s); a webhook also reads them soon after it; 0: only `faktura status --refresh`")

    @field_validator("status_interval")
    @classmethod
    def _status_interval_off_or_a_minute(cls, value: int) -> int:
        if 0 < value < 60:
            raise ValueError("must be 0 (off) or at least 60 seconds (each read is one call of"
                             " the 5,000 a day of a Uniconta server user)")
        return value

    @field_validator("webhook_token")
    @classmethod
    def _long_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        if len(value.get_secret_value()) < 16 or not value.get_secret_value().isascii():
            raise ValueError("is too short or not plain ASCII: use at least 16 random"
                             " characters (e.g. `python3 -c 'import secrets;"
                             " print(secrets.token_urlsafe(24))'`)")
        return value

    @model_validator(mode="after")
    def _rest_needs_drafts(self) -> UnicontaSettings:
        if self.transport == "rest" and not self.post_as_drafts:
            raise ValueError("transport 'rest' (Uniconta's official REST service) cannot book"
                             " invoices: set post_as_drafts = true, or use the gateway")
        return self


#: How an e-invoice format is named, in the settings and in the archive (`xml_format`, 16
#: characters); which names exist is the e-invoice package's registry (`einvoice.formats`).
EINVOICE_FORMAT_NAME = r"^[a-z][a-z0-9_-]{0,15}$"
EInvoiceFormat = Annotated[str, Field(pattern=EINVOICE_FORMAT_NAME)]


class EInvoiceSettings(_Section):
    """`[einvoice]`: whether issuing makes an e-invoice, and in which format.

    The e-invoice is embedded in the PDF/A-3 (as its alternative representation) and archived
    beside it. `when = "ean"` (the default) makes one for a buyer with an EAN (GLN): OIOUBL,
    for NemHandel. `"always"` makes one for every invoice: OIOUBL for a buyer with an EAN,
    `format` for the others (Peppol BIS 3 by default, addressed by the buyer's CVR).
    `"never"` makes none.
    """

    when: Literal["ean", "always", "never"] = Field(
        "ean", description="ean: when the buyer has an EAN; always; never")
    format: EInvoiceFormat = Field(
        "peppol", description="The format for a buyer without an EAN (with one: OIOUBL):"
                              " oioubl, peppol, or one a plug-in adds")


class ObjectStoreSettings(_Section):
    """`[object_store]`: S3-compatible storage for archived files (blank bucket: local folder).

    Credentials are read by boto3 from the environment (`AWS_ACCESS_KEY_ID`,
    `AWS_SECRET_ACCESS_KEY`, or a profile), never from this file.
    """

    endpoint_url: str | None = Field(None, description="Blank: AWS S3 itself")
    bucket: str | None = Field(None, pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    prefix: str = Field("", pattern=r"^([A-Za-z0-9_-]+/)*$", description="e.g. 'faktura/'")
    region: str = "eu-north-1"
    retention_days: int = Field(
        0, ge=0, le=36500,
        description="Object-lock retention (compliance mode) where the bucket supports it")

    @field_validator("endpoint_url", "bucket", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


_ADDRESS = r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$"


class CustomerDelivery(_Section):
    """`[delivery.customers."<number>"]`: one customer's delivery, where it differs."""

    email: str | None = Field(None, pattern=_ADDRESS,
                              description="Send here instead of the invoice's e-mail address")
    uniconta_sends_einvoice: bool | None = Field(
        None, description="Blank: the [delivery] default for customers with an EAN")


class DeliverySettings(_Section):
    """`[delivery]`: e-mailing issued invoices over SMTP (blank host: no e-mail).

    `security`: "starttls" (port 587), "tls" (implicit TLS, port 465) or "none" (a relay on
    the same machine only). The password is a `SecretStr`: never logged, never printed.
    `uniconta_sends_oioubl`: Uniconta's own OIOUBL sending delivers the e-invoices of customers
    with an EAN (NemHandel), so their mail carries the PDF and no separate XML.
    """

    host: str | None = Field(None, description="SMTP server; blank: invoices are not e-mailed")
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    from_address: str | None = Field(None, pattern=_ADDRESS, description="The sender")
    reply_to: str | None = Field(None, pattern=_ADDRESS)
    automatic: bool = Field(False, description="E-mail each invoice as soon as it is issued")
    uniconta_sends_oioubl: bool = Field(
        False, description="Uniconta sends OIOUBL to customers with an EAN: mail no XML")
    timeout: int = Field(60, ge=1, le=600, description="Seconds to wait for the SMTP server")
    ca_file: Path | None = Field(None, description="A private CA to trust; blank: the system's")
    customers: dict[str, CustomerDelivery] = Field(default_factory=dict)

    @field_validator("host", "username", "from_address", "reply_to", mode="before")
    @classmethod
    def _blank(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _a_server_needs_a_sender(self) -> DeliverySettings:
        if self.host and not self.from_address:
            raise ValueError("from_address: an SMTP host needs the sender's address")
        if self.automatic and not self.host:
            raise ValueError("automatic: e-mailing after issuing needs an SMTP host")
        return self


class ArchiveSettings(_Section):
    """`[archive]`: the index seal's key and anchor, both kept outside the archive (see
    docs/archive-seal.md). Blank: an unkeyed seal, no anchor."""

    seal_key_file: Path | None = Field(
        None, description="The seal key (faktura archive seal-key FILE makes one, mode 0600)")
    seal_key: SecretStr | None = Field(
        None, description="The key itself (64 hex digits), e.g. from a secret store")
    anchor_file: Path | None = Field(
        None, description="Where the seal's newest link is recorded, outside the archive")

    @field_validator("seal_key_file", "anchor_file", mode="before")
    @classmethod
    def _blank_path(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("seal_key", mode="after")
    @classmethod
    def _blank_key(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value().strip() else None


# --- product-number principle ----------------------------------------------------------

#: The kinds of invoice line the product-number principle distinguishes (TimeLog data types).
LINE_KINDS = ("hours", "expenses", "travel", "fixed_price", "other")
LineKind = Literal["hours", "expenses", "travel", "fixed_price", "other"]
ItemNumber = Annotated[str, Field(min_length=1, max_length=40)]


class KindProducts(_Section):
    """Which Uniconta item one kind of invoice line is posted with (the guide's steps 2 and 3).

    `principle = "line"`: the line's own product number (TimeLog `ProductNo`) when it has one,
    else this kind's default; `"default"`: always this kind's default. Without a default for
    the line's VAT, `ProductNumber` / `ProductNumberExVat` apply (see `sync.posting.catalogue`).
    """

    principle: Literal["line", "default"] = "line"
    default: ItemNumber | None = Field(None, description="Item for lines with VAT")
    default_ex_vat: ItemNumber | None = Field(None, description="Item for lines without VAT")

    @model_validator(mode="after")
    def _default_for_principle(self) -> KindProducts:
        if self.principle == "default" and not (self.default or self.default_ex_vat):
            raise ValueError('principle "default" needs a default (or default_ex_vat) item')
        return self


class ProductSettings(_Section):
    """`[products.<kind>]`: the product-number principle per kind of invoice line."""

    hours: KindProducts = Field(default_factory=KindProducts)
    expenses: KindProducts = Field(default_factory=KindProducts)
    travel: KindProducts = Field(default_factory=KindProducts)
    fixed_price: KindProducts = Field(default_factory=KindProducts)
    other: KindProducts = Field(default_factory=KindProducts)

    def for_kind(self, kind: str) -> KindProducts:
        if kind not in LINE_KINDS:
            raise ValueError(f"unknown kind of invoice line {kind!r}"
                             f" (known: {', '.join(LINE_KINDS)})")
        return getattr(self, kind)  # type: ignore[no-any-return]


class Settings(BaseSettings):
    """All settings; build with `load_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="FAKTURA_", env_nested_delimiter="__", extra="forbid", frozen=True
    )

    integration: IntegrationSettings
    seller: SellerSettings
    layout: LayoutSettings = Field(default_factory=LayoutSettings)
    cli: CliSettings = Field(default_factory=CliSettings)
    uniconta: UnicontaSettings = Field(default_factory=UnicontaSettings)
    products: ProductSettings = Field(default_factory=ProductSettings)
    einvoice: EInvoiceSettings = Field(default_factory=EInvoiceSettings)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    tenant: str = Field("default", pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    state_dir: Path = Field(Path("var"), description="Ledger, logs and the emulator's state")
    archive_dir: Path = Field(Path("var/archive"))
    archive: ArchiveSettings = Field(default_factory=ArchiveSettings)
    database_url: SecretStr | None = Field(
        None, description="e.g. postgresql+psycopg://host:5432/faktura; blank: SQLite files")
    object_store: ObjectStoreSettings = Field(default_factory=ObjectStoreSettings)
    broker_url: SecretStr | None = Field(
        None, description="Celery broker (redis://… or amqp://…); blank: local processes")
    result_backend: SecretStr | None = Field(
        None, description="Celery results; blank: the Redis broker itself, or rpc:// for AMQP")
    queue_namespace: str = Field("faktura", pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$",
                                 description="Prefix of the Celery queue names")
    task_timeout: int = Field(120, ge=1, le=3600,
                              description="Seconds to wait for a worker before sending again")

    @field_validator("database_url", "broker_url", "result_backend", mode="after")
    @classmethod
    def _blank_is_none(cls, value: SecretStr | None) -> SecretStr | None:
        return value if value is not None and value.get_secret_value().strip() else None

    @model_validator(mode="after")
    def _payment_info_matches_the_bank(self) -> Settings:
        """Every IBAN, BIC, reg. no. and account the payment texts print is valid and is the
        seller's (`faktura.payment_info`)."""
        seller = self.seller
        bank = (seller.iban, seller.bic, seller.bank_reg_no, seller.bank_account)
        found = [f"{name}: {problem}" for name, text in (
            ("integration.PaymentInfo", self.integration.payment_info),
            ("layout.en.payment_info", self.layout.en.payment_info or ""))
            for problem in payment_info.problems(text, *bank)]
        if found:
            raise ValueError("; ".join(found))
        return self

    @model_validator(mode="after")
    def _workers_need_a_gateway(self) -> Settings:
        if self.broker_url is not None and not self.uniconta.gateway_url:
            raise ValueError("broker_url needs uniconta.gateway_url: workers post to Uniconta"
                             " from their own machines and cannot reach a built-in emulator")
        return self

    def database(self, file_name: str) -> Path | str:
        """Where one store lives: the database URL, or `<state_dir>/<file_name>` (SQLite)."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return self.state_dir / file_name

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment overrides the file (passed in as init kwargs).
        return env_settings, init_settings

    @property
    def layout_name(self) -> Literal["clienttime", "uniconta"]:
        if self.integration.use_time_view_invoice == CLIENTTIME_LAYOUT:
            return "clienttime"
        return "uniconta"


def _resolve_paths(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """Paths in the file are relative to the file, not to the current directory."""
    seller = data.get("seller")
    if isinstance(seller, dict) and isinstance(seller.get("logo"), str):
        seller["logo"] = str((base / seller["logo"]).resolve())
    delivery = data.get("delivery")
    if isinstance(delivery, dict) and isinstance(delivery.get("ca_file"), str):
        delivery["ca_file"] = str(base / delivery["ca_file"])
    for key in ("state_dir", "archive_dir"):
        if isinstance(data.get(key), str):
            data[key] = str(base / data[key])
    archive = data.get("archive")
    if isinstance(archive, dict):
        for key in ("seal_key_file", "anchor_file"):
            if isinstance(archive.get(key), str) and archive[key].strip():
                archive[key] = str(base / archive[key])
    return data


def build_settings(data: dict[str, Any], source: str, base: Path | None = None) -> Settings:
    """Settings from a settings file's tables (paths relative to `base`, the file's folder),
    overridden by the environment. Errors name `source`, the setting and the problem, never
    a value. Reading the file is the infrastructure's (`infra.settings_files.load_settings`).
    """
    if base is not None:
        data = _resolve_paths(data, base)
    try:
        return Settings(**data)
    except ValidationError as error:
        raise InvalidInput.from_validation_error(source, error) from None
