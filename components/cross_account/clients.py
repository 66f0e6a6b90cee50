"""What a person uses to reach the role: console switch-role links, AWS CLI profiles, the switch-roles
extension's config and the cross-account-console command line. Pure functions of plain values.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from .iam.grammar import (
    ROLE_ARN_RE as ROLE_ARN_RE,  # re-exported
    RoleArn as RoleArn,
    parse_role_arn as parse_role_arn,
)

SIGNIN_HOSTS: Mapping[str, str] = {
    "aws": "signin.aws.amazon.com",
    "aws-us-gov": "signin.amazonaws-us-gov.com",
    "aws-cn": "signin.amazonaws.cn",
}
"""Console sign-in host per partition (the switch-role page lives there)."""


def display_name(role: RoleArn) -> str:
    """The console's label for the switched-to role, at most 64 characters."""
    return f"{role.name}@{role.account_id}"[:64]


def has_console(partition: str) -> bool:
    """Whether the partition has a console with a switch-role page (aws-iso and the like have none)."""
    return partition in SIGNIN_HOSTS


def switch_role_url(role_arn: str, display: str | None = None, color: str | None = None) -> str:
    """The console link that pre-fills the switch-role page for this role.

    ``roleName`` carries the path (without its leading slash) as the console
    expects; the host is the sign-in host of the role's partition; ``color``
    (6 hex digits) pre-selects the console's colour for the role. Raises
    ValueError for a partition without a console (see ``has_console``).
    """
    role = parse_role_arn(role_arn)
    if role is None:
        raise ValueError(f"{role_arn!r} is not an IAM role ARN")
    host = SIGNIN_HOSTS.get(role.partition)
    if host is None:
        raise ValueError(f"partition {role.partition!r} has no console switch-role page")
    parameters = {
        "account": role.account_id,
        "roleName": role.path_and_name,
        "displayName": display if display is not None else display_name(role),
    }
    if color is not None:
        parameters["color"] = color
    query = urlencode(parameters, quote_via=quote, safe="/")
    return f"https://{host}/switchrole?{query}"


def profile_name(role_arn: str) -> str:
    """``<role name>-<account id>``: the name of a role's CLI profile and extension entry."""
    role = parse_role_arn(role_arn)
    if role is None:
        raise ValueError(f"{role_arn!r} is not an IAM role ARN")
    return f"{role.name}-{role.account_id}"


@dataclass(frozen=True)
class CliProfile:
    """One ``[profile ...]`` block of ``~/.aws/config``, complete for what the role requires."""

    role_arn: str
    source_profile: str
    external_id_required: bool = False
    mfa_serial: str | None = None
    region: str | None = None
    session_name_required: bool = False
    """The role requires the session name to be the caller's IAM user name."""
    source_identity_required: bool = False
    """The role requires a source identity, which a CLI profile cannot set."""
    duration_seconds: int | None = None
    expires_at: str | None = None
    """When the access ends (RFC 3339 UTC), written as a comment."""

    @property
    def name(self) -> str:
        return profile_name(self.role_arn)


EXTERNAL_ID_PLACEHOLDER = "<external-id-from-the-trusting-account>"
SESSION_NAME_PLACEHOLDER = "<your-iam-user-name>"


def aws_cli_config(profiles: Iterable[CliProfile]) -> str:
    """A ready ``~/.aws/config`` text: one ``[profile <role>-<account>]`` per role.

    ``external_id`` gets a placeholder (the value is a secret of the trusting
    side); ``mfa_serial`` is written when the profile needs MFA;
    ``role_session_name`` gets a placeholder, under a comment, when the role
    requires the session name to be the caller's user name. Comments before a
    profile say when the access ends and when the profile cannot be used at
    all (the role requires a source identity, which profiles cannot set).
    """
    blocks = []
    for profile in sorted(profiles, key=lambda p: p.name):
        lines = []
        if profile.expires_at is not None:
            lines.append(f"# The access ends at {profile.expires_at}.")
        if profile.source_identity_required:
            lines += [
                "# The role requires a source identity, which an AWS CLI profile cannot set: AssumeRole",
                "# refuses this profile. Use an SDK's AssumeRole with SourceIdentity, or check the access with",
                f"# cross-account-verify {profile.role_arn} --source-identity <your-name>",
            ]
        lines += [
            f"[profile {profile.name}]",
            f"role_arn = {profile.role_arn}",
            f"source_profile = {profile.source_profile}",
        ]
        if profile.mfa_serial is not None:
            lines.append(f"mfa_serial = {profile.mfa_serial}")
        if profile.external_id_required:
            lines.append(f"external_id = {EXTERNAL_ID_PLACEHOLDER}")
        if profile.session_name_required:
            lines += [
                "# The role requires the session name to be your IAM user name:",
                f"role_session_name = {SESSION_NAME_PLACEHOLDER}",
            ]
        if profile.duration_seconds is not None:
            lines.append(f"duration_seconds = {profile.duration_seconds}")
        if profile.region is not None:
            lines.append(f"region = {profile.region}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


CONSOLE_COMMAND = "cross-account-console"
EXTERNAL_ID_OPTION_PLACEHOLDER = "'<external-id-from-the-trusting-account>'"
MFA_CODE_PLACEHOLDER = "<6-digit-code>"
SOURCE_IDENTITY_PLACEHOLDER = "<your-name>"


def console_command(profile: CliProfile) -> str:
    """The ``cross-account-console`` command line that opens the console as the role, complete for
    what the role requires (the same requirements as its CLI profile).

    An external id gets a placeholder, quoted for the shell (the value is a secret of the trusting
    side, never written here); MFA gets the device and a code placeholder; a session name that must
    be the user name, and a source identity (which profiles and the switch-role page cannot set, and
    this command can), get theirs. Real values are quoted for a POSIX shell.
    """
    words = [CONSOLE_COMMAND, shlex.quote(profile.role_arn), "--profile", shlex.quote(profile.source_profile)]
    if profile.external_id_required:
        words += ["--external-id", EXTERNAL_ID_OPTION_PLACEHOLDER]
    if profile.mfa_serial is not None:
        words += ["--mfa-serial", shlex.quote(profile.mfa_serial), "--mfa-token", MFA_CODE_PLACEHOLDER]
    if profile.session_name_required:
        words += ["--session-name", SESSION_NAME_PLACEHOLDER]
    if profile.source_identity_required:
        words += ["--source-identity", SOURCE_IDENTITY_PLACEHOLDER]
    if profile.duration_seconds is not None:
        words += ["--duration", str(profile.duration_seconds)]
    if profile.region is not None:
        words += ["--region", shlex.quote(profile.region)]
    return " ".join(words)


@dataclass(frozen=True)
class ExtensionEntry:
    """One role in the configuration of the "AWS Extend Switch Roles" browser extension."""

    role_arn: str
    color: str | None = None
    region: str | None = None
    console_refused: str | None = None
    """Why the console cannot switch to the role (it requires an external id or a source identity); None if it can."""

    @property
    def name(self) -> str:
        return profile_name(self.role_arn)


def switch_roles_extension_config(entries: Iterable[ExtensionEntry]) -> str:
    """The roles in the configuration format of the "AWS Extend Switch Roles" browser extension.

    One ``[<role>-<account>]`` section per role, sorted by name, with
    ``aws_account_id``, ``role_name`` (path and name, as the console's
    ``roleName``), and ``color`` and ``region`` when given. The extension ends a
    section at a blank or comment line, so comments (the roles left out: those
    the console cannot switch to, and roles in partitions without a console)
    come first, before any section.
    """
    comments, sections = [], []
    for entry in sorted(entries, key=lambda e: e.name):
        role = parse_role_arn(entry.role_arn)
        if role is None:
            raise ValueError(f"{entry.role_arn!r} is not an IAM role ARN")
        if not has_console(role.partition):
            comments.append(f"# {entry.name}: left out, partition {role.partition!r} has no console.")
            continue
        if entry.console_refused is not None:
            comments.append(f"# {entry.name}: left out, {entry.console_refused}.")
            continue
        lines = [
            f"[{entry.name}]",
            f"aws_account_id = {role.account_id}",
            f"role_name = {role.path_and_name}",
        ]
        if entry.color is not None:
            lines.append(f"color = {entry.color}")
        if entry.region is not None:
            lines.append(f"region = {entry.region}")
        sections.append("\n".join(lines) + "\n")
    head = "\n".join(comments) + "\n" if comments else ""
    return head + ("\n" if head and sections else "") + "\n".join(sections)


def mfa_serial_placeholder(partition: str, account_id: str) -> str:
    """The MFA device ARN pattern of a user of the trusted account."""
    return f"arn:{partition}:iam::{account_id}:mfa/<your-mfa-device-name>"


# CloudFormation: the role as a StackSet template -----------------------------


def switch_role_urls_by_account(
    partition: str, accounts: Iterable[str], role_path: str, role_name: str
) -> dict[str, str]:
    """``switch_role_url`` of the role in each account, for thousands of accounts at once.

    The links differ only in the account id, which is 12 digits wherever it is: the common parts are
    quoted once. Equal to ``switch_role_url`` of each ARN (tests/test_documents.py checks it); a display
    name that would be cut, and partitions without a console, go through ``switch_role_url`` itself.
    """
    accounts = list(accounts)
    host = SIGNIN_HOSTS.get(partition)
    if host is None or len(role_name) + 13 > 64:
        return {a: switch_role_url(f"arn:{partition}:iam::{a}:role{role_path}{role_name}") for a in accounts}
    path_and_name = quote(f"{role_path}{role_name}".lstrip("/"), safe="/")
    middle = f"&roleName={path_and_name}&displayName={quote(role_name, safe='/')}%40"
    prefix = f"https://{host}/switchrole?account="
    return {a: f"{prefix}{a}{middle}{a}" for a in accounts}
