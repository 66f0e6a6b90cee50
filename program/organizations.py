"""What AWS Organizations says of the target units: their active accounts and the units under them,
read at every run (the invokes a rollout makes), and the target accounts they give."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from cross_account import (
    stackset as stackset_mode,
)
from cross_account.validation import (
    InvalidInputError,
    Reporter,
)

from .settings import (
    RolloutSettings,
)


@dataclass(frozen=True)
class Member:
    """An active account of an organizational unit, and whose organization it is in."""

    account: str
    management: str
    """The organization's management account (the account field of the account's ARN)."""
    organization: str
    """The organization id, o-..."""


DESCENDANT_ACCOUNTS = (
    "aws:organizations/getOrganizationalUnitDescendantAccounts:getOrganizationalUnitDescendantAccounts"
)


def aws_invoke_options() -> pulumi.InvokeOptions:
    """What pulumi_aws's typed invokes pass: the version of the AWS provider the program's resources use."""
    return pulumi.InvokeOptions(version=importlib.metadata.version("pulumi_aws"))


ORGANIZATIONS_REFUSED = (
    "could not be read from AWS Organizations ({reason}): listing the accounts of an organizational "
    "unit needs credentials of the organization's management account or of a delegated administrator, "
    "and the id of a unit of that organization"
)


DESCENDANT_UNITS = (
    "aws:organizations/getOrganizationalUnitDescendantOrganizationalUnits:"
    "getOrganizationalUnitDescendantOrganizationalUnits"
)


def _organizations(token: str, unit: str) -> Any:
    """The result of an Organizations invoke about ``unit``; a refusal ends the run in one line."""
    try:
        # The untyped invoke: the typed function builds an object per account, 0.1 ms each, which
        # is most of what a stackset rollout to 5,000 accounts costs (docs/benchmarks.md).
        return pulumi.runtime.invoke(token, {"parentId": unit}, aws_invoke_options()).value
    except Exception as error:  # noqa: BLE001 - any refusal of the invoke ends in this one line
        reason = " ".join(str(error).split()).split(" failed: ", 1)[-1][:300]
        raise InvalidInputError(
            "targetOrganizationalUnitIds", unit, ORGANIZATIONS_REFUSED.format(reason=reason)
        ) from None


def organizational_unit_descendants(unit: str) -> list[str]:
    """The ids of the organizational units under ``unit``, at any depth, as AWS Organizations lists them now."""
    return [str(child.get("id")) for child in _organizations(DESCENDANT_UNITS, unit).get("childrens") or ()]


def organizational_unit_accounts(unit: str) -> list[str]:
    """The active accounts in an organizational unit and every unit under it, as AWS Organizations lists them now."""
    return [member.account for member in organizational_unit_members(unit)]


def organizational_unit_members(unit: str) -> list[Member]:
    """The active accounts of a unit (and the units under it), with their organization and its management account."""
    found = _organizations(DESCENDANT_ACCOUNTS, unit)
    members = []
    for account in found.get("accounts") or ():
        if account.get("state") != "ACTIVE":
            continue
        # arn:<partition>:organizations::<management account>:account/<organization id>/<account id>
        arn = str(account.get("arn") or "")
        parts = arn.split(":")
        management = parts[4] if len(parts) > 5 else ""
        organization = parts[5].split("/")[1] if len(parts) > 5 and parts[5].count("/") == 2 else ""
        members.append(Member(str(account["id"]), management, organization))
    return members


def target_accounts(
    rollout: RolloutSettings,
    trusted: Sequence[str],
    reporter: Reporter | None = None,
    listed: Mapping[str, Sequence[str]] | None = None,
) -> tuple[str, ...]:
    """targetAccountIds, and the active accounts of targetOrganizationalUnitIds but excludeAccountIds.

    ``listed``: the units' accounts when already read (unit -> accounts)."""
    accounts = dict.fromkeys(rollout.target_account_ids)
    excluded = set(rollout.exclude_account_ids)
    excluding: set[str] = set()
    for unit in rollout.organizational_unit_ids:
        members = listed[unit] if listed is not None else organizational_unit_accounts(unit)
        for account in members:
            if account in excluded:
                excluding.add(account)
                continue
            if account in trusted:
                raise InvalidInputError(
                    "targetOrganizationalUnitIds",
                    unit,
                    f"holds account {account!r}, which is also in trustedAccountIds: a role that trusts the "
                    "account it is in is not cross-account access; "
                    + (
                        stackset_mode.MOVE_OUT.replace("rollout_mode", "rolloutMode")
                        if rollout.mode == "stackset"
                        else "leave it out with excludeAccountIds"
                    ),
                )
            accounts.setdefault(account)
    for account in rollout.exclude_account_ids:
        if account not in excluding:
            (reporter or Reporter()).warn(
                f"excludeAccountIds: {account!r} is not an active account of targetOrganizationalUnitIds "
                f"{list(rollout.organizational_unit_ids)}: it excludes nothing"
            )
    if not accounts:
        raise InvalidInputError(
            "targetOrganizationalUnitIds",
            list(rollout.organizational_unit_ids),
            "hold no active account that excludeAccountIds leaves in: the rollout would create no role "
            "(to remove this stack's roles, run `pulumi destroy`)",
        )
    return tuple(sorted(accounts))
