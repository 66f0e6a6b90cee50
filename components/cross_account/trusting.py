"""TrustingAccountRole: the role in the trusting account that the trusted accounts may assume."""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumi_aws as aws

from . import advice, limits, validation as check
from .callers import (
    Caller,
    caller_external_ids,
    refuse_flat_inputs,
    validate_callers,
)
from .documents import (
    POLICY_VERSION,
    caller_sids,
    has_console,
    permission_set_patterns,
    policy_size,
    revoke_older_sessions_policy,
    switch_role_url,
    trust_policy,
)
from .invokes import caller_account, partition_of
from .specs import RoleSpec
from .validation import InvalidInputError, Reporter


class TrustingAccountRoleArgs(TypedDict):
    """Inputs of TrustingAccountRole."""

    trusted_account_ids: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """12-digit ids of the accounts whose principals may assume the role (principal arn:<partition>:iam::<id>:root). Required unless callers is given."""
    role_name: NotRequired[str]
    """Role name, fixed so the ARN is predictable (1-64 characters). Default "cross-account-role"."""
    role_path: NotRequired[str]
    """IAM path of the role. Default "/"."""
    role_description: NotRequired[str]
    """Role description."""
    managed_policy_arns: NotRequired[Sequence[str]]
    """Managed policies attached to the role: ARNs, or names of AWS managed policies (resolved in the stack's partition). Default ["AmazonS3ReadOnlyAccess"], i.e. arn:<partition>:iam::aws:policy/AmazonS3ReadOnlyAccess; [] attaches none."""
    inline_policies: NotRequired[Mapping[str, Any]]
    """Inline policies of the role: policy name to identity policy document (an object)."""
    max_session_duration: NotRequired[int]
    """Longest session, in seconds, 3600..43200. Default 3600."""
    permissions_boundary_arn: NotRequired[str]
    """ARN of a managed policy used as the role's permissions boundary."""
    require_mfa: NotRequired[bool]
    """Trust only sessions authenticated with MFA (aws:MultiFactorAuthPresent). Default false."""
    mfa_max_age_seconds: NotRequired[int]
    """Trust only MFA authentications younger than this (aws:MultiFactorAuthAge); implies require_mfa."""
    external_id: NotRequired[pulumi.Input[str]]
    """Require this sts:ExternalId (2-1224 characters of letters, digits and +=,.@:/_-). Pass a secret to keep it secret."""
    organization_id: NotRequired[str]
    """Trust only principals of this AWS Organization (aws:PrincipalOrgID), e.g. o-abcdefghij."""
    trusted_principal_arns: NotRequired[Sequence[str]]
    """ARN patterns (aws:PrincipalArn, ArnLike) that narrow who may assume the role in the accounts they name; an account no pattern names is trusted whole."""
    tags: NotRequired[Mapping[str, str]]
    """Tags of the role."""
    trust_policy_size_limit: NotRequired[int]
    """The account's role trust policy size quota in characters, 2048 (AWS default) up to 4096 once raised."""
    managed_policies_per_role_limit: NotRequired[int]
    """The account's managed-policies-per-role quota, 10 (AWS default) up to 20 once raised."""
    allow_session_tags: NotRequired[bool]
    """Callers may tag their session: the trust policy also allows sts:TagSession (CI tools such as aws-actions/configure-aws-credentials tag by default). Default false."""
    source_identity: NotRequired[str]
    """"" (default): no source identity; "allowed": callers may set one (sts:SetSourceIdentity); "required": they must set one; "username": it must be their IAM user name (${aws:username}), which ties each session to a person in CloudTrail."""
    session_name_is_username: NotRequired[bool]
    """Callers must name their session after their IAM user (sts:RoleSessionName = ${aws:username}); the console does. Refused when the principal patterns leave only roles as callers (only IAM users have ${aws:username}). Default false."""
    external_ids: NotRequired[pulumi.Input[Sequence[str]]]
    """Several accepted sts:ExternalId values at once, so a third party's id can be rotated without an outage; each like external_id; not with external_id. Kept secret."""
    expires_at: NotRequired[str]
    """The access ends then (aws:CurrentTime DateLessThan): RFC 3339 UTC to the second, such as 2027-03-31T23:59:59Z; not in the past."""
    extra_trust_conditions: NotRequired[Mapping[str, Mapping[str, Any]]]
    """Further conditions on every Allow statement of the trust policy: IAM condition operator to condition key to a value or a list of values, e.g. {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}. They only narrow who may assume the role. Keys are compared without case, as IAM reads them; refused: a key another input writes, sts:ExternalId (use external_ids, which keeps it secret), conditions that can never hold, and set operators on single-valued aws: and sts: keys."""
    trusted_permission_sets: NotRequired[Sequence[str]]
    """IAM Identity Center permission set names: people signed in with one of them, in the trusted accounts, may assume the role (aws:PrincipalArn patterns for the roles Identity Center makes). They narrow like trusted_principal_arns."""
    force_detach_policies: NotRequired[bool]
    """Detach policies attached outside Pulumi when the role is deleted, so they cannot block pulumi destroy. Default true."""
    revoke_sessions_issued_before: NotRequired[str]
    """Deny every session of the role issued before this time (RFC 3339 with seconds and a time zone, not in the future, such as 2026-12-05T09:30:00Z): the inline policy AWSRevokeOlderSessions that the IAM console's "Revoke active sessions" writes (Deny * on * when aws:TokenIssueTime is earlier). Sessions issued later are not touched."""
    callers: NotRequired[Sequence[Caller]]
    """Several kinds of callers, each a trust statement of its own (Sid: the caller's name): each entry has a name, its own trusted_account_ids, trusted_principal_arns and trusted_permission_sets, and its own require_mfa, mfa_max_age_seconds, external_ids (kept secret), allow_session_tags, source_identity, session_name_is_username, extra_trust_conditions and expires_at, with the flat inputs' rules. Not with those flat inputs; organization_id applies to every caller."""
    secret_inputs: NotRequired[Sequence[str]]
    """Names of inputs (snake_case) whose values are secret: registered as secrets in every resource input and output, never shown in errors or warnings. Names that name resources (policy names) still appear in resource names."""


TRUST_INPUTS = (
    "trusted_account_ids",
    "require_mfa",
    "mfa_max_age_seconds",
    "external_id",
    "external_ids",
    "organization_id",
    "trusted_principal_arns",
    "allow_session_tags",
    "source_identity",
    "session_name_is_username",
    "expires_at",
    "extra_trust_conditions",
    "trusted_permission_sets",
    "callers",
)
"""The inputs the trust policy is built from: if one is secret, the whole document is."""
ROLE_NAME_INPUTS = ("role_name", "role_path")
"""The inputs the role's ARN is made of: if one is secret, so are the ARN, name and link."""
ROLE_DERIVED_OUTPUTS: Mapping[str, tuple[str, ...]] = {
    "inlinePolicies": ("inline_policies",),
    "managedPolicyArns": ("managed_policy_arns",),
    "tagsAll": ("tags",),
    "permissionsBoundary": ("permissions_boundary_arn",),
    "description": ("role_description",),
    "maxSessionDuration": ("max_session_duration",),
}
"""Role outputs -> the inputs whose values they carry back (AWS lists the attached and inline policies
on the role, and the tags with the provider's defaults): secret when one of those inputs is."""


def attachment_suffix(policy: str) -> str:
    """A resource-name suffix derived from a managed policy ARN or AWS managed policy name.

    AWS managed: the policy's path and name (``AmazonS3ReadOnlyAccess``,
    ``service-role-AWSLambdaRole``), whether written as a name or an ARN;
    customer managed: prefixed with the account id.
    """
    if not policy.startswith("arn:"):
        return policy.replace("/", "-")
    account, resource = policy.split(":", 5)[4:]
    path_and_name = resource.removeprefix("policy/").replace("/", "-")
    return path_and_name if account == "aws" else f"{account}-{path_and_name}"


def managed_policy(key: str, value: Any) -> str:
    """A managed policy ARN, or the name (with path) of an AWS managed policy."""
    if isinstance(value, str) and not value.startswith("arn:"):
        return check.aws_managed_policy_name(key, value)
    return check.policy_arn(key, value)


def validate_trusting_args(args: Mapping[str, Any]) -> RoleSpec:
    """Check every plain value of TrustingAccountRoleArgs; return them normalized.

    Raises InvalidInputError naming the arg, the value and the rule. Values that
    are pulumi Outputs are checked when they resolve.
    """
    known = set(TrustingAccountRoleArgs.__annotations__)
    check.refuse_unknown_inputs(args, known)
    check.not_evaluated_inputs(args)
    callers = args.get("callers")
    if callers is not None:
        refuse_flat_inputs(args)
        if check.has_any_output(callers):
            raise InvalidInputError(
                "callers", check.hidden_value(None), "must be plain values, known before the program runs"
            )
        org = args.get("organization_id")
        org = None if org is None else check.organization_id("organization_id", org)
        checked_callers = validate_callers(callers, org, _checked_caller)
        accounts = sorted({a for caller in checked_callers for a in caller["trusted_account_ids"]})
        args = {k: v for k, v in args.items() if k != "callers"} | {"trusted_account_ids": accounts}
    if "trusted_account_ids" not in args:
        raise InvalidInputError("trusted_account_ids", None, "is required (or give callers)")
    out: dict[str, Any] = {}
    out["secret_inputs"] = check.string_list(
        "secret_inputs", args.get("secret_inputs"), check.secret_input_name(known)
    )
    _role_fields(args, out)
    _trust_fields(args, out)
    _quota_fields(args, out)
    out["callers"] = checked_callers if callers is not None else ()
    return cast(RoleSpec, out)


def _checked_caller(entry: Mapping[str, Any], organization_id: str | None) -> dict[str, Any]:
    """One caller entry's who and conditions, checked with the flat inputs' rules."""
    out: dict[str, Any] = {"inline_policies": {}}
    out["trusted_account_ids"] = check.string_list(
        "trusted_account_ids", entry["trusted_account_ids"], check.account_id, required=True
    )
    _trust_fields({**entry, "organization_id": organization_id}, out)
    return out


def _role_fields(args: Mapping[str, Any], out: dict[str, Any]) -> None:
    """Who is trusted, and what the role is: name, path, description, policies, session, boundary."""
    accounts = args["trusted_account_ids"]
    if not check.has_output(accounts):
        out["trusted_account_ids"] = check.string_list(
            "trusted_account_ids", accounts, check.account_id, required=True
        )
    else:
        out["trusted_account_ids"] = accounts
    out["role_name"] = check.role_name("role_name", args.get("role_name", limits.DEFAULT_ROLE_NAME))
    out["role_path"] = check.iam_path("role_path", args.get("role_path", limits.DEFAULT_PATH))
    out["role_description"] = check.description(
        "role_description", args.get("role_description", limits.DEFAULT_ROLE_DESCRIPTION)
    )
    managed = args.get("managed_policy_arns", (limits.S3_READ_ONLY,))
    out["managed_policy_arns"] = check.string_list(
        "managed_policy_arns",
        managed,
        managed_policy,
        identity=lambda policy: check.folded(attachment_suffix(policy)),
    )
    out["inline_policies"] = check.inline_policies("inline_policies", args.get("inline_policies"))
    out["max_session_duration"] = check.session_duration(
        "max_session_duration", args.get("max_session_duration", limits.DEFAULT_SESSION_SECONDS)
    )
    boundary = args.get("permissions_boundary_arn")
    out["permissions_boundary_arn"] = (
        None if boundary is None else check.policy_arn("permissions_boundary_arn", boundary)
    )


def _trust_fields(args: Mapping[str, Any], out: dict[str, Any]) -> None:
    """What the trust policy requires of callers: MFA, external ids, organization, principals, sessions."""
    out["require_mfa"] = check.boolean("require_mfa", args.get("require_mfa", False))
    age = args.get("mfa_max_age_seconds")
    out["mfa_max_age_seconds"] = None if age is None else check.mfa_max_age("mfa_max_age_seconds", age)
    external_id = args.get("external_id")
    if external_id is not None and not isinstance(external_id, pulumi.Output):
        external_id = check.external_id("external_id", external_id)
    out["external_id"] = external_id
    external_ids = args.get("external_ids")
    if external_ids is not None and not check.has_output(external_ids):
        external_ids = check.string_list("external_ids", external_ids, check.external_id) or None
    if external_ids is not None and external_id is not None:
        raise InvalidInputError(
            "external_id/external_ids",
            check.hidden_value(None),
            "are both set: give one id in external_id, or several (during a rotation) in external_ids",
        )
    out["external_ids"] = external_ids
    org = args.get("organization_id")
    out["organization_id"] = None if org is None else check.organization_id("organization_id", org)
    patterns = args.get("trusted_principal_arns") or ()
    if patterns and not check.has_output(out["trusted_account_ids"]):
        patterns = check.string_list(
            "trusted_principal_arns",
            patterns,
            lambda key, value: check.principal_pattern(key, value, out["trusted_account_ids"]),
        )
    out["trusted_principal_arns"] = tuple(patterns)
    out["allow_session_tags"] = check.boolean("allow_session_tags", args.get("allow_session_tags", False))
    out["source_identity"] = check.source_identity("source_identity", args.get("source_identity", ""))
    out["session_name_is_username"] = check.boolean(
        "session_name_is_username", args.get("session_name_is_username", False)
    )
    expires = args.get("expires_at")
    out["expires_at"] = None if expires in (None, "") else check.expires_at("expires_at", expires)
    out["trusted_permission_sets"] = check.string_list(
        "trusted_permission_sets",
        args.get("trusted_permission_sets"),
        check.permission_set_name,
        identity=check.folded,
    )
    out["extra_trust_conditions"] = check.trust_conditions(
        "extra_trust_conditions", args.get("extra_trust_conditions"), trust_context(cast(RoleSpec, out))
    )
    revoke = args.get("revoke_sessions_issued_before")
    out["revoke_sessions_issued_before"] = (
        None
        if revoke in (None, "")
        else check.revoke_sessions_issued_before("revoke_sessions_issued_before", revoke)
    )
    if out["revoke_sessions_issued_before"] is not None:
        _revocation_fits(out["inline_policies"], out["revoke_sessions_issued_before"])


def _quota_fields(args: Mapping[str, Any], out: dict[str, Any]) -> None:
    """Detaching on delete, tags, and the account's quotas the role must fit."""
    out["force_detach_policies"] = check.boolean(
        "force_detach_policies", args.get("force_detach_policies", True)
    )
    out["tags"] = check.tags("tags", args.get("tags"))
    out["trust_policy_size_limit"] = check.integer(
        "trust_policy_size_limit",
        args.get("trust_policy_size_limit", limits.TRUST_POLICY_DEFAULT_MAX),
        limits.TRUST_POLICY_DEFAULT_MAX,
        limits.TRUST_POLICY_QUOTA_MAX,
        " characters",
    )
    out["managed_policies_per_role_limit"] = check.integer(
        "managed_policies_per_role_limit",
        args.get("managed_policies_per_role_limit", limits.MANAGED_POLICIES_PER_ROLE_DEFAULT),
        1,
        limits.MANAGED_POLICIES_PER_ROLE_MAX,
    )
    count = len(out["managed_policy_arns"])
    if count > out["managed_policies_per_role_limit"]:
        raise InvalidInputError(
            "managed_policy_arns",
            f"<{count} policies>",
            f"exceeds the managed-policies-per-role quota of {out['managed_policies_per_role_limit']} "
            f"(raise the quota, up to {limits.MANAGED_POLICIES_PER_ROLE_MAX}, and "
            "managed_policies_per_role_limit with it, or merge policies)",
        )


def trust_context(
    settings: RoleSpec, account_ids: Sequence[str] | None = None, partition: str | None = None
) -> check.TrustContext:
    """What the checked inputs write into the trust policy, to check extra_trust_conditions against."""
    accounts = settings["trusted_account_ids"] if account_ids is None else account_ids
    return check.TrustContext(
        external_id=settings["external_id"] is not None or settings.get("external_ids") is not None,
        require_mfa=settings["require_mfa"],
        mfa_max_age_seconds=settings["mfa_max_age_seconds"],
        organization_id=settings["organization_id"],
        expires_at=settings.get("expires_at"),
        source_identity=settings.get("source_identity"),
        session_name_is_username=settings.get("session_name_is_username", False),
        principal_patterns=bool(
            settings.get("trusted_principal_arns") or settings.get("trusted_permission_sets")
        ),
        allow_session_tags=settings.get("allow_session_tags", False),
        trusted_account_ids=None if check.has_output(accounts) else tuple(accounts),
        partition=partition,
    )


def only_role_sessions(patterns: Sequence[str], accounts: Sequence[str]) -> bool:
    """Whether principal patterns leave only role sessions as callers: every account narrowed, to roles (or root)."""
    if not patterns:
        return False
    narrowed = {pattern.split(":")[4] for pattern in patterns}
    if not set(accounts) <= narrowed:
        return False
    return all(pattern.split(":", 5)[5].startswith(("role/", "root")) for pattern in patterns)


def _username_check(settings: RoleSpec, patterns: Sequence[str], accounts: Sequence[str]) -> None:
    """Refuse ${aws:username} requirements when no caller can be an IAM user (the role could never be assumed)."""
    if not only_role_sessions(patterns, accounts):
        return
    who = "trusted_principal_arns/trusted_permission_sets"
    value: object
    if settings["session_name_is_username"]:
        key, value, what = "session_name_is_username", True, "the session name"
    elif settings["source_identity"] == "username":
        key, value, what = "source_identity", "username", "the source identity"
    else:
        for operator_text, keys in (settings.get("extra_trust_conditions") or {}).items():
            operator = check.parse_operator("extra_trust_conditions", operator_text)
            for condition_key, values in keys.items():
                listed = [values] if isinstance(values, str) else list(values)
                if check.folded(condition_key) == "aws:username" and check.requires_key(operator, listed):
                    raise InvalidInputError(
                        f"extra_trust_conditions.{operator_text}.{condition_key}",
                        values,
                        f"requires aws:username, which only IAM users have, but {who} admit only role "
                        "sessions (roles, Identity Center permission sets) and the root user: no one could "
                        "ever assume the role; trust users too, or remove the condition",
                    )
        return
    raise InvalidInputError(
        key,
        value,
        f"requires {what} to be ${{aws:username}}, which only IAM users have, but {who} admit only role "
        "sessions (roles, Identity Center permission sets) and the root user: no one could ever assume the "
        "role; trust users too, or leave it unset",
    )


def _revocation_fits(inline: Mapping[str, Any], revoke: str) -> None:
    """The revocation policy beside the inline policies: a name of its own, within the size quota."""
    for policy in inline:
        if check.folded(policy) == check.folded(limits.REVOKE_SESSIONS_POLICY_NAME):
            raise InvalidInputError(
                "inline_policies",
                policy,
                "is the inline policy revoke_sessions_issued_before writes "
                f"({limits.REVOKE_SESSIONS_POLICY_NAME}, as the console's Revoke active sessions): "
                "give your policy another name",
            )
    total = sum(policy_size(d) for d in inline.values()) + policy_size(revoke_older_sessions_policy(revoke))
    if total > limits.INLINE_ROLE_POLICIES_MAX:
        raise InvalidInputError(
            "inline_policies",
            f"<{total} characters with {limits.REVOKE_SESSIONS_POLICY_NAME}>",
            f"exceeds the {limits.INLINE_ROLE_POLICIES_MAX}-character quota on a role's inline policies "
            "once revoke_sessions_issued_before adds its policy: move permissions into a managed policy",
        )


def checked_trust_policy(
    partition: str,
    account_ids: Sequence[str],
    external_id: str | Sequence[str] | None,
    settings: RoleSpec,
) -> dict[str, Any]:
    """The trust policy, after the checks that need resolved values (accounts, partition, size quota).

    ``external_id`` is the resolved ``external_id`` or ``external_ids``. With caller entries, each
    is checked and written as the flat inputs are, in statements of its own (in name order, so the
    order of the entries changes nothing), and the size quota holds for the whole document.
    """
    if settings["callers"]:
        return _callers_policy(partition, settings)
    document, accounts, patterns = _statements(partition, account_ids, external_id, settings)
    _fits_the_quota(document, settings["trust_policy_size_limit"], accounts, patterns)
    return document


def _callers_policy(partition: str, settings: RoleSpec) -> dict[str, Any]:
    """The trust policy of caller entries: each entry's statements, Sids from its name."""
    statements: list[dict[str, Any]] = []
    patterns = 0
    for caller in sorted(settings["callers"], key=lambda caller: caller["name"].lower()):
        flat = cast(RoleSpec, {**settings, **caller, "external_id": None, "callers": ()})
        try:
            document, _, narrowing = _statements(
                partition,
                caller["trusted_account_ids"],
                caller["external_ids"],
                flat,
                caller_sids(caller["name"]),
            )
        except InvalidInputError as error:
            raise InvalidInputError(
                f"callers.{caller['name']}.{error.key}", error.value, error.rule
            ) from None
        statements += document["Statement"]
        patterns += narrowing
    sids: dict[str, str] = {}
    for statement in statements:
        folded = statement["Sid"].lower()
        if folded in sids:
            raise InvalidInputError(
                "callers",
                statement["Sid"],
                f"is the Sid of two statements ({sids[folded]!r} too): a caller that trusts accounts whole "
                "and principal patterns also writes <name>Principals; rename one caller",
            )
        sids[folded] = statement["Sid"]
    document = {"Version": POLICY_VERSION, "Statement": statements}
    accounts = len(settings["trusted_account_ids"])
    _fits_the_quota(document, settings["trust_policy_size_limit"], accounts, patterns)
    return document


def _statements(
    partition: str,
    account_ids: Sequence[str],
    external_id: str | Sequence[str] | None,
    settings: RoleSpec,
    sids: tuple[str, str] | None = None,
) -> tuple[dict[str, Any], int, int]:
    """The flat inputs' trust policy, checked, with the number of accounts and principal patterns."""
    accounts = check.string_list("trusted_account_ids", list(account_ids), check.account_id, required=True)
    if isinstance(external_id, str):
        external_id = check.external_id("external_id", external_id)
    elif external_id is not None:
        external_id = check.string_list("external_ids", list(external_id), check.external_id) or None
    patterns = check.string_list(
        "trusted_principal_arns",
        list(settings["trusted_principal_arns"]),
        lambda key, value: check.principal_pattern(key, value, accounts, partition),
    )
    for permission_set in settings["trusted_permission_sets"]:
        patterns += tuple(permission_set_patterns(partition, accounts, permission_set))
    _username_check(settings, patterns, accounts)
    extra = check.trust_conditions(
        "extra_trust_conditions",
        settings["extra_trust_conditions"],
        trust_context(settings, accounts, partition),
    )
    document = trust_policy(
        partition,
        accounts,
        require_mfa=settings["require_mfa"],
        mfa_max_age_seconds=settings["mfa_max_age_seconds"],
        external_id=external_id,
        organization_id=settings["organization_id"],
        trusted_principal_arns=patterns,
        allow_session_tags=settings["allow_session_tags"],
        source_identity=settings["source_identity"],
        session_name_is_username=settings["session_name_is_username"],
        expires_at=settings["expires_at"],
        extra_conditions=extra,
        **({} if sids is None else {"sids": sids}),
    )
    return document, len(accounts), len(patterns)


def _fits_the_quota(document: Mapping[str, Any], quota: int, accounts: int, patterns: int) -> None:
    """Refuse a trust policy over the account's size quota, saying the ways to make it fit."""
    size = policy_size(document)
    if size > quota:
        ways = []
        if size <= limits.TRUST_POLICY_QUOTA_MAX:
            ways.append(
                "raise the account's role trust policy quota "
                f"(up to {limits.TRUST_POLICY_QUOTA_MAX}) and trust_policy_size_limit with it"
            )
        ways.append(
            "trust fewer accounts or principal patterns (for example one identity account "
            "that people sign in to, with organization_id to keep it inside your organization)"
        )
        raise InvalidInputError(
            "trusted_account_ids",
            f"<{accounts} accounts, {patterns} principal patterns>",
            f"makes a trust policy of {size} characters, over the {quota}-character quota: "
            + ", or ".join(ways)
            + "; organization_id adds a condition but cannot replace the account list, "
            "as the role never trusts a wildcard principal",
        )


ROLE_OUTPUTS = (
    "role_arn",
    "role_name",
    "switch_role_url",
    "external_id_required",
    "mfa_required",
    "role_unique_id",
    "role_path",
    "expires_at",
    "session_name_required",
    "source_identity_required",
    "session_tags_allowed",
    "source_identity_allowed",
    "max_session_duration",
)
"""TrustingAccountRole's outputs, in the order it registers them."""


class TrustingAccountRole(pulumi.ComponentResource):
    """An IAM role in the trusting account that principals of the trusted accounts may assume."""

    role_arn: pulumi.Output[str]
    """ARN of the role."""
    role_name: pulumi.Output[str]
    """Name of the role."""
    switch_role_url: pulumi.Output[str]
    """Console link that switches to the role (not usable when an external id is required; empty in partitions without a console)."""
    external_id_required: pulumi.Output[bool]
    """The trust policy requires sts:ExternalId."""
    mfa_required: pulumi.Output[bool]
    """The trust policy requires MFA."""
    role_unique_id: pulumi.Output[str]
    """The role's unique id (AROA...): it changes when the role is recreated, which breaks trust policies elsewhere that name the role as a principal."""
    role_path: pulumi.Output[str]
    """IAM path of the role."""
    expires_at: pulumi.Output[str]
    """When the access ends (RFC 3339 UTC); empty when it does not."""
    session_name_required: pulumi.Output[bool]
    """Callers must name their session after their IAM user name."""
    source_identity_required: pulumi.Output[bool]
    """Callers must set a source identity (so the console and CLI profiles cannot be used)."""
    session_tags_allowed: pulumi.Output[bool]
    """Callers may tag their session: their own policies must then allow sts:TagSession on the role too."""
    source_identity_allowed: pulumi.Output[bool]
    """Callers may (or must) set a source identity: their own policies must then allow sts:SetSourceIdentity on the role too."""
    max_session_duration: pulumi.Output[int]
    """The role's longest session in seconds: callers may ask for no longer (the trusted side checks its CLI profiles against it)."""

    def __init__(
        self,
        name: str,
        args: TrustingAccountRoleArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        input_names: Mapping[str, str] | None = None,
        reporter: Reporter | None = None,
        partition: str | None = None,
        account_id: str | None = None,
    ) -> None:
        """``input_names`` maps input names to the names errors and warnings should use
        (the program passes its config keys); ``reporter``, given instead, reports them
        (TrustingRoleRollout shares one with every account's role). ``partition`` and
        ``account_id``, when the caller knows where its provider works (TrustingRoleRollout
        does), save the getPartition and getCallerIdentity invokes."""
        report = reporter or Reporter(input_names, args.get("secret_inputs") or (), args)
        try:
            settings = validate_trusting_args(args)
        except InvalidInputError as error:
            raise report.error(error) from None
        super().__init__("cross-account:index:TrustingAccountRole", name, {}, opts)
        self._report = report
        self._account_id = account_id
        self._secret = frozenset(settings["secret_inputs"])
        partition_output = partition_of(self) if partition is None else pulumi.Output.from_input(partition)
        external_id = (
            settings["external_id"] if settings["external_id"] is not None else settings["external_ids"]
        )
        callers_ids = caller_external_ids(settings["callers"])
        report.add_secrets(callers_ids)
        role = self._role(name, settings, partition_output, external_id, bool(callers_ids))
        self._managed_policies(name, settings, role, partition, partition_output)
        self._inline_policies(name, settings, role)
        self._outputs(role, settings, external_id is not None or bool(callers_ids))
        self._warn(name, settings)
        self.register_outputs({output: getattr(self, output) for output in ROLE_OUTPUTS})

    def _hide_if(self, value: Any, *inputs: str) -> Any:
        """The value as a secret if any of ``inputs`` is secret."""
        return pulumi.Output.secret(value) if self._secret.intersection(inputs) else value

    def _role(
        self,
        name: str,
        settings: RoleSpec,
        partition: pulumi.Output[str],
        external_id: Any,
        callers_external_id: bool = False,
    ) -> aws.iam.Role:
        """The role, its trust policy checked once the partition and the accounts are known."""
        report, hide_if, secret = self._report, self._hide_if, self._secret

        def document_for(resolved: list[Any]) -> dict[str, Any]:
            try:
                return checked_trust_policy(resolved[0], resolved[1], resolved[2], settings)
            except InvalidInputError as error:
                raise report.error(error) from None

        document = pulumi.Output.all(partition, settings["trusted_account_ids"], external_id).apply(
            document_for
        )
        trust_secret = (
            external_id is not None or callers_external_id or bool(secret.intersection(TRUST_INPUTS))
        )
        secret_outputs = ["assumeRolePolicy"] if trust_secret else []
        if secret.intersection(ROLE_NAME_INPUTS):
            secret_outputs += ["arn", "name", "path", "id", "uniqueId"]
        # Outputs AWS fills from what is attached or derived: they carry the secret inputs back.
        secret_outputs += [
            output for output, inputs in ROLE_DERIVED_OUTPUTS.items() if secret.intersection(inputs)
        ]
        assume_role_policy = pulumi.Output.json_dumps(document)
        if trust_secret:
            assume_role_policy = pulumi.Output.secret(assume_role_policy)
        boundary = settings["permissions_boundary_arn"]
        return aws.iam.Role(
            f"{name}-role",
            name=hide_if(settings["role_name"], "role_name"),
            path=hide_if(settings["role_path"], "role_path"),
            description=hide_if(settings["role_description"], "role_description"),
            assume_role_policy=assume_role_policy,
            max_session_duration=hide_if(settings["max_session_duration"], "max_session_duration"),
            permissions_boundary=None if boundary is None else hide_if(boundary, "permissions_boundary_arn"),
            tags=hide_if(settings["tags"], "tags") if settings["tags"] else None,
            force_detach_policies=settings["force_detach_policies"],
            opts=pulumi.ResourceOptions(
                parent=self,
                # A new name replaces the role create-first: the new role exists before the old one
                # goes, so access never pauses. Said explicitly, as the AWS provider would otherwise
                # ask for delete-first for every role with a fixed name (docs/deploy.md).
                delete_before_replace=False,
                additional_secret_outputs=secret_outputs,
            ),
        )

    def _managed_policies(
        self,
        name: str,
        settings: RoleSpec,
        role: aws.iam.Role,
        partition: str | None,
        partition_output: pulumi.Output[str],
    ) -> None:
        """One attachment per managed policy, named after the policy (never a list index)."""
        for policy in settings["managed_policy_arns"]:
            arn: Any = policy
            if not policy.startswith("arn:"):
                arn = (
                    pulumi.Output.concat("arn:", partition_output, ":iam::aws:policy/", policy)
                    if partition is None
                    else f"arn:{partition}:iam::aws:policy/{policy}"
                )
            aws.iam.RolePolicyAttachment(
                f"{name}-{attachment_suffix(policy)}",
                role=role.name,
                policy_arn=self._hide_if(arn, "managed_policy_arns"),
                opts=pulumi.ResourceOptions(
                    parent=self,
                    # The id is made of the role name and the policy ARN.
                    additional_secret_outputs=(
                        ["id"]
                        if self._secret.intersection(("managed_policy_arns", *ROLE_NAME_INPUTS))
                        else []
                    ),
                ),
            )

    def _inline_policies(self, name: str, settings: RoleSpec, role: aws.iam.Role) -> None:
        """The inline policies, and the revocation policy when sessions are revoked."""
        hide_if, secret = self._hide_if, self._secret
        for policy, body in settings["inline_policies"].items():
            aws.iam.RolePolicy(
                f"{name}-inline-{policy}",
                name=hide_if(policy, "inline_policies"),
                role=role.name,
                policy=hide_if(pulumi.Output.json_dumps(body), "inline_policies"),
                # Replaced only when the role is (a new name is a new resource): put on the new role
                # before it leaves the old one, which keeps its permissions until it is deleted.
                opts=pulumi.ResourceOptions(
                    parent=self,
                    delete_before_replace=False,
                    # The id is made of the role name and the policy name.
                    additional_secret_outputs=(
                        ["id", "name", "policy"]
                        if secret.intersection(("inline_policies", *ROLE_NAME_INPUTS))
                        else []
                    ),
                ),
            )
        revoke = settings["revoke_sessions_issued_before"]
        if revoke is not None:
            aws.iam.RolePolicy(
                f"{name}-inline-{limits.REVOKE_SESSIONS_POLICY_NAME}",
                name=limits.REVOKE_SESSIONS_POLICY_NAME,
                role=role.name,
                policy=hide_if(
                    pulumi.Output.json_dumps(revoke_older_sessions_policy(revoke)),
                    "revoke_sessions_issued_before",
                ),
                opts=pulumi.ResourceOptions(
                    parent=self,
                    # The id is made of the role name and the policy name.
                    additional_secret_outputs=(["id"] if secret.intersection(ROLE_NAME_INPUTS) else []),
                ),
            )

    def _outputs(self, role: aws.iam.Role, settings: RoleSpec, external_id: bool) -> None:
        """The component's outputs, each as secret as the inputs it shows."""
        hide_if = self._hide_if

        def known(value: Any, *inputs: str) -> Any:
            return hide_if(pulumi.Output.from_input(value), *inputs)

        # The ARN holds the name and path: secret if either is.
        self.role_arn = hide_if(role.arn, *ROLE_NAME_INPUTS)
        self.role_name = hide_if(role.name, *ROLE_NAME_INPUTS)
        self.switch_role_url = self.role_arn.apply(self._console_link)
        self.external_id_required = pulumi.Output.from_input(external_id)
        # With callers: what any caller requires or may do (the trusted side reads each caller's own
        # from the stack's callerRequirements); the latest end, or "" when a caller's access never ends.
        entries: list[Any] = list(settings["callers"]) or [settings]
        mfa = any(e["require_mfa"] or e["mfa_max_age_seconds"] is not None for e in entries)
        self.mfa_required = known(mfa, "require_mfa", "mfa_max_age_seconds", "callers")
        self.role_unique_id = role.unique_id
        self.role_path = hide_if(role.path, *ROLE_NAME_INPUTS)
        ends = [e["expires_at"] or "" for e in entries]
        self.expires_at = known("" if "" in ends else max(ends), "expires_at", "callers")
        self.session_name_required = known(
            any(e["session_name_is_username"] for e in entries), "session_name_is_username", "callers"
        )
        self.source_identity_required = known(
            any(e["source_identity"] in ("required", "username") for e in entries),
            "source_identity",
            "callers",
        )
        self.session_tags_allowed = known(
            any(e["allow_session_tags"] for e in entries), "allow_session_tags", "callers"
        )
        self.source_identity_allowed = known(
            any(e["source_identity"] is not None for e in entries), "source_identity", "callers"
        )
        self.max_session_duration = known(settings["max_session_duration"], "max_session_duration")

    def _console_link(self, role_arn: str) -> str:
        partition = role_arn.split(":")[1]
        if not has_console(partition):
            self._report.warn(
                f"partition {partition!r} has no console switch-role page: switch_role_url is empty; "
                "use STS or the CLI profile",
                resource=self,
            )
            return ""
        return switch_role_url(role_arn)

    def _warn(self, name: str, settings: RoleSpec) -> None:
        """Warnings about values that work but deserve a second look (each once, naming the input)."""
        role_warnings(self._report, name, settings, self)
        accounts = settings["trusted_account_ids"]
        if self._account_id is not None and not check.has_output(accounts):
            self._warn_own_account(self._account_id, accounts)
            return
        account = caller_account(self) if self._account_id is None else self._account_id
        pulumi.Output.all(account, accounts).apply(
            lambda resolved: self._warn_own_account(resolved[0], resolved[1])
        )

    def _warn_own_account(self, deploying: str, accounts: Sequence[str]) -> None:
        if deploying in accounts:
            self._report.warn(
                f"trusted_account_ids: {deploying!r} is the account this role is created in: a role "
                "that trusts its own account is not cross-account access, and lets in every principal "
                "of that account whose own policies allow sts:AssumeRole",
                resource=self,
            )


def role_warnings(report: Reporter, name: str, settings: RoleSpec, resource: pulumi.Resource) -> None:
    """Report the warnings about a role's checked inputs (TrustingAccountRole's, and a stackset rollout's template's)."""
    for text in advice.role_warning_texts(
        name, settings, policies_secret=report.is_secret("managed_policy_arns")
    ):
        report.warn(text, resource=resource)
