"""The setup doctor: every rule of the two integration guides checked against the live Uniconta.

`RULES` (`rules`) is one table, in the way python-stdnum keeps its tables: each `Rule` has an
id, a title and a fix in Danish and English (the guides' own terms) and a small check function
(`checks`) that reads the settings and Uniconta's setup (`sync.uniconta.setup.SetupReader`:
reads only, never a write) and answers a `Finding` (`findings`): ✓ (ok), ✗ (fail) or !
(warn), with what it found.

`diagnose` (`run`) checks the table and returns a `Report`; `preflight` runs the cheap rules
(login and company: no call beyond resolving the company, which any posting does first) on a
client about to post, and `refuse_if_blocked` turns a ✗ that would refuse every invoice into
one `SetupRefused` line, so a sync or batch stops at once instead of invoice by invoice.
"""

from issuing.doctor.findings import SYMBOL, Finding, Report, Result, Rule, Text
from issuing.doctor.rules import RULES
from issuing.doctor.run import (
    SetupRefused,
    diagnose,
    open_reader,
    preflight,
    refuse_if_blocked,
    startup_warnings,
)

__all__ = ["RULES", "SYMBOL", "Finding", "Report", "Result", "Rule", "SetupRefused", "Text",
           "diagnose", "open_reader", "preflight", "refuse_if_blocked", "startup_warnings"]
