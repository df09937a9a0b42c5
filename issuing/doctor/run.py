"""Running the doctor: the whole table (`diagnose`), the cheap rules before a sync or batch
(`preflight`, `refuse_if_blocked`) and at a server's start (`startup_warnings`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from faktura.errors import FakturaError
from faktura.model import Invoice
from faktura.settings import Settings
from issuing.doctor.findings import Context, Finding, Report, Result, Rule, fail, warn
from issuing.doctor.rules import RULES
from sync.uniconta.errors import GatewayError, UnicontaError
from sync.uniconta.setup import SetupReader


class SetupRefused(FakturaError):
    """The setup would refuse every invoice: nothing was posted. The message is the doctor's."""


def _run(rule: Rule, ctx: Context, unreachable: bool) -> Finding:
    if unreachable and rule.id not in ("login",) and not _settings_only(rule):
        return warn("ikke tjekket: Uniconta kunne ikke læses (se login)",
                    "not checked: Uniconta could not be read (see login)")
    try:
        return rule.check(ctx)
    except UnicontaError as error:
        return fail(f"Uniconta svarede {error.code}", f"Uniconta answered {error.code}")
    except GatewayError as error:
        return fail(f"Uniconta kunne ikke læses: {error}", f"Uniconta could not be read: {error}")


def _settings_only(rule: Rule) -> bool:
    return rule.id in ("collection", "payment-info", "booking-follower")


def diagnose(settings: Settings, reader: SetupReader, source: Sequence[Invoice] | None = None,
             rules: Sequence[Rule] = RULES) -> Report:
    """Check `rules` in order; once the login fails, the rules that need Uniconta say so."""
    ctx = Context(settings, reader, source)
    report = Report()
    unreachable = False
    for rule in rules:
        finding = _run(rule, ctx, unreachable)
        report.results.append(Result(rule, finding))
        if rule.id == "login" and finding.status == "fail":
            unreachable = True
    return report


def preflight(client: Any, settings: Settings) -> Report:
    """The cheap rules on a client about to post (no call beyond resolving its company)."""
    return diagnose(settings, SetupReader(client), rules=[r for r in RULES if r.cheap])


def refuse_if_blocked(report: Report, language: str = "da") -> None:
    """Raise `SetupRefused` with the doctor's line of the first ✗ that refuses every invoice."""
    for result in report.results:
        if result.status == "fail" and result.rule.blocks_all:
            raise SetupRefused(result.line(language))


def startup_warnings(tenants: Sequence[Settings]) -> list[str]:
    """The cheap rules for each tenant, as lines to warn with at start (✓ rules left out)."""
    lines = []
    for settings in tenants:
        try:
            with open_reader(settings) as reader:
                report = diagnose(settings, reader, rules=[r for r in RULES if r.cheap])
        except (GatewayError, OSError, RuntimeError) as error:  # never stops a start
            lines.append(f"{settings.tenant}: setup not checked ({error})")
            continue
        shown = "fail" if not report.ok else "warn"  # after a ✗, "not checked" says nothing
        lines += [f"{settings.tenant}: {r.line('en')}" for r in report.results
                  if r.status == shown]
    return lines


@contextmanager
def open_reader(settings: Settings) -> Iterator[SetupReader]:
    """A reader over a client for the settings' Uniconta (the built-in emulator if none)."""
    from issuing.bootstrap import open_gateway

    with open_gateway(settings) as client:
        yield SetupReader(client)
