"""cross-account-audit's reports: the tables, JSON and SARIF 2.1.0."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from .audit_findings import RULES, Finding, Report
from .audit_options import PROG, Options
from .connection import redact


def to_json(report: Report, options: Options) -> dict[str, Any]:
    return {
        "tool": PROG,
        "failOn": options.fail_on,
        "accounts": report.accounts,
        "counts": report.counts(),
        "findings": [f.to_json() for f in report.findings],
        "roles": [asdict(u) for u in report.roles],
    }


SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SARIF_LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "0.0"}
"""GitHub code scanning's numeric severity of each level (>= 9.0 critical, >= 7.0 high, ...)."""


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("cross-account")
    except Exception:  # noqa: BLE001 - a source checkout without the distribution installed
        return "0.0.0"


def sarif_rule_id(rule: str, severity: str) -> str:
    """A rule at its default severity is its own id; at another, ``<rule>/<severity>``: code scanning
    takes an alert's severity from its rule, so each severity a rule is found at is a rule of its own."""
    return rule if RULES[rule][0] == severity else f"{rule}/{severity}"


def sarif_fingerprint(item: Finding) -> str:
    """The same for the same finding from one run to the next (whatever its message says, such as
    "91 days ago"), so code scanning keeps one alert open rather than opening a new one each week."""
    subject = str(item.details.get("policy") or item.details.get("principal") or "")
    return hashlib.sha256(f"{item.rule}|{item.account}|{item.resource}|{subject}".encode()).hexdigest()


def to_sarif(report: Report) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log, for GitHub code scanning (one result per finding)."""
    variants = [(rule, severity) for rule, (severity, _) in RULES.items()]
    variants += sorted({(f.rule, f.severity) for f in report.findings} - set(variants))
    rule_ids = [sarif_rule_id(rule, severity) for rule, severity in variants]
    rules = [
        {
            "id": sarif_rule_id(rule, severity),
            "name": "".join(
                part.capitalize() for part in sarif_rule_id(rule, severity).replace("/", "-").split("-")
            ),
            "shortDescription": {"text": RULES[rule][1]},
            "defaultConfiguration": {"level": SARIF_LEVELS[severity]},
            "properties": {"security-severity": SECURITY_SEVERITY[severity], "tags": ["security", "iam"]},
        }
        for rule, severity in variants
    ]
    results = []
    for item in report.findings:
        rule_id = sarif_rule_id(item.rule, item.severity)
        results.append(
            {
                "ruleId": rule_id,
                "ruleIndex": rule_ids.index(rule_id),
                "level": SARIF_LEVELS[item.severity],
                "message": {"text": f"[{item.severity}] {item.resource}: {item.message}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": Path(item.source).as_posix() or "stack-outputs.json"},
                            "region": {"startLine": 1},
                        },
                        "logicalLocations": [{"fullyQualifiedName": item.resource, "kind": "resource"}],
                    }
                ],
                "partialFingerprints": {"crossAccountAudit/v1": sarif_fingerprint(item)},
                "properties": {"severity": item.severity, "account": item.account},
            }
        )
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": PROG,
                        "version": _version(),
                        "rules": rules,
                    }
                },
                "results": results,
            }
        ],
    }


SEVERITY_STYLES = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan", "info": "dim"}


def print_table(report: Report, options: Options, out: TextIO, clean: Callable[[str], str]) -> None:
    """The tables for people: every role's use, then the findings, most severe first."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, width=200 if not out.isatty() else None, highlight=False, soft_wrap=False)
    roles = Table(title="Roles", title_justify="left")
    for column in ("role", "exists", "last used", "region", "revoked before", "expires at"):
        roles.add_column(column)
    for use in report.roles:
        roles.add_row(
            clean(use.arn),
            "yes" if use.exists else "NO",
            use.last_used or ("never" if use.exists else "-"),
            use.last_used_region or "-",
            use.revoked_before or "-",
            use.expires_at or "-",
        )
    console.print(roles)
    if not report.findings:
        console.print(f"No findings in {len(report.accounts)} account(s).")
        return
    table = Table(title="Findings", title_justify="left")
    for column in ("severity", "rule", "account", "resource", "finding"):
        table.add_column(column, overflow="fold")
    for item in report.findings:
        table.add_row(
            f"[{SEVERITY_STYLES[item.severity]}]{item.severity}[/]",
            item.rule,
            item.account,
            clean(item.resource),
            clean(item.message),
        )
    console.print(table)
    counts = ", ".join(f"{n} {s}" for s, n in report.counts().items() if n)
    failing = len(report.failing(options.fail_on))
    console.print(f"{counts}; {failing} at or above --fail-on {options.fail_on}.")


def _cleaned(value: Any, clean: Callable[[str], str]) -> Any:
    """``value`` (parsed JSON) with ``clean`` applied to every string in it, keys included."""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, Mapping):
        return {clean(k): _cleaned(v, clean) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v, clean) for v in value]
    return value


def _no_markup(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def print_report(report: Report, options: Options, out: TextIO, external_ids: Iterable[str]) -> None:
    """The report in the format of --json, --sarif or the tables, each external id hidden."""
    # The report is made of IAM's answers and the stacks' outputs, where the only secrets are the
    # external ids (credentials never reach it): those are hidden in each string of the document,
    # which then stays valid JSON. (Hiding every credential in every string costs minutes at 100 accounts.)
    shown = frozenset(external_ids)

    @functools.lru_cache(maxsize=4096)
    def clean_report(text: str) -> str:
        return redact(text, shown) if shown else text

    if options.output == "json":
        print(json.dumps(_cleaned(to_json(report, options), clean_report), indent=2), file=out, flush=True)
    elif options.output == "sarif":
        print(json.dumps(_cleaned(to_sarif(report), clean_report), indent=2), file=out, flush=True)
    else:
        print_table(report, options, out, lambda text: _no_markup(clean_report(text)))
