"""cross-account-audit on the trusting side: each role compared with its stack's auditBaseline."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from .audit_documents import (
    UNIQUE_ID_RE,
    aws_principals,
    document_of,
    external_ids,
    grants_everything,
    instant,
    masked,
    org_ids_of,
    revoked_before,
    statement_diff,
    statements_of,
    values_of,
    without_unique_ids,
)
from .audit_findings import Finding, RoleUse, compare, finding
from .audit_outputs import CONTENT_KEYS, WantedRole, parse_time, principal_account
from .audit_reads import AuditReads, NotFound, iso
from .iam.grammar import ADMINISTRATOR_ACCESS_RE
from .limits import AUDIT_BASELINE_OUTPUT, DEFAULT_SESSION_SECONDS, REVOKE_SESSIONS_POLICY_NAME

ADMINISTRATOR_ACCESS = ADMINISTRATOR_ACCESS_RE


class RoleChecks(AuditReads):
    """The trusting side: each role of a trusting stack read and compared with its auditBaseline."""

    def role(self, iam: Any, caller: str, want: WantedRole) -> tuple[list[Finding], RoleUse]:
        found: list[Finding] = []
        use = RoleUse(want.arn, exists=False, expires_at=want.expires_at)

        def add(rule: str, message: str, severity: str | None = None, **details: Any) -> None:
            item = finding(rule, want.account, want.arn, message, want.source, **details)
            found.append(item if severity is None else Finding(**{**asdict(item), "severity": severity}))

        try:
            role = self.read(iam, caller, "get_role", want.arn, RoleName=want.name)["Role"]
        except NotFound:
            add("role-missing", f"role {want.name} does not exist in account {want.account}")
            return found, use
        self._state(want, role, use, add)
        names = self._revoked(iam, caller, want, use, add)
        if not self._has_baseline(want, add):
            return found, use
        self._revocation(want, use, names, add)
        self._trust(want, role, add)
        self._managed(iam, caller, want, add)
        self._inline(iam, caller, want, names, add)
        self._limits(want, role, add)
        self._tags(want, role, add)
        return found, use

    def _state(
        self, want: WantedRole, role: Mapping[str, Any], use: RoleUse, add: Callable[..., None]
    ) -> None:
        """The role's use, its end of access and its unique id."""
        use.exists = True
        use.created = iso(role.get("CreateDate"))
        last = role.get("RoleLastUsed") or {}
        use.last_used, use.last_used_region = iso(last.get("LastUsedDate")), last.get("Region")
        if want.expires_at and self.now >= parse_time(want.source, "expiresAt", want.expires_at):
            add(
                "role-expired",
                f"the access ended at {want.expires_at} but the role still exists: run pulumi destroy",
            )
        if want.unique_id and role.get("RoleId") and role["RoleId"] != want.unique_id:
            add(
                "role-recreated",
                f"the role's unique id is {role['RoleId']}, not {want.unique_id} as the stack recorded: "
                "it was deleted and made again outside the stack (by whoever could; its policies are not "
                "the stack's to vouch for), which also breaks policies elsewhere that name it",
            )
        self._use(want, role, use, add)

    def _revoked(
        self, iam: Any, caller: str, want: WantedRole, use: RoleUse, add: Callable[..., None]
    ) -> list[str]:
        """The role's inline policy names, without the console's revocation of older sessions (whose
        time goes to ``use``)."""
        names: list[str] = self.pages(
            iam, caller, "list_role_policies", want.arn, "PolicyNames", RoleName=want.name
        )
        if REVOKE_SESSIONS_POLICY_NAME not in names:
            return names
        try:
            policy = self.read(
                iam,
                caller,
                "get_role_policy",
                want.arn,
                RoleName=want.name,
                PolicyName=REVOKE_SESSIONS_POLICY_NAME,
            )
            use.revoked_before = revoked_before(document_of(policy["PolicyDocument"]))
        except NotFound:
            names = [n for n in names if n != REVOKE_SESSIONS_POLICY_NAME]
        stacks = (want.baseline or {}).get("revokeSessionsIssuedBefore") or ""
        if use.revoked_before is not None:
            # Only the console's deny is exempt; anything else of that name is an inline policy.
            names = [n for n in names if n != REVOKE_SESSIONS_POLICY_NAME]
        # The stack's own revocation is as it made it; an earlier one is revocation-drift below.
        if use.revoked_before is not None and not (stacks and instant(use.revoked_before) <= instant(stacks)):
            add(
                "sessions-revoked",
                f"sessions issued before {use.revoked_before} are revoked ({REVOKE_SESSIONS_POLICY_NAME})",
            )
        return names

    def _has_baseline(self, want: WantedRole, add: Callable[..., None]) -> bool:
        """Whether the stack exported its auditBaseline (a finding when it did not, or only in part)."""
        if want.baseline is None:
            add(
                "baseline-missing",
                f"{want.source} has no {AUDIT_BASELINE_OUTPUT}: update the stack, then audit again",
            )
            return False
        older = [key for key in CONTENT_KEYS if key not in want.baseline]
        if older:
            add(
                "baseline-missing",
                f"{want.source}'s {AUDIT_BASELINE_OUTPUT} has no {', '.join(older)} (an earlier version made it): "
                "those are not compared; update the stack, then audit again",
            )
        return True

    def _revocation(self, want: WantedRole, use: RoleUse, names: list[str], add: Callable[..., None]) -> None:
        """The stack's revokeSessionsIssuedBefore: its deny must be there, revoking at least until then."""
        assert want.baseline is not None
        expected = want.baseline.get("revokeSessionsIssuedBefore") or ""
        if not expected:
            return
        if use.revoked_before is None:
            gone = REVOKE_SESSIONS_POLICY_NAME not in names
            add(
                "revocation-drift",
                f"{REVOKE_SESSIONS_POLICY_NAME}, which revokes the sessions issued before {expected}, "
                + ("is gone" if gone else "is no longer the deny the stack wrote")
                + ": those sessions work again",
                expected=expected,
            )
        elif instant(use.revoked_before) < instant(expected):
            add(
                "revocation-drift",
                f"{REVOKE_SESSIONS_POLICY_NAME} revokes the sessions issued before {use.revoked_before}, not "
                f"before {expected} as the stack wrote: the sessions issued in between work again",
                expected=expected,
                live=use.revoked_before,
            )

    def _tags(self, want: WantedRole, role: Mapping[str, Any], add: Callable[..., None]) -> None:
        """The role's tags (GetRole answers them all): a tag may decide access (aws:ResourceTag, and
        aws:PrincipalTag of every session of the role)."""
        assert want.baseline is not None
        if "tags" not in want.baseline:
            return
        expected = dict(want.baseline["tags"])
        live = {str(t.get("Key")): str(t.get("Value", "")) for t in role.get("Tags") or []}
        removed = sorted(k for k in expected if k not in live)
        changed = sorted(k for k in expected if k in live and live[k] != expected[k])
        added = sorted(k for k in live if k not in expected)
        if not (removed or changed or added):
            return
        parts = [
            f"removed: {', '.join(removed)}" if removed else "",
            f"changed: {', '.join(f'{k}={live[k]!r} (the stack: {expected[k]!r})' for k in changed)}"
            if changed
            else "",
            f"not the stack's: {', '.join(f'{k}={live[k]!r}' for k in added)}" if added else "",
        ]
        add(
            "role-tags-drift",
            "the role's tags differ from the stack's (" + "; ".join(p for p in parts if p) + ")",
            # Tags the stack did not set may be the provider's default tags: low, alone.
            severity="low" if not (removed or changed) else None,
            removed=removed,
            changed=changed,
            added=added,
        )

    def _use(self, want: WantedRole, role: Mapping[str, Any], use: RoleUse, add: Callable[..., None]) -> None:
        last = (role.get("RoleLastUsed") or {}).get("LastUsedDate")
        since = last or role.get("CreateDate")
        if not isinstance(since, datetime):
            return
        since = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
        days = (self.now - since).days
        if days > self.options.unused_days:
            what = (
                f"last used {days} days ago ({iso(last)} in {use.last_used_region or 'an unknown region'})"
                if last
                else f"never used since it was created {days} days ago ({iso(role.get('CreateDate'))})"
            )
            add(
                "role-unused",
                f"{what}: more than --unused-days {self.options.unused_days}; remove unused access",
            )

    def _trust(self, want: WantedRole, role: Mapping[str, Any], add: Callable[..., None]) -> None:
        assert want.baseline is not None
        live = document_of(role.get("AssumeRolePolicyDocument") or {})
        # (An id under 2 characters can never match: STS refuses it, and hiding it would garble the output.)
        ids = [v for v in external_ids(live) if len(v) >= 2]
        with self.lock:
            self.external_ids.update(ids)
        self.seen_secrets.update(ids)
        unique = sorted(
            {p for s in statements_of(live) for p in aws_principals(s) if UNIQUE_ID_RE.fullmatch(p)}
        )
        if unique:
            add(
                "unique-id-principal",
                f"the trust policy names {', '.join(unique)}: IAM shows a principal so when the user or role it "
                "named was deleted; a new one of the same name is not trusted. Remove it from the trust policy",
                principals=unique,
            )
        added, removed = statement_diff(
            want.baseline["trustPolicy"], without_unique_ids(live), want.partition
        )
        if added or removed:
            lines = [f"+ {json.dumps(masked(s), sort_keys=True)}" for s in added]
            lines += [f"- {json.dumps(masked(s), sort_keys=True)}" for s in removed]
            outside = self._outsiders(want, added)
            add(
                "trust-policy-drift",
                f"the trust policy differs from the stack's ({len(added)} statement(s) not the stack's, "
                f"{len(removed)} of the stack's missing): "
                + "; ".join(lines)
                + (
                    f"; it lets in {', '.join(outside)}, outside the organisation the stacks know"
                    if outside
                    else ""
                ),
                severity="critical" if outside else None,
                added=[masked(s) for s in added],
                removed=[masked(s) for s in removed],
                outside=outside,
            )

    def _outsiders(self, want: WantedRole, added: Sequence[Any]) -> list[str]:
        """The principals of Allow statements ``added`` to a trust policy that are outside the organisation:
        ``*``, an account no stack of this audit names (unless the statement keeps the stack's
        aws:PrincipalOrgID condition), a federated identity provider."""
        assert want.baseline is not None
        org_ids = org_ids_of(want.baseline["trustPolicy"])
        outside: set[str] = set()
        for statement in added:
            if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
                continue
            principal = statement.get("Principal")
            if principal == "*":
                outside.add("*")
                continue
            if not isinstance(principal, Mapping):
                continue
            in_org = bool(org_ids) and bool(org_ids & org_ids_of({"Statement": [statement]}))
            for name in values_of(principal.get("AWS", [])):
                text = str(name)
                if text == "*":
                    outside.add("*")
                elif UNIQUE_ID_RE.fullmatch(text):
                    continue  # its own finding
                elif not in_org and principal_account(text) not in self.known_accounts:
                    outside.add(text)
            for name in values_of(principal.get("Federated", [])):
                outside.add(str(name))
        return sorted(outside)

    def _managed(self, iam: Any, caller: str, want: WantedRole, add: Callable[..., None]) -> None:
        assert want.baseline is not None
        attached = self.pages(
            iam, caller, "list_attached_role_policies", want.arn, "AttachedPolicies", RoleName=want.name
        )
        live = {p["PolicyArn"] for p in attached}
        expected = set(want.baseline["managedPolicyArns"])
        for arn in sorted(live - expected):
            admin = bool(ADMINISTRATOR_ACCESS.fullmatch(arn))
            add(
                "unexpected-managed-policy",
                f"{arn} is attached to the role, and the stack did not attach it"
                + (": it grants every action on every resource to the trusted accounts" if admin else ""),
                severity="critical" if admin else None,
                policy=arn,
            )
        for arn in sorted(expected - live):
            add(
                "managed-policy-detached",
                f"{arn}, which the stack attached, is no longer attached",
                policy=arn,
            )
        documents = want.baseline.get("managedPolicyDocuments") or {}
        for arn in sorted((expected & live) & set(documents)):
            try:
                policy = self.read(iam, caller, "get_policy", arn, PolicyArn=arn)["Policy"]
                version_id = policy["DefaultVersionId"]
                version = self.read(
                    iam, caller, "get_policy_version", arn, PolicyArn=arn, VersionId=version_id
                )["PolicyVersion"]
            except NotFound:
                continue  # (detached and deleted between two reads: the next audit says so)
            compare(
                "managed-policy-drift",
                f"the default version ({version_id}) of {arn}",
                documents[arn],
                document_of(version["Document"]),
                want.partition,
                add,
                policy=arn,
                version=version_id,
            )

    def _inline(
        self, iam: Any, caller: str, want: WantedRole, names: list[str], add: Callable[..., None]
    ) -> None:
        assert want.baseline is not None
        expected = set(want.baseline["inlinePolicyNames"])
        for name in sorted(set(names) - expected):
            try:
                policy = self.read(
                    iam, caller, "get_role_policy", want.arn, RoleName=want.name, PolicyName=name
                )
                everything = grants_everything(document_of(policy["PolicyDocument"]))
            except NotFound:
                continue
            add(
                "unexpected-inline-policy",
                f"inline policy {name} is on the role, and the stack did not put it there"
                + (": it allows every action (*) on every resource" if everything else ""),
                severity="critical" if everything else None,
                policy=name,
            )
        for name in sorted(expected - set(names)):
            add(
                "inline-policy-missing",
                f"inline policy {name}, which the stack put on the role, is gone",
                policy=name,
            )
        documents = want.baseline.get("inlinePolicies") or {}
        for name in sorted((expected & set(names)) & set(documents)):
            try:
                policy = self.read(
                    iam, caller, "get_role_policy", want.arn, RoleName=want.name, PolicyName=name
                )
            except NotFound:
                continue
            compare(
                "inline-policy-drift",
                f"inline policy {name}",
                documents[name],
                document_of(policy["PolicyDocument"]),
                want.partition,
                add,
                policy=name,
            )

    def _limits(self, want: WantedRole, role: Mapping[str, Any], add: Callable[..., None]) -> None:
        assert want.baseline is not None
        expected = want.baseline["permissionsBoundaryArn"]
        live = (role.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", "")
        if expected and not live:
            add(
                "permissions-boundary-drift",
                f"the permissions boundary {expected} was removed",
                expected=expected,
            )
        elif expected and live != expected:
            add(
                "permissions-boundary-drift",
                f"the permissions boundary is {live}, not the stack's {expected}",
                expected=expected,
                live=live,
            )
        elif live and not expected:
            add(
                "permissions-boundary-drift",
                f"the role has a permissions boundary ({live}) the stack did not set",
                severity="low",
                live=live,
            )
        seconds, limit = (
            int(role.get("MaxSessionDuration", DEFAULT_SESSION_SECONDS)),
            int(want.baseline["maxSessionDuration"]),
        )
        if seconds != limit:
            add(
                "max-session-drift",
                f"the maximum session duration is {seconds} s, not the stack's {limit} s",
                severity="high" if seconds > limit else None,
                expected=limit,
                live=seconds,
            )
