"""What a stack would register, without the Pulumi CLI: ``python -m program.plan <stack>``.

The real ``__main__.py`` runs under the package's own mocks
(``cross_account.offline.CrossAccountMocks``, the mocks ``cross_account.testing`` also offers) with the stack's config file
merged over the defaults of ``Pulumi.yaml``, as the CLI merges them. The plan
lists every resource the program registers (type, name, parent, inputs, each
IAM document in full), the stack outputs and the warnings; a bad config gives
the one-line error ``pulumi up`` would give. Nothing is deployed and no AWS
call is made. docs/plan.md describes the output and the flags.

The same machinery (program/harness.py) runs the program in the tests (tests/conftest.py imports
``execute``, ``RecordingMonitor``, ``config_strings`` and ``stack_file_config`` from here).
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import pulumi

from cross_account.iam.grammar import ACCOUNT_ID_RE, ORGANIZATIONAL_UNIT_ID_RE, region_partition
from cross_account.limits import ROLE_ARN_OUTPUT
from cross_account.offline import INVOKES, STACK_REFERENCE, CrossAccountMocks
from cross_account.stack_outputs import OutputError, trusting_values, without_credentials
from program.harness import (
    ORGANIZATION,
    PROJECT,
    ROOT,
    Registration,
    Run,
    error_line,
    execute,
    run_main_py,
)
from program.stackfile import (
    ALLOWED_ACCOUNTS_KEY,
    StackConfig,
    StackFileError,
    config_strings,
    read_json,
    read_stack,
)
from program.trustcheck import untrusted_roles

DEFAULT_ACCOUNT = "123456789012"
"""The account the stack is planned in when --account-id does not name it (AWS's documented example id)."""
PLACEHOLDER_ROLE_ACCOUNT = "111122223333"
"""The account of the placeholder role ARNs given to stack references when no --outputs file is given."""
OU_ACCOUNTS = INVOKES[3]
"""The invoke listing the accounts of an organizational unit."""
SECRET = "[secret]"
EXIT_ERROR = 1
"""The program failed (bad config, a missing stack reference output), as pulumi up would."""
EXIT_USAGE = 2
"""The plan could not start: no stack file, a bad --outputs file, an unknown flag."""


class UsageError(Exception):
    """The plan cannot run as asked (exit code 2)."""


# -- the stack's config, as the CLI gives it to the program ------------------------------------------


def stack_file_config(stack: str, root: Path = ROOT) -> dict[str, Any]:
    """Pulumi.yaml defaults overlaid with Pulumi.<stack>.yaml, as the CLI merges them (program/stackfile.py)."""
    return read_stack(root, stack).values


# -- the mocks of a plan ---------------------------------------------------------------------------------


class PlanMocks(CrossAccountMocks):
    """CrossAccountMocks whose stack references, when no outputs are given, read placeholder outputs,
    and read the outputs of a stack planned first (--from) under any reference to that stack."""

    def __init__(
        self,
        *args: Any,
        placeholders: bool,
        planned: Mapping[str, Mapping[str, Any]] | None = None,
        project: str = PROJECT,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.placeholders = placeholders
        self.placeholder_stacks: list[str] = []
        self.planned = dict(planned or {})
        self.planned_stacks: list[str] = []
        self.project = project

    def _planned(self, name: str) -> Mapping[str, Any] | None:
        """The outputs of the stack planned first that ``name`` (stack, project/stack or org/project/stack) names."""
        *project, stack = name.split("/")
        if len(project) > 2 or (len(project) >= 1 and project[-1] != self.project):
            return None
        return self.planned.get(stack)

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        name = args.inputs.get("name") if args.typ == STACK_REFERENCE else None
        if isinstance(name, str) and name not in self.stack_outputs and self._planned(name) is not None:
            self.stack_outputs[name] = dict(self._planned(name) or {})
            self.planned_stacks.append(name)
        if self.placeholders and isinstance(name, str) and name not in self.stack_outputs:
            self.placeholder_stacks.append(name)
            role = f"placeholder-role-{len(self.placeholder_stacks)}"
            arn = f"arn:{self.partition}:iam::{PLACEHOLDER_ROLE_ACCOUNT}:role/{role}"
            self.stack_outputs[name] = {ROLE_ARN_OUTPUT: arn}
        return super().new_resource(args)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        unit = args.args.get("parentId")
        if args.token == OU_ACCOUNTS and unit not in self.organization_accounts:
            raise ValueError(
                f"targetOrganizationalUnitIds: {unit!r}: a plan cannot list the accounts of an "
                f"organizational unit without AWS: name them with --unit-accounts {unit}=ACCOUNT[,ACCOUNT...] "
                "(make plan UNITS=...)"
            )
        return super().call(args)


# -- the plan ------------------------------------------------------------------------------------------


@dataclass
class Plan:
    """A stack's plan: what it registers and exports, or the error that stops it."""

    project: str
    stack: str
    config_file: str
    account_id: str
    account_source: str
    """Where the account comes from: --account-id, aws:allowedAccountIds, or "" (a placeholder)."""
    partition: str
    region: str
    config: dict[str, Any]
    """The keys the stack file sets, secrets shown as [secret]."""
    stack_references: list[dict[str, Any]]
    resources: list[dict[str, Any]]
    outputs: dict[str, Any]
    secret_outputs: list[str]
    warnings: list[str]
    error: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "project": self.project,
            "stack": self.stack,
            "configFile": self.config_file,
            "account": {
                "id": self.account_id,
                "placeholder": not self.account_source,
                "source": self.account_source or "placeholder",
                "partition": self.partition,
                "region": self.region,
            },
            "config": self.config,
            "stackReferences": self.stack_references,
            "resources": self.resources,
            "outputs": self.outputs,
            "secretOutputs": self.secret_outputs,
            "warnings": self.warnings,
            "error": self.error,
        }


class _Warnings(logging.Handler):
    """Keeps what the program logs at warning level and above (the engine's debug lines are dropped)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())

    def logger(self) -> logging.Logger:
        """The logger the program's warnings go to, with only this handler."""
        logger = logging.getLogger(f"{__name__}.program")
        logger.propagate = False
        logger.setLevel(logging.WARNING)
        logger.handlers = [self]
        return logger


class _Redactor:
    """Shows values with every secret as [secret], and never shows a secret value."""

    def __init__(self, secret_values: Iterable[str]) -> None:
        self.values = sorted({v for v in secret_values if v}, key=len, reverse=True)
        # A value as a whole word: a secret "x" is not in "externalId".
        self.pattern = (
            re.compile("|".join(rf"(?<![A-Za-z0-9]){re.escape(v)}(?![A-Za-z0-9])" for v in self.values))
            if self.values
            else None
        )

    def _leaves(self, value: Any) -> Any:
        if isinstance(value, str):
            return SECRET if value in self.values else value
        if isinstance(value, dict):
            return {k: self._leaves(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self._leaves(v) for v in value]
        return value

    def _leaks(self, value: Any) -> bool:
        return self.pattern is not None and self.pattern.search(json.dumps(value)) is not None

    def show(self, value: Any, secret: bool) -> Any:
        """``value`` with each secret leaf as [secret]; [secret] whole if a secret may be in it otherwise."""
        shown = self._leaves(value)
        if self._leaks(shown) or (secret and shown == value):
            return SECRET
        return shown

    def text(self, message: str) -> str:
        return message if self.pattern is None else self.pattern.sub(SECRET, message)


def _document(value: Any) -> Any:
    """A JSON policy document as an object (so it prints in full), a whole number as an int, any other value as it is."""
    if isinstance(value, float) and value.is_integer():
        return int(value)  # numbers cross the wire as floats
    if isinstance(value, str) and value.startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        if isinstance(parsed, dict) and "Statement" in parsed:
            return parsed
    return value


def plan_account(config: StackConfig, given: str | None) -> tuple[str, str, str | None]:
    """The account a stack is planned in, where it comes from, and the error ``pulumi up`` would give there.

    --account-id, else the first of the stack file's aws:allowedAccountIds, else a placeholder. The AWS
    provider refuses an account its aws:allowedAccountIds does not list ("AWS account ID not allowed";
    hashicorp/aws-sdk-go-base, Config.VerifyAccountIDAllowed), before anything changes.
    """
    allowed = config.allowed_account_ids()
    if given is None:
        return (allowed[0], ALLOWED_ACCOUNTS_KEY, None) if allowed else (DEFAULT_ACCOUNT, "", None)
    refused = None
    if allowed and given not in allowed:
        refused = (
            f"{ALLOWED_ACCOUNTS_KEY}: {list(allowed)} does not list {given!r}, the account --account-id names: "
            f'pulumi up there stops with "AWS account ID not allowed: {given}"'
        )
    return given, "--account-id", refused


def _new_plan(
    stack: str, config: StackConfig, config_file: str, account_id: str | None
) -> tuple[Plan, _Redactor]:
    """The plan's header (account, partition, region, the stack file's keys), nothing run yet."""
    redact = _Redactor(config.hidden_values)
    hidden = config.hidden_keys
    region = str(config.values.get("aws:region") or "us-east-1")
    account, source, refused = plan_account(config, account_id)
    plan = Plan(
        project=config.project,
        stack=stack,
        config_file=config_file,
        account_id=account,
        account_source=source,
        partition=region_partition(region),
        region=region,
        config={
            k: (SECRET if k in hidden else redact.show(config.values[k], False)) for k in config.stack_keys
        },
        stack_references=[],
        resources=[],
        outputs={},
        secret_outputs=[],
        warnings=[],
        error=refused,
    )
    return plan, redact


def make_plan(
    stack: str,
    config: StackConfig,
    *,
    config_file: str,
    stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    account_id: str | None = None,
    organization_accounts: Mapping[str, Sequence[str]] | None = None,
    planned: Mapping[str, Mapping[str, Any]] | None = None,
    root: Path = ROOT,
) -> Plan:
    """Run ``root``'s __main__.py for ``stack`` under the mocks and describe what it did.

    ``planned``: the outputs of stacks planned first (stack name -> outputs), read by any stack
    reference to them; with ``stack_outputs`` neither, every reference reads a placeholder.
    """
    plan, redact = _new_plan(stack, config, config_file, account_id)
    if plan.error is not None:
        return plan
    raw = config_strings(config.values)
    handler = _Warnings()
    try:
        mocks = PlanMocks(
            plan.account_id,
            partition=plan.partition,
            region=plan.region,
            stack_outputs=stack_outputs,
            organization_accounts=organization_accounts,
            placeholders=stack_outputs is None and not planned,
            planned=planned,
            project=config.project,
        )
    except ValueError as error:
        plan.error = f"aws:region: {error}" if "region" in str(error) else str(error)
        return plan
    run = execute(
        run_main_py(root),
        mocks,
        stack=stack,
        config=raw,
        secret_keys=sorted(k for k in config.secret_keys if k in raw),
        project=config.project,
        logger=handler.logger(),
    )
    plan.warnings = [redact.text(m) for m in handler.messages]
    _references(plan, mocks, redact)
    if run.error is not None:
        plan.error = redact.text(error_line(run.error))
    elif not run.resolved:
        plan.error = "the stack's outputs never resolved"
    else:
        _describe(plan, run, redact)
    return plan


def _references(plan: Plan, mocks: PlanMocks, redact: _Redactor) -> None:
    """The stack references the program read, where their outputs came from; the trust check of each."""
    for name in mocks.stack_references:
        outputs = mocks.stack_outputs.get(name)
        placeholder = name in mocks.placeholder_stacks
        source = "placeholder" if placeholder else "--from" if name in mocks.planned_stacks else "--outputs"
        shown = redact.show(
            without_credentials(outputs or {}, SECRET) if outputs is not None else None, False
        )
        plan.stack_references.append(
            {"name": name, "placeholder": placeholder, "source": source, "outputs": shown}
        )
        if not placeholder and plan.account_source:
            plan.warnings += untrusted_roles(name, outputs, plan.account_id)


def _describe(plan: Plan, run: Run, redact: _Redactor) -> None:
    """The plan's resources (each after its parent) and outputs, secrets hidden."""
    by_urn = {r.urn: r for r in run.registrations}

    def tree_order(registration: Registration) -> list[tuple[str, str]]:
        """Each resource after its parent, siblings by type and name: registration order varies from run to run."""
        parent = by_urn.get(registration.parent)
        return (tree_order(parent) if parent is not None else []) + [(registration.type, registration.name)]

    for registration in sorted(run.registrations, key=tree_order):
        parent = by_urn.get(registration.parent)
        plan.resources.append(
            {
                "type": registration.type,
                "name": registration.name,
                "parent": None if parent is None else {"type": parent.type, "name": parent.name},
                "inputs": {
                    key: redact.show(_document(value), key in registration.secret_inputs)
                    for key, value in sorted(registration.inputs.items())
                }
                if registration.custom
                else {},
                "secretInputs": sorted(registration.secret_inputs),
            }
        )
    plan.outputs = {
        name: redact.show(_document(value), name in run.secret_outputs) for name, value in run.outputs.items()
    }
    plan.secret_outputs = sorted(run.secret_outputs)


# -- printing ---------------------------------------------------------------------------------------------


def _block(value: Any, indent: str) -> str:
    """A value on its line, or (an object or list) pretty-printed below it."""
    if isinstance(value, str) and value.strip():
        return (
            " " + value
            if "\n" not in value
            else "\n" + "\n".join(indent + line for line in value.splitlines())
        )
    if isinstance(value, (dict, list)) and value:
        return "\n" + "\n".join(indent + line for line in json.dumps(value, indent=2).splitlines())
    return " " + json.dumps(value)


ACCOUNT_SOURCES = {
    "": " (a placeholder: aws:allowedAccountIds in the stack file, or --account-id, names the deploying account)",
    ALLOWED_ACCOUNTS_KEY: f" (the stack file's {ALLOWED_ACCOUNTS_KEY})",
    "--account-id": "",
}
REFERENCE_SOURCES = {
    "placeholder": "PLACEHOLDER outputs (no --outputs FILE or --from STACK: the real ones come from that stack)",
    "--outputs": "outputs from --outputs",
    "--from": "outputs of its plan (--from)",
}


def render(plan: Plan) -> str:
    """The plan as text, for a person."""
    lines = [
        f"Plan of stack {plan.stack!r} of {plan.project}: {plan.config_file} over the defaults of Pulumi.yaml",
        "The real __main__.py under cross_account.offline.CrossAccountMocks: nothing is deployed, no AWS call is made",
        f"Account {plan.account_id}{ACCOUNT_SOURCES[plan.account_source]}, partition {plan.partition}, "
        f"region {plan.region}",
    ]
    if plan.stack_references:
        lines += ["", "Stack references:"]
        for reference in plan.stack_references:
            where = REFERENCE_SOURCES[reference["source"]]
            lines.append(f"  {reference['name']}: {where}: {json.dumps(reference['outputs'])}")
    if plan.warnings:
        lines += ["", "Warnings:"] + [f"  warning: {w}" for w in plan.warnings]
    lines += ["", f"Resources ({len(plan.resources)}):"]
    for resource in plan.resources:
        parent = resource["parent"]
        lines.append(
            f"  {resource['type']} {resource['name']}"
            + ("" if parent is None else f" (parent: {parent['type']} {parent['name']})")
        )
        for key, value in resource["inputs"].items():
            secret = " (secret)" if key in resource["secretInputs"] else ""
            lines.append(f"      {key}{secret}:{_block(value, '        ')}")
    lines += ["", "Outputs:"]
    for name, value in plan.outputs.items():
        lines.append(f"  {name}:{_block(value, '    ')}")
    return "\n".join(lines) + "\n"


# -- the command --------------------------------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m program.plan",
        description="What a stack would register, without the Pulumi CLI: the real __main__.py under "
        "mocks, with the stack's config file over Pulumi.yaml's defaults. Exit codes: 0 the plan, "
        "1 the program fails (the error pulumi up would give), 2 usage (no stack file, bad --outputs, "
        "an unknown or abbreviated flag).",
        allow_abbrev=False,
    )
    parser.add_argument("stack", help="the stack name: reads Pulumi.<stack>.yaml")
    parser.add_argument("--json", action="store_true", help="print the plan as one JSON document")
    parser.add_argument(
        "--outputs",
        metavar="FILE",
        type=Path,
        help='JSON {"<stack reference>": {"<output>": value}}, or a --json plan, for the stack references '
        "(default: placeholders)",
    )
    parser.add_argument(
        "--from",
        dest="from_stacks",
        metavar="STACK",
        action="append",
        default=[],
        help="plan STACK first (its own stack file) and give its outputs to the references to it (repeatable)",
    )
    parser.add_argument(
        "--config", metavar="FILE", type=Path, help="the stack file to read instead of Pulumi.<stack>.yaml"
    )
    parser.add_argument(
        "--account-id",
        metavar="ID",
        help=f"the account the stack deploys in (default: the first of the stack file's {ALLOWED_ACCOUNTS_KEY}, "
        f"else {DEFAULT_ACCOUNT})",
    )
    parser.add_argument(
        "--unit-accounts",
        metavar="UNIT=ACCOUNT[,ACCOUNT...]",
        action="append",
        default=[],
        help="the accounts under an organizational unit of targetOrganizationalUnitIds (repeat per unit), "
        "which only AWS Organizations can list",
    )
    return parser


def _unit_accounts(values: Sequence[str]) -> dict[str, list[str]]:
    """``--unit-accounts ou-...=111122223333,444455556666`` (repeated): unit -> its accounts."""
    units: dict[str, list[str]] = {}
    for value in values:
        unit, _, listed = value.partition("=")
        accounts = listed.split(",") if listed else []
        if ORGANIZATIONAL_UNIT_ID_RE.fullmatch(unit) is None:
            raise UsageError(
                f"--unit-accounts: {unit!r} is not an organizational unit id (ou-<4-32>-<8-32> or a root, "
                "r-<4-32>, of lowercase letters and digits): write UNIT=ACCOUNT[,ACCOUNT...]"
            )
        bad = [a for a in accounts if not ACCOUNT_ID_RE.fullmatch(a)]
        if not accounts or bad:
            raise UsageError(
                f"--unit-accounts: {value!r}: {bad[0]!r} is not a 12-digit AWS account id"
                if bad
                else f"--unit-accounts: {value!r} names no account: write UNIT=ACCOUNT[,ACCOUNT...]"
            )
        if unit in units:
            raise UsageError(f"--unit-accounts: {unit!r} is given twice: list all its accounts once")
        units[unit] = accounts
    return units


def _read_outputs(path: Path) -> dict[str, dict[str, Any]]:
    """``--outputs``: stack reference -> outputs, or the outputs of a ``--json`` plan under its stack's name.

    Read as the audit reads an outputs file; each output the trusted stack reads is checked by the
    program's rule for it (cross_account.stack_outputs), so a value the program refuses is refused
    here, exit 2, with the program's line after ``--outputs <file>: <stack>: ``.
    """
    outputs: dict[str, Any] = read_json(path, "--outputs")
    if {"project", "stack", "outputs", "error"} <= set(outputs):
        if outputs["error"] is not None:
            raise UsageError(
                f"--outputs {path}: is the plan of stack {outputs['stack']!r}, which fails: {outputs['error']}"
            )
        outputs = {f"{ORGANIZATION}/{outputs['project']}/{outputs['stack']}": outputs["outputs"]}
    if not all(isinstance(v, dict) for v in outputs.values()):
        raise UsageError(
            f'--outputs {path}: must hold {{"<stack>": {{"<output>": value}}}}, or a --json plan'
        )
    for stack, values in outputs.items():
        try:
            trusting_values(values)
        except OutputError as error:
            raise UsageError(f"--outputs {path}: {stack}: {error}") from None
    return outputs


@dataclass
class _Inputs:
    config: StackConfig
    config_file: str
    outputs: dict[str, dict[str, Any]] | None
    units: dict[str, list[str]]


def _inputs(args: argparse.Namespace, root: Path) -> _Inputs:
    """What the command line names, read and checked; UsageError or StackFileError otherwise."""
    if args.account_id is not None and not ACCOUNT_ID_RE.fullmatch(args.account_id):
        raise UsageError(f"--account-id: {args.account_id!r} is not a 12-digit AWS account id")
    if args.stack in args.from_stacks:
        raise UsageError(
            f"--from: {args.stack!r} is the stack planned: name the stack whose outputs it reads"
        )
    config = read_stack(root, args.stack, args.config)
    stack_file: Path = args.config if args.config is not None else root / f"Pulumi.{args.stack}.yaml"
    shown = (
        str(stack_file.resolve().relative_to(root))
        if stack_file.resolve().is_relative_to(root)
        else str(stack_file)
    )
    outputs = _read_outputs(args.outputs) if args.outputs is not None else None
    return _Inputs(config, shown, outputs, _unit_accounts(args.unit_accounts))


def plan_first(stacks: Sequence[str], root: Path) -> dict[str, dict[str, Any]]:
    """``--from``: each stack planned with its own stack file; its outputs, by stack name.

    UsageError for a stack without a stack file, PlanFailed for one whose plan fails.
    """
    planned = {}
    for stack in stacks:
        config = read_stack(root, stack)
        plan = make_plan(stack, config, config_file=f"Pulumi.{stack}.yaml", root=root)
        if plan.error is not None:
            raise PlanFailed(f"--from {stack}: the plan of stack {stack!r} fails: {plan.error}")
        planned[stack] = plan.outputs
    return planned


class PlanFailed(Exception):
    """A stack planned first (--from) fails (exit code 1)."""


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    """Print the plan of a stack; the exit code (0 planned, 1 the program fails, 2 usage)."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    args = _parser().parse_args(argv)
    root = ROOT
    try:
        inputs = _inputs(args, root)
        planned = plan_first(args.from_stacks, root)
    except (UsageError, StackFileError) as error:
        print(f"error: {error}", file=err)
        return EXIT_USAGE
    except PlanFailed as error:
        print(f"error: {error}", file=err)
        return EXIT_ERROR
    plan = make_plan(
        args.stack,
        inputs.config,
        config_file=inputs.config_file,
        stack_outputs=inputs.outputs,
        account_id=args.account_id,
        organization_accounts=inputs.units,
        planned=planned,
        root=root,
    )
    if args.json:
        print(json.dumps(plan.as_json(), indent=2), file=out)
    elif plan.error is None:
        print(render(plan), end="", file=out)
    if plan.error is not None:
        for warning in plan.warnings:
            print(f"warning: {warning}", file=err)
        print(f"error: {plan.error}", file=err)
        return EXIT_ERROR
    return 0


if __name__ == "__main__":
    sys.exit(main())
