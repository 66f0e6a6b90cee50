"""make local / make local-destroy: both stacks on an embedded AWS, with the real Pulumi CLI.

    python -m local.run up [--keep]     # make local [KEEP=1]
    python -m local.run audit           # make audit (after make local KEEP=1)
    python -m local.run destroy         # make local-destroy

``up`` starts moto on 127.0.0.1 (local/emulator.py), creates the two emulated
accounts with a deployer in each and the callers of the trusted account,
turns IAM authentication on, then runs ``pulumi up`` for ``trusting`` and
then ``trusted`` against it, checks who gets in both ways with
``cross-account-verify`` (each trusted caller gets in; an ``outsider``, an IAM
user of the trusted account without the policy, is refused: ``--expect-deny``),
prints that matrix, and then the switch-role URL and the CLI profile. It ends
with ``cross-account-audit`` (``audit``): the stacks' outputs, read from the
Pulumi state files, compared with the emulated accounts as each account's
read-only auditor sees them, and its table printed. The emulator is stopped
when ``up`` exits, unless ``--keep``; ``audit`` runs the audit again on it.

The callers come from Pulumi.trusted.yaml (``plan``): every user of
``userNames``; one member made for each group of ``groupNames``; each role of
``roleNames``, which make local creates in the trusted account and acts as
through a session of it (AWS_SESSION_TOKEN included); each user of
``newGroupMembers``, which make local creates, leaving the group
``newGroupName`` to the stack.

``destroy`` stops the recorded emulator only while its pid runs exactly the
moto server make local started for the recorded URL; a corrupt record is
reported in one line, saying what to delete.

Pulumi state goes to a file backend in ``.pulumi-local/state`` (through
``PULUMI_BACKEND_URL``: your own ``pulumi login`` is left alone), secrets are
encrypted with the passphrase below, which protects nothing but emulator keys.
The stacks read their config from generated files, ``.pulumi-local/Pulumi.<stack>.yaml``
(``--config-file``): the committed stack config plus the emulator's provider
settings. ``pulumi stack init`` always writes the new stack's encryption salt
into ``Pulumi.<stack>.yaml`` at the root, so ``up`` gives those committed files
back byte for byte and moves the salt into the generated file.

Every Pulumi CLI call goes through ``pulumi_cli``; everything else is tested
(tests/test_local.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, TextIO

import yaml

from program import stackfile

from . import emulator

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "cross-account-access"
ORGANIZATION = "organization"
NAMESPACE = f"{PROJECT}:"
STACKS = ("trusting", "trusted")
ACCOUNTS = {"trusting": "111122223333", "trusted": "444455556666"}
PASSPHRASE = "local-emulator-only"
"""Encrypts the emulator's deployer keys in .pulumi-local; not a secret, never use it for a real stack."""
VERIFY_TIMEOUT_SECONDS = 20.0
VERIFY_MARGIN_SECONDS = 60.0
"""How much longer than its --timeout a verify process may run before make local gives up on it."""
OUTSIDER = "outsider"
"""The user make local creates in the trusted account without the policy: it must be refused."""
EXIT_NO_PULUMI = 127
INSTALL_PULUMI = (
    "{invoked} needs the Pulumi CLI, which is not on PATH: install it with "
    "`curl -fsSL https://get.pulumi.com | sh` (or see https://www.pulumi.com/docs/install/), then run {invoked} again"
)
AUDIT_TIMEOUT_SECONDS = 30.0
STACK_TYPE = "pulumi:pulumi:Stack"
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
"""How Pulumi state marks a secret value (its ciphertext stays encrypted with the passphrase)."""
"""Said without the CLI, in the words of the command the user ran (``make local`` passes --invoked-as)."""


def install_pulumi(invoked: str) -> str:
    """The one line that says the Pulumi CLI is missing, naming the command to run again."""
    return INSTALL_PULUMI.format(invoked=invoked)


CLEARED_ENV = ("PULUMI_CONFIG_PASSPHRASE_FILE", "PULUMI_ACCESS_TOKEN")
"""Besides every AWS_* variable: nothing of your own AWS or Pulumi setup reaches the local stacks."""


class LocalError(RuntimeError):
    """make local cannot go on; the message says why."""


class Pulumi(Protocol):
    def __call__(
        self, args: Sequence[str], *, env: Mapping[str, str], cwd: Path, capture: bool = False
    ) -> str: ...


def pulumi_cli(args: Sequence[str], *, env: Mapping[str, str], cwd: Path, capture: bool = False) -> str:
    """Run the Pulumi CLI (the only place that does); its output goes to the terminal unless captured."""
    done = subprocess.run(
        ["pulumi", *args],
        env=dict(env),
        cwd=cwd,
        check=True,
        text=True,
        stdout=subprocess.PIPE if capture else None,
        stdin=subprocess.DEVNULL,
    )
    return done.stdout or ""


@dataclass(frozen=True)
class Paths:
    """Where make local reads the committed project and writes its own files."""

    root: Path = ROOT

    @property
    def local(self) -> Path:
        return self.root / ".pulumi-local"

    @property
    def state(self) -> Path:
        return self.local / "state"

    @property
    def emulator_record(self) -> Path:
        return self.local / "emulator.json"

    @property
    def emulator_log(self) -> Path:
        return self.local / "moto.log"

    @property
    def audit_credentials(self) -> Path:
        """The auditors' emulator keys, as an AWS shared credentials file (profile auditor-<account>)."""
        return self.local / "audit-credentials"

    def outputs(self, stack: str) -> Path:
        """A stack's outputs as `pulumi stack output --json` writes them, read from its state file."""
        return self.local / "outputs" / f"{stack}.json"

    def committed_config(self, stack: str) -> Path:
        return self.root / f"Pulumi.{stack}.yaml"

    def local_config(self, stack: str) -> Path:
        return self.local / f"Pulumi.{stack}.yaml"

    def stack_state(self, stack: str) -> Path:
        return self.state / ".pulumi" / "stacks" / PROJECT / f"{stack}.json"


# Pure parts: config, environment, plan --------------------------------------------


def provider_config(url: str, region: str) -> dict[str, Any]:
    """pulumi-aws v7 settings that send IAM, STS and S3 to the emulator and skip AWS-only checks."""
    return {
        "aws:region": region,
        "aws:skipCredentialsValidation": True,
        "aws:skipRequestingAccountId": True,
        "aws:skipMetadataApiCheck": True,
        "aws:s3UsePathStyle": True,
        "aws:endpoints": [{"iam": url, "sts": url, "s3": url}],
    }


def committed_stack_config(paths: Paths, stack: str) -> dict[str, Any]:
    """The committed stack file's config, read as make plan reads it (program/stackfile.py)."""
    path = paths.committed_config(stack)
    missing = f"{path.name} is missing: make local deploys the committed example stacks"
    try:
        return stackfile.read_stack_file(path, missing)
    except stackfile.StackFileError as error:
        raise LocalError(str(error)) from None


def local_stack_file(committed: Mapping[str, Any], url: str, salt: str | None) -> dict[str, Any]:
    """The generated Pulumi.<stack>.yaml: the committed config, then the emulator's provider settings.

    The committed aws:allowedAccountIds is left out: with aws:skipRequestingAccountId the provider
    never learns its account, and checks "" against the list ("AWS account ID not allowed: ";
    hashicorp/aws-sdk-go-base, Config.VerifyAccountIDAllowed), so the guard would stop every
    emulator deployment. make local deploys each stack with the emulated account's own deployer.
    """
    region = str(committed.get("aws:region", emulator.REGION))
    document: dict[str, Any] = {}
    if salt is not None:
        document["encryptionsalt"] = salt
    kept = {k: v for k, v in committed.items() if k != stackfile.ALLOWED_ACCOUNTS_KEY}
    document["config"] = {**kept, **provider_config(url, region)}
    return document


CallerKind = Literal["user", "group", "role", "new-group", "outsider"]


@dataclass(frozen=True)
class Caller:
    """One row of the matrix: a caller of the trusted account and whether it should get in."""

    name: str
    kind: CallerKind
    group: str | None = None

    @property
    def expect_in(self) -> bool:
        return self.kind != "outsider"

    @property
    def label(self) -> str:
        what = {
            "user": "user",
            "group": f"member of group {self.group}",
            "role": "role",
            "new-group": f"member of the stack's new group {self.group}",
            "outsider": "user without the policy",
        }[self.kind]
        return f"{self.name} ({what})"


@dataclass(frozen=True)
class Plan:
    """What the committed stack files ask for, checked against the emulated accounts."""

    configs: dict[str, dict[str, Any]]
    users: tuple[str, ...]
    groups: tuple[str, ...]
    roles: tuple[str, ...] = ()
    new_group: str | None = None
    new_group_members: tuple[str, ...] = ()

    @property
    def outsider(self) -> str:
        """``outsider``, or ``outsider-2``, ... when the stack file names a user so."""
        taken = {*self.users, *self.new_group_members, *(emulator.member_of(g) for g in self.groups)}
        name, number = OUTSIDER, 1
        while name in taken:
            number += 1
            name = f"{OUTSIDER}-{number}"
        return name

    @property
    def user_names(self) -> tuple[str, ...]:
        """Every IAM user make local creates with an access key (group members aside)."""
        return tuple(dict.fromkeys((*self.users, *self.new_group_members, self.outsider)))

    @property
    def callers(self) -> tuple[Caller, ...]:
        """The rows of the matrix, in the order of the stack file, the outsider last."""
        return (
            *(Caller(u, "user") for u in self.users),
            *(Caller(emulator.member_of(g), "group", g) for g in self.groups),
            *(Caller(r, "role") for r in self.roles),
            *(Caller(m, "new-group", self.new_group) for m in self.new_group_members),
            Caller(self.outsider, "outsider"),
        )


def _names(config: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = config.get(f"{NAMESPACE}{key}")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise LocalError(f"Pulumi.trusted.yaml: {NAMESPACE}{key} {value!r} is not a list of names")
    return tuple(value)


def plan(paths: Paths) -> Plan:
    configs = {stack: committed_stack_config(paths, stack) for stack in STACKS}
    trusted_ids = configs["trusting"].get(f"{NAMESPACE}trustedAccountIds") or []
    if ACCOUNTS["trusted"] not in [str(i) for i in trusted_ids]:
        raise LocalError(
            f"Pulumi.trusting.yaml: {NAMESPACE}trustedAccountIds {trusted_ids} does not include "
            f"{ACCOUNTS['trusted']}, the emulated trusted account: add it to run make local"
        )
    trusted = configs["trusted"]
    groups = _names(trusted, "groupNames")
    new_group = trusted.get(f"{NAMESPACE}newGroupName") or None
    members = _names(trusted, "newGroupMembers")
    if new_group is not None and not isinstance(new_group, str):
        raise LocalError(f"Pulumi.trusted.yaml: {NAMESPACE}newGroupName {new_group!r} is not a group name")
    if members and new_group is None:
        raise LocalError(
            f"Pulumi.trusted.yaml: {NAMESPACE}newGroupMembers {list(members)} needs {NAMESPACE}newGroupName, "
            "the group the stack creates for them"
        )
    if new_group in groups:
        raise LocalError(
            f"Pulumi.trusted.yaml: {NAMESPACE}newGroupName {new_group!r} is also in {NAMESPACE}groupNames: "
            "the stack creates the new group, groupNames names groups that exist already"
        )
    return Plan(
        configs=configs,
        users=_names(trusted, "userNames"),
        groups=groups,
        roles=_names(trusted, "roleNames"),
        new_group=new_group,
        new_group_members=members,
    )


def pulumi_env(paths: Paths, base: Mapping[str, str]) -> dict[str, str]:
    """The CLI's environment: the local backend and passphrase, and none of the caller's AWS settings."""
    env = {k: v for k, v in base.items() if not k.startswith("AWS_") and k not in CLEARED_ENV}
    env.update(
        PULUMI_BACKEND_URL=paths.state.resolve().as_uri(),
        PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK="true",
    )
    return env


def person_env(base: Mapping[str, str], key: emulator.AccessKey, home: Path) -> dict[str, str]:
    """A caller's environment for verify: their emulator keys (and session token), and no profile of yours."""
    env = {k: v for k, v in base.items() if not k.startswith("AWS_")}
    env.update(key.env())
    env.update(
        AWS_CONFIG_FILE=str(home / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def stack_outputs_from_state(path: Path, stack: str) -> dict[str, Any]:
    """A stack's outputs from its file-backend state (checkpoint.latest.resources, the pulumi:pulumi:Stack).

    A secret output is kept encrypted in the state: it is refused, naming the output, as the audit
    cannot use it.
    """
    if not path.exists():
        raise LocalError(f"no state of stack {stack} in {path.parent}: run `make local KEEP=1` first")
    try:
        state = json.loads(path.read_text())
        resources = (state.get("checkpoint") or {}).get("latest", {}).get("resources") or []
    except (ValueError, AttributeError) as error:
        raise LocalError(f"{path}: is not a Pulumi state file ({error})") from None
    stacks = [r for r in resources if isinstance(r, dict) and r.get("type") == STACK_TYPE]
    if len(stacks) != 1:
        raise LocalError(f"{path}: holds {len(stacks)} {STACK_TYPE} resources, not 1: deploy it again")
    outputs = dict(stacks[0].get("outputs") or {})
    for name, value in outputs.items():
        if isinstance(value, dict) and SECRET_SIG_KEY in value:
            raise LocalError(
                f"stack {stack}: output {name!r} is a secret, encrypted in the state: run cross-account-audit "
                f"--stack-outputs with the file of `pulumi stack output --stack {stack} --json --show-secrets`"
            )
    return outputs


def audit_credentials_text(auditors: Mapping[str, emulator.AccessKey]) -> str:
    """An AWS shared credentials file with one profile, auditor-<account>, per account."""
    lines = []
    for account, key in sorted(auditors.items()):
        lines += [
            f"[auditor-{account}]",
            f"aws_access_key_id = {key.id}",
            f"aws_secret_access_key = {key.secret}",
        ]
        lines += [f"aws_session_token = {key.token}"] if key.token else []
        lines.append("")
    return "\n".join(lines)


def audit_env(base: Mapping[str, str], paths: Paths) -> dict[str, str]:
    """The audit's environment: the auditors' credentials file, and none of your AWS settings."""
    env = {k: v for k, v in base.items() if not k.startswith("AWS_")}
    env.update(
        AWS_SHARED_CREDENTIALS_FILE=str(paths.audit_credentials),
        AWS_CONFIG_FILE=str(paths.local / "no-aws-config"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


@contextmanager
def committed_files_kept(paths: Iterable[Path]) -> Iterator[dict[Path, bytes | None]]:
    """Give files back byte for byte after a call that rewrites them; yields what the call wrote."""
    before = {path: path.read_bytes() if path.exists() else None for path in paths}
    written: dict[Path, bytes | None] = {}
    try:
        yield written
    finally:
        for path, content in before.items():
            now = path.read_bytes() if path.exists() else None
            if now != content:
                written[path] = now
                if content is None:
                    path.unlink()
                else:
                    path.write_bytes(content)


@dataclass(frozen=True)
class Row:
    """One caller checked: what make local expected and what verify saw."""

    caller: Caller
    key: emulator.AccessKey
    seen: Literal["in", "refused", "error"]

    @property
    def expected(self) -> str:
        return "in" if self.caller.expect_in else "refused"

    @property
    def as_expected(self) -> bool:
        return self.seen == self.expected


def seen(status: int, expect_deny: bool) -> Literal["in", "refused", "error"]:
    """What verify's exit status says: 0 and 1 swap meaning with --expect-deny, 2 is an error."""
    if status == 0:
        return "refused" if expect_deny else "in"
    if status == 1:
        return "in" if expect_deny else "refused"
    return "error"


def matrix_lines(rows: Sequence[Row]) -> list[str]:
    """The table "who, expected, seen", one row per caller, a mark where they differ."""
    width = max(len("who"), *(len(row.caller.label) for row in rows))
    lines = [f"  {'who':<{width}}  expected  seen"]
    for row in rows:
        mark = "" if row.as_expected else "   <- NOT as expected"
        lines.append(f"  {row.caller.label:<{width}}  {row.expected:<8}  {row.seen}{mark}".rstrip())
    return lines


# The steps --------------------------------------------------------------------------


@dataclass
class Local:
    """One make local run: where it writes, how it calls the CLI, where it prints."""

    paths: Paths = field(default_factory=Paths)
    pulumi: Pulumi = pulumi_cli
    out: TextIO = sys.stdout
    err: TextIO = sys.stderr
    base_env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    python: str = sys.executable
    verify_margin: float = VERIFY_MARGIN_SECONDS

    @property
    def env(self) -> dict[str, str]:
        return pulumi_env(self.paths, self.base_env)

    def say(self, line: str = "") -> None:
        print(line, file=self.out, flush=True)

    def cli(self, *args: str, capture: bool = False) -> str:
        return self.pulumi(list(args), env=self.env, cwd=self.paths.root, capture=capture)

    def init_stack(self, stack: str) -> str | None:
        """`pulumi stack init`, committed stack file kept; returns the encryption salt the CLI wrote."""
        committed = self.paths.committed_config(stack)
        with committed_files_kept([committed]) as written:
            self.cli(
                "stack", "init", stack, "--secrets-provider", "passphrase", "--no-select", "--non-interactive"
            )
        text = written.get(committed)
        if not text:
            return None
        salt = (yaml.safe_load(text) or {}).get("encryptionsalt")
        return str(salt) if salt else None

    def deploy(self, stack: str, config: Mapping[str, Any], url: str, deployer: emulator.AccessKey) -> None:
        self.say(f"== pulumi up --stack {stack} (account {ACCOUNTS[stack]}, as its deployer) ==")
        salt = self.init_stack(stack)
        config_file = self.paths.local_config(stack)
        config_file.write_text(yaml.safe_dump(local_stack_file(config, url, salt), sort_keys=False))
        for key, value in (("aws:accessKey", deployer.id), ("aws:secretKey", deployer.secret)):
            self.cli(
                "config", "set", "--secret", "--stack", stack, "--config-file", str(config_file), key, value
            )
        self.cli(
            "up",
            "--stack",
            stack,
            "--config-file",
            str(config_file),
            "--yes",
            "--skip-preview",
            "--non-interactive",
        )

    def outputs(self, stack: str) -> dict[str, Any]:
        return dict(json.loads(self.cli("stack", "output", "--stack", stack, "--json", capture=True)))

    def verify(
        self, role_arn: str, url: str, key: emulator.AccessKey, timeout: float, expect_deny: bool = False
    ) -> tuple[int, list[str]]:
        """cross-account-verify as one caller, against the emulator: its exit status and what it printed."""
        try:
            done = subprocess.run(
                [self.python, "-m", "cross_account.verify", role_arn, "--endpoint-url", url]
                + ["--region", emulator.REGION, "--timeout", f"{timeout:g}"]
                + (["--expect-deny"] if expect_deny else []),
                env=person_env(self.base_env, key, self.paths.local),
                cwd=self.paths.root,
                capture_output=True,
                text=True,
                timeout=timeout + self.verify_margin,
            )
        except subprocess.TimeoutExpired:
            return 2, [f"cross-account-verify did not end within {timeout + self.verify_margin:g}s"]
        return done.returncode, (done.stdout + done.stderr).splitlines()

    def check(
        self, role_arn: str, url: str, wanted: Plan, accounts: emulator.Accounts, timeout: float
    ) -> list[Row]:
        """Run verify as every caller of the plan (the outsider with --expect-deny), print what each saw."""
        self.say(f"== cross-account-verify {role_arn}, as each caller of the trusted account ==")
        rows = []
        for caller in wanted.callers:
            keys = accounts.roles if caller.kind == "role" else accounts.people
            key = keys[caller.name]
            status, lines = self.verify(role_arn, url, key, timeout, expect_deny=not caller.expect_in)
            rows.append(Row(caller, key, seen(status, expect_deny=not caller.expect_in)))
            self.say(f"{caller.label}:" if caller.expect_in else f"{caller.label}, with --expect-deny:")
            for line in lines:
                self.say(f"    {line}")
        self.say()
        self.say("Who gets in, expected and seen:")
        for line in matrix_lines(rows):
            self.say(line)
        return rows

    def audit(self, url: str, timeout: float = AUDIT_TIMEOUT_SECONDS) -> int:
        """cross-account-audit of both stacks against the emulator, as the auditors; prints its table."""
        files = []
        for stack in STACKS:
            outputs = stack_outputs_from_state(self.paths.stack_state(stack), stack)
            path = self.paths.outputs(stack)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(outputs, indent=2))
            files += ["--stack-outputs", str(path)]
        if not self.paths.audit_credentials.exists():
            raise LocalError(f"{self.paths.audit_credentials} is missing: run `make local KEEP=1` again")
        profiles = [
            a for account in ACCOUNTS.values() for a in ("--profile-for", f"{account}=auditor-{account}")
        ]
        self.say()
        self.say("== cross-account-audit: the accounts compared with the stacks' outputs ==")
        try:
            done = subprocess.run(
                [self.python, "-m", "cross_account.audit", *files, *profiles, "--endpoint-url", url]
                + ["--region", emulator.REGION, "--timeout", f"{timeout:g}"],
                env=audit_env(self.base_env, self.paths),
                cwd=self.paths.root,
                capture_output=True,
                text=True,
                timeout=timeout + self.verify_margin,
            )
        except subprocess.TimeoutExpired:
            self.say(f"cross-account-audit did not end within {timeout + self.verify_margin:g}s")
            return 2
        for line in (done.stdout + done.stderr).rstrip("\n").splitlines():
            self.say(line.rstrip())
        return done.returncode

    def audit_running(self) -> int:
        """make audit: the audit again, on the emulator `make local KEEP=1` left running."""
        found = self.recorded_emulator()
        if found is None or not found[1] or not found[2]:
            raise LocalError(
                "no emulator is running: it audits what `make local KEEP=1` (python -m local.run up --keep, "
                "with the Pulumi CLI) leaves running, so run that first; to audit real accounts instead, run "
                "cross-account-audit --stack-outputs <file> (docs/audit.md)"
            )
        return self.audit(found[0].url)

    # --- the commands ---

    def up(
        self,
        *,
        keep: bool = False,
        start: Callable[[Path], emulator.Server] = emulator.start,
        stop: Callable[[emulator.Server], bool] = emulator.stop,
        verify_timeout: float = VERIFY_TIMEOUT_SECONDS,
    ) -> int:
        wanted = plan(self.paths)
        if self.paths.local.exists():
            self.destroy(stop=stop, quiet=True)
        self.paths.state.mkdir(parents=True)
        self.say("== starting the AWS emulator (moto) on 127.0.0.1 ==")
        server = start(self.paths.emulator_log)
        emulator.record(self.paths.emulator_record, server)
        try:
            return self._up(wanted, server, keep, verify_timeout)
        finally:
            if not keep:
                stop(server)
                self.paths.emulator_record.unlink(missing_ok=True)

    def _up(self, wanted: Plan, server: emulator.Server, keep: bool, verify_timeout: float) -> int:
        accounts = emulator.set_up(
            server.url,
            ACCOUNTS["trusting"],
            ACCOUNTS["trusted"],
            wanted.user_names,
            wanted.groups,
            wanted.roles,
        )
        emulator.enable_authentication(server.url)
        for stack in STACKS:
            self.deploy(stack, wanted.configs[stack], server.url, accounts.deployers[ACCOUNTS[stack]])
        trusting, trusted = self.outputs("trusting"), self.outputs("trusted")
        rows = self.check(str(trusting["roleArn"]), server.url, wanted, accounts, verify_timeout)
        self.summary(server, trusting, trusted, rows, keep)
        self.paths.audit_credentials.write_text(audit_credentials_text(accounts.auditors))
        self.paths.audit_credentials.chmod(0o600)
        audited = self.audit(server.url)
        return 0 if all(row.as_expected for row in rows) and audited == 0 else 1

    def summary(
        self,
        server: emulator.Server,
        trusting: Mapping[str, Any],
        trusted: Mapping[str, Any],
        rows: Sequence[Row],
        keep: bool,
    ) -> None:
        say = self.say
        say()
        wrong = [row.caller.label for row in rows if not row.as_expected]
        say(
            "make local: the access works."
            if not wrong
            else f"make local: the access is NOT as expected for {', '.join(wrong)} (see above)."
        )
        say(f"  trusting account {ACCOUNTS['trusting']}: role {trusting['roleArn']}")
        say(f"  trusted account  {ACCOUNTS['trusted']}: policy {trusted.get('policyArn')}")
        state = "running until `make local-destroy`" if keep else "stopped now (`make local KEEP=1` keeps it)"
        say(f"  emulator: moto at {server.url}, pid {server.pid}, {state}")
        say()
        say("Switch role in the console (on AWS; the emulator has no console):")
        for url in trusted.get("switchRoleUrls") or [trusting.get("switchRoleUrl")]:
            say(f"  {url}")
        say()
        say("AWS CLI profile for ~/.aws/config (pulumi stack output --stack trusted awsCliConfig):")
        for line in str(trusted.get("awsCliConfig", "")).rstrip("\n").splitlines():
            say(f"  {line}")
        trying = next((row for row in rows if row.caller.expect_in), None)
        if keep and trying is not None:
            variables = " ".join(f"{k}={v}" for k, v in trying.key.env().items())
            say()
            say(f"Try it as {trying.caller.name} while the emulator runs:")
            say(
                f"  {variables} .venv/bin/cross-account-verify {trusting['roleArn']} --endpoint-url {server.url}"
            )
        say()
        say("Remove it all: make local-destroy")

    def recorded_emulator(self) -> tuple[emulator.Server, bool, bool] | None:
        """The recorded server, whether its pid still runs make local's emulator, and whether it answers.

        None without a record. A corrupt record raises EmulatorError (saying what is wrong and what
        to delete); something answering at the recorded URL while the recorded pid does not run the
        emulator make local started for it raises LocalError: nothing is stopped, destroyed or deleted.
        """
        server = emulator.recorded(self.paths.emulator_record)
        if server is None:
            return None
        ours, answers = emulator.is_emulator(server), emulator.responds(server.url)
        if answers and not ours:
            running = emulator.running_command(server.pid)
            what = "is not running" if running is None else f"runs `{' '.join(running)}`"
            raise LocalError(
                f"pid {server.pid} {what}, not the emulator make local started for {server.url} "
                f"(`{' '.join(server.command)}`): stopped nothing, destroyed nothing; stop what answers "
                f"at {server.url} yourself if it is yours, then remove {self.paths.local} (rm -r {self.paths.local})"
            )
        return server, ours, answers

    def destroy(self, *, stop: Callable[[emulator.Server], bool] = emulator.stop, quiet: bool = False) -> int:
        """Destroy both stacks if their emulator still runs, stop it, and delete .pulumi-local."""
        found = self.recorded_emulator()
        if found is not None and found[1]:
            server, _, answers = found
            for stack in reversed(STACKS) if answers else ():
                if self.paths.stack_state(stack).exists():
                    self.say(f"== pulumi destroy --stack {stack} ==")
                    self.cli(
                        "destroy", "--stack", stack, "--config-file", str(self.paths.local_config(stack)),
                        "--yes", "--skip-preview", "--non-interactive",
                    )  # fmt: skip
            stop(server)
            if not quiet:
                self.say(f"stopped the emulator at {server.url} (pid {server.pid})")
        existed = self.paths.local.exists()
        if existed:
            shutil.rmtree(self.paths.local)
        if not quiet:
            what = "local Pulumi state, generated stack config, emulator log"
            self.say(
                f"removed {self.paths.local} ({what})"
                if existed
                else f"nothing to remove: no {self.paths.local}"
            )
        return 0


def _stop_on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def main(
    argv: Sequence[str] | None = None,
    local: Local | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["up", "audit", "destroy"])
    parser.add_argument("--keep", action="store_true", help="up: leave the emulator running afterwards")
    # How the user started this, for messages that say what to run again (the Makefile passes its target).
    parser.add_argument("--invoked-as", help=argparse.SUPPRESS)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    invoked = args.invoked_as or f"python -m local.run {args.command}" + (" --keep" if args.keep else "")
    local = local or Local()
    previous = signal.signal(signal.SIGTERM, _stop_on_signal)
    try:
        if _needs_cli(args.command, local) and which("pulumi") is None:
            print(install_pulumi(invoked), file=local.err)
            return EXIT_NO_PULUMI
        if args.command == "audit":
            return local.audit_running()
        return local.up(keep=args.keep) if args.command == "up" else local.destroy()
    except (LocalError, emulator.EmulatorError) as error:
        # make audit names itself (the Makefile passes its target); up and destroy speak as make local.
        name = (args.invoked_as or invoked) if args.command == "audit" else "make local"
        print(f"{name}: {error}", file=local.err)
    except KeyboardInterrupt:
        print("make local: interrupted", file=local.err)
        return 130
    except subprocess.CalledProcessError as error:
        command = " ".join(str(a) for a in error.cmd[:4])  # never the values of `config set`
        print(
            f"make local: `{command} ...` failed with exit status {error.returncode} (see above)",
            file=local.err,
        )
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 1


def _needs_cli(command: str, local: Local) -> bool:
    """up always; audit never; destroy only when make local's emulator still runs (otherwise it only deletes files)."""
    if command == "up":
        return True
    if command == "audit":
        return False
    found = local.recorded_emulator()
    return found is not None and found[1] and found[2]


if __name__ == "__main__":
    sys.exit(main())
