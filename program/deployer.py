"""The least a deployer needs: the IAM policy for the identity that runs `pulumi up` on one stack.

Generated from the stack's config (Pulumi.yaml defaults, then Pulumi.<stack>.yaml), not exported by
the stack: the policy must exist before the first `pulumi up`, which could not run without it.

    python -m program.deployer trusting [--account 111122223333] [--partition aws] [--preview]

The stack file is read as ``make plan`` reads it (program/stackfile.py): the same files are refused
with the same one line (exit code 2, no traceback); a ``secure:`` value is never decrypted, and the
command refuses one only where the policy would need its value. ``--account`` defaults to the stack
file's ``aws:allowedAccountIds`` when it lists one account.

Each statement is scoped to what the stack makes: the role's path and name (trusting), the
assume-role policies' path and name and the users, groups and roles they are attached to (trusted),
and the managed policies either side may attach (``iam:PolicyARN``). ``--preview`` prints the reads a
`pulumi preview` (with refresh) makes instead. The documents are pure functions of plain values.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pulumi

from cross_account.iam.grammar import ACCOUNT_ID_RE, PARTITION
from cross_account.validation import InvalidInputError
from program.settings import RolloutSettings, TrustedSettings, TrustingSettings, load
from program.stackfile import ALLOWED_ACCOUNTS_KEY, StackConfig, StackFileError, config_strings, read_stack

ROOT = Path(__file__).resolve().parent.parent
PARTITION_RE = re.compile(PARTITION, re.ASCII)
VERSION = "2012-10-17"

ROLE_ACTIONS = (
    "iam:CreateRole",
    "iam:DeleteRole",
    "iam:DeleteRolePolicy",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListInstanceProfilesForRole",
    "iam:ListRolePolicies",
    "iam:ListRoleTags",
    "iam:PutRolePolicy",
    "iam:TagRole",
    "iam:UntagRole",
    "iam:UpdateAssumeRolePolicy",
    "iam:UpdateRole",
    "iam:UpdateRoleDescription",
)
"""aws.iam.Role (create, read with its inline and attached policies, update, tag, delete with
force-detach) and aws.iam.RolePolicy (the inline policies and AWSRevokeOlderSessions)."""
BOUNDARY_ACTIONS = ("iam:CreateRole", "iam:PutRolePermissionsBoundary")
"""With a permissions boundary: only with that boundary (``iam:PermissionsBoundary``)."""
ATTACH_ROLE_ACTIONS = ("iam:AttachRolePolicy", "iam:DetachRolePolicy")
ORGANIZATION_ACTIONS = (
    "organizations:ListAccountsForParent",
    "organizations:ListOrganizationalUnitsForParent",
)
"""getOrganizationalUnitDescendantAccounts: the accounts of a unit, and its units, down the tree."""
CUSTOMER_POLICY_READS = ("iam:GetPolicy", "iam:GetPolicyVersion")
"""aws.iam.getPolicy: a customer-managed policy the role gets, and its default version (the audit baseline)."""
POLICY_ACTIONS = (
    "iam:CreatePolicy",
    "iam:CreatePolicyVersion",
    "iam:DeletePolicy",
    "iam:DeletePolicyVersion",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:ListPolicyTags",
    "iam:ListPolicyVersions",
    "iam:TagPolicy",
    "iam:UntagPolicy",
)
"""aws.iam.Policy: create, read, a new default version on each change (the oldest deleted at five), tag, delete."""
GROUP_ACTIONS = (
    "iam:AddUserToGroup",
    "iam:CreateGroup",
    "iam:DeleteGroup",
    "iam:GetGroup",
    "iam:RemoveUserFromGroup",
    "iam:UpdateGroup",
)
"""aws.iam.Group and aws.iam.UserGroupMembership (AddUserToGroup's resource is the group)."""
PRINCIPAL_ACTIONS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "user": (("iam:AttachUserPolicy", "iam:DetachUserPolicy"), ("iam:ListAttachedUserPolicies",)),
    "group": (("iam:AttachGroupPolicy", "iam:DetachGroupPolicy"), ("iam:ListAttachedGroupPolicies",)),
    "role": (ATTACH_ROLE_ACTIONS, ("iam:ListAttachedRolePolicies",)),
}
"""Per kind of principal: (attach and detach, under the iam:PolicyARN condition; the read)."""
PREVIEW_PREFIXES = ("iam:Get", "iam:List", "organizations:List", "sts:")
"""The actions a preview makes: reads (refresh), the organization's units, the rollout's providers."""


def _one_or_list(values: Sequence[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else list(values)


def _statement(sid: str, actions: Sequence[str], resources: Sequence[str], **extra: Any) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": _one_or_list(sorted(actions)),
        "Resource": _one_or_list(resources),
        **extra,
    }


def _arn(partition: str, account: str, kind: str, path_and_name: str) -> str:
    return f"arn:{partition}:iam::{account}:{kind}{path_and_name}"


def trusting_deployer_policy(
    partition: str,
    account_id: str,
    role_path: str,
    role_name: str,
    policy_arns: Sequence[str],
    *,
    permissions_boundary_arn: str | None = None,
    deployment_role_name: str | None = None,
    target_account_ids: Sequence[str] = (),
    organizational_unit_ids: Sequence[str] = (),
) -> dict[str, Any]:
    """What the trusting stack's deployer may do: its role only, attaching only the listed policies.

    A rollout (``deployment_role_name``) also assumes that role in each target account but this one
    (in any account when units are targeted: their accounts are known only at deploy time) and lists
    the units' accounts; in each target account the deployment role acts with its own permissions.
    """
    role = _arn(partition, account_id, "role", f"{role_path}{role_name}")
    actions = [a for a in ROLE_ACTIONS if permissions_boundary_arn is None or a not in BOUNDARY_ACTIONS]
    statements = [_statement("ManageTheRole", actions, [role])]
    if permissions_boundary_arn is not None:
        statements.append(
            _statement(
                "CreateTheRoleWithItsBoundary",
                BOUNDARY_ACTIONS,
                [role],
                Condition={"ArnEquals": {"iam:PermissionsBoundary": permissions_boundary_arn}},
            )
        )
    if policy_arns:
        statements.append(
            _statement(
                "AttachOnlyTheListedPolicies",
                ATTACH_ROLE_ACTIONS,
                [role],
                Condition={"ArnEquals": {"iam:PolicyARN": _one_or_list(sorted(policy_arns))}},
            )
        )
    customer = sorted(a for a in policy_arns if a.split(":")[4] == account_id)
    if customer and deployment_role_name is None:
        # The audit baseline records their default version's document (aws:iam/getPolicy).
        statements.append(_statement("ReadTheCustomerManagedPolicies", CUSTOMER_POLICY_READS, customer))
    if deployment_role_name is not None:
        accounts = ["*"] if organizational_unit_ids else sorted(set(target_account_ids) - {account_id})
        if accounts:
            roles = [_arn(partition, a, "role", f"/{deployment_role_name}") for a in accounts]
            statements.append(_statement("AssumeTheDeploymentRole", ["sts:AssumeRole"], roles))
        if organizational_unit_ids:
            statements.append(_statement("ListTheUnitsAccounts", ORGANIZATION_ACTIONS, ["*"]))
    return {"Version": VERSION, "Statement": statements}


def _principal_arns(partition: str, account: str, kind: str, names: Sequence[str]) -> list[str]:
    """A user, group or role named without its path: at the root path, or under any path."""
    return [arn for name in names for arn in (_arn(partition, account, kind, f"/{name}"),
                                              _arn(partition, account, kind, f"/*/{name}"))]  # fmt: skip


def trusted_deployer_policy(
    partition: str,
    account_id: str,
    policy_path: str,
    policy_name: str,
    *,
    user_names: Sequence[str] = (),
    group_names: Sequence[str] = (),
    role_names: Sequence[str] = (),
    new_group_name: str | None = None,
    new_group_path: str = "/",
    new_group_members: Sequence[str] = (),
) -> dict[str, Any]:
    """What the trusted stack's deployer may do: its assume-role policies (and the ones a split adds,
    ``-2``, ``-3``, ...), attached only to its users, groups and roles, and its own group."""
    policy = _arn(partition, account_id, "policy", f"{policy_path}{policy_name}")
    policies = [policy, f"{policy}-*"]
    statements = [_statement("ManageTheAssumeRolePolicies", POLICY_ACTIONS, policies)]
    new_group = (
        None
        if new_group_name is None
        else _arn(partition, account_id, "group", f"{new_group_path}{new_group_name}")
    )
    principals = {
        "user": _principal_arns(partition, account_id, "user", user_names),
        "group": _principal_arns(partition, account_id, "group", group_names)
        + ([new_group] if new_group else []),
        "role": _principal_arns(partition, account_id, "role", role_names),
    }
    for kind, arns in principals.items():
        if not arns:
            continue
        attach, read = PRINCIPAL_ACTIONS[kind]
        title = kind.title()
        statements.append(
            _statement(
                f"AttachThePoliciesTo{title}s",
                attach,
                arns,
                Condition={"ArnLike": {"iam:PolicyARN": policies}},
            )
        )
        statements.append(_statement(f"Read{title}Attachments", read, arns))
    if new_group is not None:
        statements.append(_statement("ManageTheNewGroup", GROUP_ACTIONS, [new_group]))
        if new_group_members:
            members = _principal_arns(partition, account_id, "user", new_group_members)
            statements.append(_statement("ReadTheMembersGroups", ["iam:ListGroupsForUser"], members))
    return {"Version": VERSION, "Statement": statements}


def preview_policy(document: Mapping[str, Any]) -> dict[str, Any]:
    """The reads of a deployer policy: what `pulumi preview` with refresh calls (reads, the units'
    accounts, the rollout providers' AssumeRole), each read statement kept on its resources."""
    statements = []
    for statement in document["Statement"]:
        actions = [a for a in _as_list(statement["Action"]) if a.startswith(PREVIEW_PREFIXES)]
        if actions:
            statements.append(_statement(statement["Sid"], actions, _as_list(statement["Resource"])))
    return {"Version": VERSION, "Statement": statements}


def _as_list(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def for_settings(
    settings: TrustingSettings | TrustedSettings, partition: str, account_id: str
) -> dict[str, Any]:
    """The deployer policy of a stack's checked settings."""
    if isinstance(settings, TrustedSettings):
        args = settings.args
        return trusted_deployer_policy(
            partition,
            account_id,
            args["policy_path"],
            args["policy_name"],
            user_names=args.get("user_names", ()),
            group_names=args.get("group_names", ()),
            role_names=args.get("role_names", ()),
            new_group_name=args.get("new_group_name"),
            new_group_path=args.get("new_group_path", "/"),
            new_group_members=args.get("new_group_members", ()),
        )
    args = settings.args
    arns = [
        arn if arn.startswith("arn:") else f"arn:{partition}:iam::aws:policy/{arn}"
        for arn in args["managed_policy_arns"]
    ]
    rollout: RolloutSettings | None = settings.rollout
    if rollout is not None and rollout.mode == "stackset":
        raise InvalidInputError(
            "rolloutMode",
            "stackset",
            "has no generated deployer policy: CloudFormation creates the roles in the member accounts "
            "through the StackSets service roles, so the deployer needs the StackSet permissions of "
            "docs/rollout.md (prerequisites), not the IAM ones this command scopes",
        )
    return trusting_deployer_policy(
        partition,
        account_id,
        args["role_path"],
        args["role_name"],
        arns,
        permissions_boundary_arn=args.get("permissions_boundary_arn"),
        deployment_role_name=None if rollout is None else rollout.deployment_role_name,
        target_account_ids=() if rollout is None else rollout.target_account_ids,
        organizational_unit_ids=() if rollout is None else rollout.organizational_unit_ids,
    )


def stack_config(stack: str, root: Path = ROOT, config_file: Path | None = None) -> dict[str, str]:
    """The stack's config as the CLI hands it to the program: Pulumi.yaml defaults, then the stack file."""
    return config_strings(read_stack(root, stack, config_file).values)


class Refused(Exception):
    """The command cannot print a policy for this stack: the message is one line (exit code 2)."""


def _account(config: StackConfig, given: str | None) -> str:
    """--account, else the one account of aws:allowedAccountIds; it must be one the stack file allows."""
    allowed = config.allowed_account_ids()
    if given is None:
        if len(allowed) != 1:
            raise Refused(
                f"--account is needed: the stack file's {ALLOWED_ACCOUNTS_KEY} "
                + ("lists none" if not allowed else f"lists {len(allowed)} accounts")
                + ": name the account the stack deploys to"
            )
        return allowed[0]
    if not ACCOUNT_ID_RE.fullmatch(given):
        raise Refused(f"--account: {given!r} is not a 12-digit AWS account id")
    if allowed and given not in allowed:
        raise Refused(
            f"--account: {given!r} is not in the stack file's {ALLOWED_ACCOUNTS_KEY} {list(allowed)}: "
            f'pulumi up there stops with "AWS account ID not allowed: {given}"'
        )
    return given


def deployer_policy(
    stack: str, root: Path, *, account: str | None, partition: str, config_file: Path | None = None
) -> dict[str, Any]:
    """The deployer policy of a stack, read as the program reads it; Refused, StackFileError or
    InvalidInputError (one line each, no secret in it) when there is none to print."""
    if not PARTITION_RE.fullmatch(partition):
        raise Refused(f"--partition: {partition!r} is not an AWS partition (aws, aws-us-gov, aws-cn, ...)")
    config = read_stack(root, stack, config_file)
    account_id = _account(config, account)
    raw = config_strings(config.values)
    # Secure values are stand-ins: the settings hide them in errors as the program hides secrets.
    pulumi.runtime.set_all_config(raw, secret_keys=sorted(config.secret_keys))
    try:
        document = for_settings(load(raw, stack), partition, account_id)
    finally:
        pulumi.runtime.set_all_config({}, secret_keys=[])
    text = json.dumps(document)
    for placeholder, key in config.secure_key_of.items():
        if placeholder in text:
            raise Refused(
                f"{key.removeprefix(config.project + ':')}: is set as a secret (secure:), and the deployer "
                "policy names its value, which is not known without decrypting it: set it in plain text"
            )
    return document


def main(argv: Sequence[str] | None = None, root: Path = ROOT) -> int:
    """The command: print the deployer policy of a stack of the project in ``root``; 2 on bad input."""
    parser = argparse.ArgumentParser(
        prog="python -m program.deployer", description=__doc__.splitlines()[0], allow_abbrev=False
    )
    parser.add_argument("stack", help="the stack whose Pulumi.<stack>.yaml is read")
    parser.add_argument(
        "--account",
        help=f"the 12-digit id of the account the stack deploys to (default: the stack file's {ALLOWED_ACCOUNTS_KEY}, "
        "when it lists one)",
    )
    parser.add_argument("--partition", default="aws", help="aws (default), aws-us-gov, aws-cn, ...")
    parser.add_argument("--preview", action="store_true", help="only what a pulumi preview reads")
    parser.add_argument(
        "--config", metavar="FILE", type=Path, help="the stack file to read instead of Pulumi.<stack>.yaml"
    )
    options = parser.parse_args(argv)
    try:
        document = deployer_policy(
            options.stack,
            root,
            account=options.account,
            partition=options.partition,
            config_file=options.config,
        )
    except (Refused, StackFileError, InvalidInputError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(preview_policy(document) if options.preview else document, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
