"""AWS's answers without AWS: what the components register and invoke, answered offline.

``CrossAccountMocks`` (a ``pulumi.runtime.Mocks``) gives IAM roles, policies, users, groups and their
attachments the ARNs, ids and unique ids AWS would give them in the right account and partition,
answers the invokes the program makes, and returns the stack outputs you give. ``make plan``
(``program.plan``) runs the real program on it; ``cross_account.testing`` offers it to the unit tests
of projects that use the components (see there).
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime import rpc

from .iam.grammar import ACCOUNT_ID_RE, REGION_RE, ROLE_ARN_RE, region_partition

__all__ = ["CREATE_DATE", "CrossAccountMocks"]

CREATE_DATE = "2024-01-01T00:00:00Z"
"""The ``createDate`` of every role, user and group (and ``joinedTimestamp`` of every account)."""

PARTITION_DNS = {
    "aws": ("amazonaws.com", "com.amazonaws", "us-east-1"),
    "aws-cn": ("amazonaws.com.cn", "cn.com.amazonaws", "cn-north-1"),
    "aws-us-gov": ("amazonaws.com", "com.amazonaws", "us-gov-west-1"),
}
"""Partition -> (DNS suffix, reverse DNS prefix, default region)."""

REGION_DESCRIPTIONS = {
    "us-east-1": "US East (N. Virginia)",
    "us-east-2": "US East (Ohio)",
    "us-west-1": "US West (N. California)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "Europe (Ireland)",
    "eu-west-2": "Europe (London)",
    "eu-central-1": "Europe (Frankfurt)",
    "ap-northeast-1": "Asia Pacific (Tokyo)",
    "ap-southeast-2": "Asia Pacific (Sydney)",
    "cn-north-1": "China (Beijing)",
    "cn-northwest-1": "China (Ningxia)",
    "us-gov-west-1": "AWS GovCloud (US-West)",
    "us-gov-east-1": "AWS GovCloud (US-East)",
}


INVOKES = (
    "aws:index/getPartition:getPartition",
    "aws:index/getCallerIdentity:getCallerIdentity",
    "aws:index/getRegion:getRegion",
    "aws:organizations/getOrganizationalUnitDescendantAccounts:getOrganizationalUnitDescendantAccounts",
    "aws:organizations/getOrganizationalUnitDescendantOrganizationalUnits:"
    "getOrganizationalUnitDescendantOrganizationalUnits",
    "aws:iam/getPolicy:getPolicy",
)
"""The invokes the mocks answer; any other fails. (The program reads, with the last, each
customer-managed policy a role gets, for cross-account-audit's baseline.)"""
MOCK_POLICY_DOCUMENT: Mapping[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::example-bucket/*"}],
}
"""The default version aws.iam.get_policy answers for a policy not in ``policy_documents``."""

PROVIDER = "pulumi:providers:aws"
STACK_REFERENCE = "pulumi:pulumi:StackReference"

# IAM entities: type -> (ARN resource type, unique-id prefix, id is the ARN)
_IAM_ENTITIES = {
    "aws:iam/role:Role": ("role", "AROA", False),
    "aws:iam/policy:Policy": ("policy", "ANPA", True),
    "aws:iam/group:Group": ("group", "AGPA", False),
    "aws:iam/user:User": ("user", "AIDA", False),
}
_UNIQUE_ID_KEY = {"aws:iam/policy:Policy": "policyId"}
# Attachments: type -> the input naming what the policy is attached to (id "<that>-<digits>")
_ATTACHMENTS = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "role",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": "user",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": "group",
}
# Inline policies: type -> the input naming their owner (id "<owner>:<name>")
_INLINE_POLICIES = {
    "aws:iam/rolePolicy:RolePolicy": "role",
    "aws:iam/userPolicy:UserPolicy": "user",
    "aws:iam/groupPolicy:GroupPolicy": "group",
}


def _digest(*parts: str) -> bytes:
    return hashlib.sha256("\0".join(parts).encode()).digest()


def _unique_id(prefix: str, arn: str) -> str:
    """``prefix`` + 17 uppercase letters and digits, derived from the ARN (as AWS's AROA..., AIDA...)."""
    return prefix + base64.b32encode(_digest(arn)).decode()[:17]


def _digits(*parts: str) -> str:
    """26 digits derived from ``parts``, the shape of the AWS provider's generated ids."""
    return f"{int.from_bytes(_digest(*parts)[:12], 'big') % 10**26:026d}"


def _hex(*parts: str) -> str:
    return _digest(*parts).hex()[:7]


def _plain(value: Any) -> Any:
    """A value without its secret marker (a provider input holding a secret arrives wrapped)."""
    while isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig:  # noqa: SLF001
        value = value.get("value")
    return value


def _list(value: Any) -> list[Any]:
    """A provider input list: provider inputs reach the mocks as JSON strings (wrapped when secret)."""
    value = _plain(value)
    if value is None:
        return []
    if isinstance(value, str):
        value = json.loads(value)
    return list(value)


def _account_id(key: str, value: Any) -> str:
    if not isinstance(value, str) or not ACCOUNT_ID_RE.fullmatch(value):
        raise ValueError(f"{key}: {value!r} is not a 12-digit AWS account id")
    return value


@dataclass(frozen=True)
class _Target:
    """Where a provider's calls land: account, partition, region, and who makes them."""

    account_id: str
    partition: str
    region: str
    caller_arn: str
    caller_user_id: str


class CrossAccountMocks(pulumi.runtime.Mocks):
    """Pulumi mocks that answer like AWS for cross-account IAM programs.

    Args:
        account_id: the account of the default provider (and of providers that name none).
        partition: ``aws``, ``aws-cn`` or ``aws-us-gov``.
        region: the default provider's region; by default the partition's first
            (``us-east-1``, ``cn-north-1``, ``us-gov-west-1``).
        stack_outputs: stack name -> its outputs, for ``pulumi.StackReference``; a
            reference to any other stack fails with ``unknown stack "<name>"``.
        organization_accounts: organizational unit id -> ids of the accounts under it,
            for ``aws.organizations.get_organizational_unit_descendant_accounts``.
        organization_units: organizational unit id -> ids of the units under it, at any
            depth, for ``aws.organizations.get_organizational_unit_descendant_organizational_units``
            (a unit of ``organization_accounts`` not listed here has none).
        provider_accounts: provider resource name -> account id, for ``aws.Provider``
            resources whose inputs name no account (a profile, environment credentials).
        policy_documents: policy ARN -> the document of its default version, for
            ``aws.iam.get_policy`` (others answer ``MOCK_POLICY_DOCUMENT``).

    ``invokes`` lists the token of every invoke made, in order; ``stack_references``
    the name of every stack referenced.
    """

    def __init__(
        self,
        account_id: str = "111122223333",
        *,
        partition: str = "aws",
        region: str | None = None,
        stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
        organization_accounts: Mapping[str, Sequence[str]] | None = None,
        provider_accounts: Mapping[str, str] | None = None,
        organization_units: Mapping[str, Sequence[str]] | None = None,
        policy_documents: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        if partition not in PARTITION_DNS:
            raise ValueError(f"partition: {partition!r} is not one of {', '.join(PARTITION_DNS)}")
        region = region if region is not None else PARTITION_DNS[partition][2]
        self._check_region("region", region, partition)
        self.account_id = _account_id("account_id", account_id)
        self.partition = partition
        self.region = region
        self.stack_outputs = {name: dict(outputs) for name, outputs in (stack_outputs or {}).items()}
        self.organization_accounts = {
            ou: [_account_id(f"organization_accounts[{ou!r}]", a) for a in accounts]
            for ou, accounts in (organization_accounts or {}).items()
        }
        self.organization_units = {ou: list(units) for ou, units in (organization_units or {}).items()}
        self.provider_accounts = {
            name: _account_id(f"provider_accounts[{name!r}]", a)
            for name, a in (provider_accounts or {}).items()
        }
        self.policy_documents = dict(policy_documents or {})
        self.invokes: list[str] = []
        self.stack_references: list[str] = []
        self._default = self._target(self.account_id, partition, region, None)
        self._providers: dict[str, _Target] = {}

    # -- the pulumi.runtime.Mocks interface ----------------------------------------

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        """The id and state of a registered (or read) resource."""
        state = dict(args.inputs)
        if args.typ == PROVIDER:
            return self._new_provider(args.name, state), state
        if args.typ == STACK_REFERENCE:
            return self._stack_reference(state["name"])
        target = self._target_of(args.provider)
        if args.typ in _IAM_ENTITIES:
            return self._iam_entity(args, state, target)
        if args.typ in _ATTACHMENTS:
            owner = str(state[_ATTACHMENTS[args.typ]])
            return (
                args.resource_id or f"{owner}-{_digits(target.account_id, owner, str(state['policyArn']))}",
                state,
            )
        if args.typ in _INLINE_POLICIES:
            owner = str(state[_INLINE_POLICIES[args.typ]])
            state.setdefault("name", self._auto_name(args.name, target))
            return args.resource_id or f"{owner}:{state['name']}", state
        if args.typ == "aws:cloudformation/stackSet:StackSet":
            name = str(state.setdefault("name", self._auto_name(args.name, target)))
            state["arn"] = (
                f"arn:{target.partition}:cloudformation:{target.region}:{target.account_id}:stackset/"
                f"{name}:{_digest(target.account_id, name).hex()[:8]}-0000-4000-8000-{_digest(name).hex()[:12]}"
            )
            state["stackSetId"] = state["arn"].rsplit("/", 1)[1]
            return args.resource_id or name, state
        if args.typ == "aws:cloudformation/stackSetInstance:StackSetInstance":
            units = ",".join((state.get("deploymentTargets") or {}).get("organizationalUnitIds") or [])
            where = state.get("stackSetInstanceRegion") or target.region
            return args.resource_id or f"{state['stackSetName']},{units},{where}", state
        if args.typ == "aws:iam/userGroupMembership:UserGroupMembership":
            groups = [str(g) for g in state.get("groups", [])]
            return (
                args.resource_id or f"terraform-{_digits(target.account_id, str(state['user']), *groups)}",
                state,
            )
        return args.resource_id or f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        """The result of an invoke; any invoke but those in ``INVOKES`` fails."""
        self.invokes.append(args.token)
        target = self._target_of(args.provider)
        dns_suffix, reverse_dns, _ = PARTITION_DNS[target.partition]
        if args.token == "aws:index/getPartition:getPartition":
            result = {
                "partition": target.partition,
                "dnsSuffix": dns_suffix,
                "reverseDnsPrefix": reverse_dns,
                "id": target.partition,
            }
        elif args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            result = {
                "accountId": target.account_id,
                "arn": target.caller_arn,
                "userId": target.caller_user_id,
                "id": target.account_id,
            }
        elif args.token == "aws:index/getRegion:getRegion":
            region = args.args.get("region") or args.args.get("name") or target.region
            result = {
                "name": region,
                "region": region,
                "id": region,
                "description": REGION_DESCRIPTIONS.get(region, region),
                "endpoint": f"ec2.{region}.{dns_suffix}",
            }
        elif args.token == INVOKES[3]:
            result = self._descendant_accounts(str(args.args.get("parentId")), target)
        elif args.token == INVOKES[4]:
            result = self._descendant_units(str(args.args.get("parentId")))
        elif args.token == INVOKES[5]:
            arn = str(args.args.get("arn"))
            document = self.policy_documents.get(arn, MOCK_POLICY_DOCUMENT)
            result = {"arn": arn, "name": arn.rsplit("/", 1)[-1], "policy": json.dumps(document), "id": arn}
        else:
            raise NotImplementedError(
                f"CrossAccountMocks does not answer the invoke {args.token}: it answers "
                f"{', '.join(INVOKES)} (subclass it and extend call() for more)"
            )
        return result, []

    # -- providers: which account a resource lands in --------------------------------

    def _target(
        self, account_id: str, partition: str, region: str, role_arn: str | None, session: str = "pulumi"
    ) -> _Target:
        if role_arn is None:
            arn = f"arn:{partition}:iam::{account_id}:user/deployer"
            return _Target(account_id, partition, region, arn, _unique_id("AIDA", arn))
        role = ROLE_ARN_RE.fullmatch(role_arn)
        assert role is not None
        arn = f"arn:{partition}:sts::{account_id}:assumed-role/{role['name']}/{session}"
        return _Target(account_id, partition, region, arn, f"{_unique_id('AROA', role_arn)}:{session}")

    def _new_provider(self, name: str, inputs: Mapping[str, Any]) -> str:
        """Register a provider: map its id to the account, partition and region its inputs name."""
        where = f"provider {name!r}"
        roles = [r for r in _list(inputs.get("assumeRoles")) if r.get("roleArn")]
        role_arn = str(roles[-1]["roleArn"]) if roles else None
        session = str(roles[-1].get("sessionName") or "pulumi") if roles else "pulumi"
        role = ROLE_ARN_RE.fullmatch(role_arn) if role_arn else None
        if role_arn and role is None:
            raise ValueError(f"{where}: assumeRoles roleArn {role_arn!r} is not an IAM role ARN")
        allowed = [
            _account_id(f"{where}: allowedAccountIds", a) for a in _list(inputs.get("allowedAccountIds"))
        ]
        named = self.provider_accounts.get(name)
        if role is not None:
            account = role["account"]
        elif len(allowed) == 1:
            account = allowed[0]
        else:
            account = named or self.account_id
        if named is not None and named != account:
            raise ValueError(f"{where}: provider_accounts gives {named}, its inputs name {account}")
        if allowed and account not in allowed:
            raise ValueError(
                f"{where}: account {account} is not in its allowedAccountIds {allowed} "
                "(give its account in provider_accounts)"
            )
        region = _plain(inputs.get("region"))
        if region:
            self._check_region(f"{where}: region", region, None)
            partition = region_partition(region)
            if partition not in PARTITION_DNS:
                raise ValueError(
                    f"{where}: region {region!r} is in partition {partition!r}, which the mocks do not "
                    f"emulate ({', '.join(PARTITION_DNS)})"
                )
        else:
            region = self.region
            partition = role["partition"] if role else self.partition
            if partition != self.partition:
                region = PARTITION_DNS[partition][2]
        provider_id = f"{name}-id"
        while provider_id in self._providers:
            provider_id = f"{name}-id-{len(self._providers)}"
        self._providers[provider_id] = self._target(account, partition, region, role_arn, session)
        return provider_id

    def _target_of(self, provider: str | None) -> _Target:
        """The target of a provider reference ``<urn>::<id>``; the default provider's for none."""
        if not provider:
            return self._default
        return self._providers.get(provider.rsplit("::", 1)[-1], self._default)

    @staticmethod
    def _check_region(key: str, region: Any, partition: str | None) -> None:
        if not isinstance(region, str) or not REGION_RE.fullmatch(region):
            raise ValueError(f"{key}: {region!r} is not an AWS region name such as us-east-1")
        if partition is not None and region_partition(region) != partition:
            raise ValueError(f"{key}: {region!r} is not a region of partition {partition!r}")

    # -- resources --------------------------------------------------------------------

    def _auto_name(self, logical_name: str, target: _Target) -> str:
        """What Pulumi's auto-naming would give: the logical name and 7 hex characters."""
        return f"{logical_name}-{_hex(target.account_id, logical_name)}"

    def _iam_entity(
        self, args: pulumi.runtime.MockResourceArgs, state: dict[str, Any], target: _Target
    ) -> tuple[str, dict[str, Any]]:
        kind, prefix, id_is_arn = _IAM_ENTITIES[args.typ]
        if "name" not in state and args.resource_id:  # a read (.get): the id names it
            state["name"] = args.resource_id.rsplit("/", 1)[-1]
        if "name" not in state:
            name_prefix = state.get("namePrefix")
            state["name"] = (
                f"{name_prefix}{_digits(target.account_id, args.name)}"
                if name_prefix
                else self._auto_name(args.name, target)
            )
        state.setdefault("path", "/")
        arn = f"arn:{target.partition}:iam::{target.account_id}:{kind}{state['path']}{state['name']}"
        state["arn"] = arn
        state[_UNIQUE_ID_KEY.get(args.typ, "uniqueId")] = _unique_id(prefix, arn)
        if args.typ != "aws:iam/policy:Policy":
            state.setdefault("createDate", CREATE_DATE)
        if args.typ == "aws:iam/role:Role":
            state.setdefault("maxSessionDuration", 3600)
        if args.typ != "aws:iam/group:Group":
            state["tagsAll"] = dict(state.get("tags") or {})
        return (arn if id_is_arn else str(state["name"])), state

    def _stack_reference(self, name: str) -> tuple[str, dict[str, Any]]:
        self.stack_references.append(name)
        if name not in self.stack_outputs:
            raise ValueError(f'unknown stack "{name}"')
        return name, {"name": name, "outputs": dict(self.stack_outputs[name]), "secretOutputNames": []}

    def _descendant_units(self, parent_id: str) -> dict[str, Any]:
        if parent_id not in self.organization_accounts and parent_id not in self.organization_units:
            raise ValueError(
                f"getOrganizationalUnitDescendantOrganizationalUnits: parentId {parent_id!r} is not an "
                f"organizational unit of these mocks (organization_accounts has {sorted(self.organization_accounts)})"
            )
        children = [
            {"id": unit, "name": f"unit-{unit}", "arn": f"arn:aws:organizations::{self.account_id}:ou/{unit}"}
            for unit in self.organization_units.get(parent_id, ())
        ]
        return {"childrens": children, "id": parent_id, "parentId": parent_id}

    def _descendant_accounts(self, parent_id: str, target: _Target) -> dict[str, Any]:
        if parent_id not in self.organization_accounts:
            raise ValueError(
                f"getOrganizationalUnitDescendantAccounts: parentId {parent_id!r} is not an organizational "
                f"unit of these mocks (organization_accounts has {sorted(self.organization_accounts)})"
            )
        organization = "o-" + base64.b32encode(_digest(target.account_id)).decode()[:10].lower()
        accounts = [
            {
                "id": account,
                "arn": f"arn:{target.partition}:organizations::{target.account_id}:account/{organization}/{account}",
                "name": f"account-{account}",
                "email": f"aws+{account}@example.com",
                "status": "ACTIVE",
                "state": "ACTIVE",
                "joinedMethod": "CREATED",
                "joinedTimestamp": CREATE_DATE,
            }
            for account in self.organization_accounts[parent_id]
        ]
        return {"accounts": accounts, "id": parent_id, "parentId": parent_id}
