"""cross-account-audit on the trusted side: the assume-role policies, and who else may assume the roles."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict
from typing import Any

from .audit_documents import (
    allows_assume_action,
    document_of,
    granted_roles,
    may_assume,
    pattern_matches,
    statements_of,
)
from .audit_findings import Finding, compare, finding
from .audit_outputs import WantedAccess
from .audit_reads import AuditReads, NotFound
from .iam.grammar import AWS_MANAGED_POLICY_ARN_RE
from .limits import AUDIT_BASELINE_OUTPUT

AWS_MANAGED_POLICY_RE = AWS_MANAGED_POLICY_ARN_RE


class AccessChecks(AuditReads):
    """The trusted side: each trusted stack's policies and principals, and who else may assume the roles."""

    def access(self, iam: Any, caller: str, want: WantedAccess) -> list[Finding]:
        found: list[Finding] = []

        def add(rule: str, resource: str, message: str, severity: str | None = None, **details: Any) -> None:
            item = finding(rule, want.account, resource, message, want.source, **details)
            found.append(item if severity is None else Finding(**{**asdict(item), "severity": severity}))

        missing = self._principals(iam, caller, want, add)
        granted: set[str] = set()
        read = 0
        for index, policy_arn in enumerate(want.policy_arns):
            live = self._policy(iam, caller, want, index, add)
            if live is None:
                continue
            read += 1
            granted |= granted_roles(live)
            self._attachments(iam, caller, want, policy_arn, missing, add)
        if want.documents is None:
            add(
                "baseline-missing",
                want.policy_arns[0],
                f"{want.source} has no {AUDIT_BASELINE_OUTPUT}: the policies' statements, actions and conditions "
                "are not compared; update the stack, then audit again",
            )
        if read == len(want.policy_arns):  # (a policy that is gone has its own finding)
            self._grants(want, granted, add)
        return found

    def _principals(
        self, iam: Any, caller: str, want: WantedAccess, add: Callable[..., None]
    ) -> set[tuple[str, str]]:
        """The users, groups and roles the stack names that do not exist, as (kind, name)."""
        prefix = f"arn:{want.partition}:iam::{want.account}"
        missing: set[tuple[str, str]] = set()
        for kind, operation, names in (
            ("user", "get_user", want.users),
            ("group", "get_group", want.groups),
            ("role", "get_role", want.roles),
        ):
            for name in names:
                arn = f"{prefix}:{kind}/{name}"
                params: dict[str, Any] = {f"{kind.capitalize()}Name": name}
                if kind == "group":
                    params["MaxItems"] = 1
                try:
                    self.read(iam, caller, operation, arn, **params)
                except NotFound:
                    missing.add((kind, name))
                    add("principal-missing", arn, f"{kind} {name}, which the stack names, does not exist")
        return missing

    def _policy(self, iam: Any, caller: str, want: WantedAccess, index: int, add: Callable[..., None]) -> Any:
        """The default version of the stack's ``index``-th assume-role policy, compared with the stack's
        document; None when the policy does not exist."""
        policy_arn = want.policy_arns[index]
        try:
            policy = self.read(iam, caller, "get_policy", policy_arn, PolicyArn=policy_arn)["Policy"]
            version = self.read(
                iam, caller, "get_policy_version", policy_arn, PolicyArn=policy_arn,
                VersionId=policy["DefaultVersionId"],
            )  # fmt: skip
        except NotFound:
            add("assume-policy-missing", policy_arn, f"the assume-role policy {policy_arn} does not exist")
            return None
        live = document_of(version["PolicyVersion"]["Document"])

        def add_to(resource: str, rule: str, message: str, **details: Any) -> None:
            add(rule, resource, message, **details)

        if want.documents is not None:
            compare(
                "assume-policy-content-drift",
                f"the assume-role policy {policy_arn} (default version {policy['DefaultVersionId']})",
                want.documents[index],
                live,
                want.partition,
                functools.partial(add_to, policy_arn),
                policy=policy_arn,
            )
        return live

    def _attachments(
        self,
        iam: Any,
        caller: str,
        want: WantedAccess,
        policy_arn: str,
        missing: set[tuple[str, str]],
        add: Callable[..., None],
    ) -> None:
        """The principals ``policy_arn`` is attached to, compared with those the stack names."""
        prefix = f"arn:{want.partition}:iam::{want.account}"
        entities: dict[str, set[str]] = {"user": set(), "group": set(), "role": set()}
        for kind, key, name_key in (
            ("user", "PolicyUsers", "UserName"),
            ("group", "PolicyGroups", "GroupName"),
            ("role", "PolicyRoles", "RoleName"),
        ):
            listed = self.pages(
                iam, caller, "list_entities_for_policy", policy_arn, key, PolicyArn=policy_arn
            )
            entities[kind] = {e[name_key] for e in listed}
        named = {"user": set(want.users), "group": set(want.groups), "role": set(want.roles)}
        for kind in ("user", "group", "role"):
            # IAM names are unique without case: the stack's "Alice" is the live "alice".
            live = {name.lower() for name in entities[kind]}
            asked = {name.lower() for name in named[kind]}
            for name in sorted(n for n in named[kind] if n.lower() not in live):
                if (kind, name) not in missing:
                    add(
                        "assume-policy-detached",
                        policy_arn,
                        f"the assume-role policy is not attached to {kind} {name}, which the stack names: "
                        f"{name} cannot assume the roles",
                        principal=f"{prefix}:{kind}/{name}",
                    )
            for name in sorted(n for n in entities[kind] if n.lower() not in asked):
                add(
                    "assume-policy-unexpected-principal",
                    policy_arn,
                    f"the assume-role policy is attached to {kind} {name}, which the stack does not name: "
                    f"{name} may assume the roles",
                    principal=f"{prefix}:{kind}/{name}",
                )

    def _grants(self, want: WantedAccess, granted: set[str], add: Callable[..., None]) -> None:
        """The roles the assume-role policies grant, compared with those the stack names."""
        wanted = set(want.role_arns) | set(want.role_patterns)
        extra = sorted(granted - wanted)
        lost = sorted(wanted - granted)
        if extra or lost:
            add(
                "assume-policy-drift",
                want.policy_arns[0],
                "the assume-role policies "
                + "; ".join(
                    part
                    for part in (
                        f"grant roles the stack does not name: {', '.join(extra)}" if extra else "",
                        f"no longer grant: {', '.join(lost)}" if lost else "",
                    )
                    if part
                ),
                extra=extra,
                lost=lost,
            )

    def others(
        self,
        iam: Any,
        caller: str,
        account: str,
        accesses: Sequence[WantedAccess],
        targets: Mapping[str, list[str] | None],
    ) -> list[Finding]:
        """The principals of trusted ``account`` that the stacks did not name and whose own policies allow
        sts:AssumeRole on one of ``targets`` (role ARN or pattern -> the aws:PrincipalArn patterns its
        trust policy requires, None for any principal of the account); and the members of a group a
        stack made that it did not list."""
        details = self.authorization_details(iam, caller, account)
        found: list[Finding] = []
        for kind, name, arn, documents in self._unnamed(iam, caller, accesses, details):
            roles = sorted(
                target
                for target, patterns in targets.items()
                if (patterns is None or any(pattern_matches(p, arn, fold=False) for p in patterns))
                and may_assume(documents, target)
            )
            if roles:
                found.append(_other_principal(account, kind, name, arn, roles, accesses[0].source))
        return found + _unlisted_members(account, accesses, details["UserDetailList"])

    def _unnamed(
        self, iam: Any, caller: str, accesses: Sequence[WantedAccess], details: Mapping[str, list[Any]]
    ) -> Iterator[tuple[str, str, str, list[Any]]]:
        """(kind, name, ARN, its policies' documents) of each principal of ``details`` the stacks do not
        name (nor a member of a group they name) whose own policies allow sts:AssumeRole on something."""
        local: dict[str, Any] = {}
        for policy in details["Policies"]:
            for version in policy.get("PolicyVersionList") or []:
                if version.get("IsDefaultVersion"):
                    local[str(policy.get("Arn"))] = document_of(version.get("Document") or {})
        stack_policies = {arn for access in accesses for arn in access.policy_arns}
        named = {
            (kind, name.lower())
            for access in accesses
            for kind, names in (("user", access.users), ("group", access.groups), ("role", access.roles))
            for name in names
        }
        granted_groups = {name for kind, name in named if kind == "group"}
        for kind, key, name_key, inline_key in (
            ("user", "UserDetailList", "UserName", "UserPolicyList"),
            ("group", "GroupDetailList", "GroupName", "GroupPolicyList"),
            ("role", "RoleDetailList", "RoleName", "RolePolicyList"),
        ):
            for entry in details[key]:
                name = str(entry.get(name_key, ""))
                if (kind, name.lower()) in named:
                    continue
                if kind == "user" and {g.lower() for g in entry.get("GroupList") or []} & granted_groups:
                    continue  # a member of a group the stack granted: the stack's grant already
                documents = [document_of(p.get("PolicyDocument") or {}) for p in entry.get(inline_key) or []]
                documents += self._attached(iam, caller, entry, local, stack_policies)
                if any(
                    isinstance(s, Mapping) and allows_assume_action(s)
                    for d in documents
                    for s in statements_of(d)
                ):
                    yield kind, name, str(entry.get("Arn", f"{kind}/{name}")), documents

    def _attached(
        self,
        iam: Any,
        caller: str,
        entry: Mapping[str, Any],
        local: Mapping[str, Any],
        stack_policies: set[str],
    ) -> list[Any]:
        """The documents of the managed policies attached to ``entry``, but the stacks' own."""
        documents = []
        for item in entry.get("AttachedManagedPolicies") or []:
            arn = str(item.get("PolicyArn", ""))
            if arn in stack_policies:
                continue  # the stack's own policy: assume-policy-unexpected-principal says where it is
            if arn in local:
                documents.append(local[arn])
            elif AWS_MANAGED_POLICY_RE.fullmatch(arn):
                documents.append(self.aws_managed(iam, caller, arn))
        return documents


def _other_principal(account: str, kind: str, name: str, arn: str, roles: list[str], source: str) -> Finding:
    shown = ", ".join(roles[:3]) + (f" and {len(roles) - 3} more" if len(roles) > 3 else "")
    return finding(
        "other-principal-may-assume",
        account,
        arn,
        f"{kind} {name}, which no trusted stack names, may assume {shown} through its own "
        "policies (the role trusts the account): grant it through the stack, or remove the grant",
        source,
        principal=arn,
        roles=roles,
    )


def _unlisted_members(account: str, accesses: Sequence[WantedAccess], users: Sequence[Any]) -> list[Finding]:
    """unexpected-group-member: the members of a group a stack made that the stack does not list."""
    found: list[Finding] = []
    for access in accesses:
        if not access.new_group:
            continue
        listed = {member.lower() for member in access.new_group_members}
        for entry in users:
            name = str(entry.get("UserName", ""))
            groups = {g.lower() for g in entry.get("GroupList") or []}
            if access.new_group.lower() in groups and name.lower() not in listed:
                found.append(
                    finding(
                        "unexpected-group-member",
                        account,
                        str(entry.get("Arn", name)),
                        f"user {name} is a member of {access.new_group}, the group the stack made, and the "
                        "stack does not list it: it may assume the roles",
                        access.source,
                        principal=str(entry.get("Arn", name)),
                        group=access.new_group,
                    )
                )
    return found
