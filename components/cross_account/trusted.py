"""TrustedAccountAccess: lets users and groups of the trusted account assume the roles."""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumi_aws as aws

from . import limits
from . import validation as check
from .documents import (
    CliProfile,
    assume_role_policy,
    aws_cli_config,
    mfa_serial_placeholder,
    policy_size,
    switch_role_url,
)
from .validation import InvalidInputError


class TrustedAccountAccessArgs(TypedDict):
    """Inputs of TrustedAccountAccess."""

    role_arns: pulumi.Input[Sequence[pulumi.Input[str]]]
    """ARNs of the roles (in the trusting accounts) that the users and groups may assume."""
    user_names: NotRequired[Sequence[str]]
    """Existing IAM users of the trusted account to attach the assume-role policy to."""
    group_names: NotRequired[Sequence[str]]
    """Existing IAM groups of the trusted account to attach the assume-role policy to (at least one user or group in all)."""
    policy_name: NotRequired[str]
    """Name of the assume-role policy; split policies get -2, -3, ... Default "cross-account-assume-role"."""
    policy_path: NotRequired[str]
    """IAM path of the policy. Default "/"."""
    require_mfa: NotRequired[bool]
    """Allow sts:AssumeRole only to MFA-authenticated sessions (identity-side condition). Default false."""
    external_id_required: NotRequired[pulumi.Input[bool]]
    """The roles require an external id: the CLI profiles get an external_id placeholder. Default false."""
    mfa_required: NotRequired[pulumi.Input[bool]]
    """The roles' trust policies require MFA: the CLI profiles get an mfa_serial. Default false (true when require_mfa)."""
    source_profile: NotRequired[str]
    """The ~/.aws/config profile holding the trusted account's credentials. Default "default"."""
    managed_policies_per_principal_limit: NotRequired[int]
    """Managed policies this component may attach to one user or group, 10 (AWS default) up to 20 once raised."""


def validate_trusted_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """Check every plain value of TrustedAccountAccessArgs; return them normalized."""
    if "role_arns" not in args:
        raise InvalidInputError("role_arns", None, "is required")
    role_arns = args["role_arns"]
    out = validate_trusted_options({k: v for k, v in args.items() if k != "role_arns"})
    out["role_arns"] = role_arns if check.has_output(role_arns) else checked_role_arns(role_arns)
    return out


def validate_trusted_options(args: Mapping[str, Any]) -> dict[str, Any]:
    """Check every TrustedAccountAccessArgs value but the role ARNs."""
    known = set(TrustedAccountAccessArgs.__annotations__) - {"role_arns"}
    unknown = sorted(set(args) - known)
    if unknown:
        raise InvalidInputError(unknown[0], args[unknown[0]], f"is not an input; known: {sorted(known)}")
    out: dict[str, Any] = {}
    out["user_names"] = check.string_list("user_names", args.get("user_names"), check.user_name)
    out["group_names"] = check.string_list("group_names", args.get("group_names"), check.group_name)
    if not out["user_names"] and not out["group_names"]:
        raise InvalidInputError(
            "user_names/group_names", [], "name no user and no group: attach the policy to at least one"
        )
    out["policy_name"] = check.policy_name("policy_name", args.get("policy_name", limits.DEFAULT_POLICY_NAME))
    out["policy_path"] = check.iam_path("policy_path", args.get("policy_path", limits.DEFAULT_PATH))
    out["require_mfa"] = check.boolean("require_mfa", args.get("require_mfa", False))
    for flag in ("external_id_required", "mfa_required"):
        value = args.get(flag, False)
        out[flag] = value if isinstance(value, pulumi.Output) else check.boolean(flag, value)
    out["source_profile"] = check.profile_name(
        "source_profile", args.get("source_profile", limits.DEFAULT_SOURCE_PROFILE)
    )
    out["managed_policies_per_principal_limit"] = check.integer(
        "managed_policies_per_principal_limit",
        args.get("managed_policies_per_principal_limit", limits.MANAGED_POLICIES_PER_PRINCIPAL_DEFAULT),
        1,
        limits.MANAGED_POLICIES_PER_PRINCIPAL_MAX,
    )
    return out


def checked_role_arns(role_arns: Any) -> tuple[str, ...]:
    return check.string_list("role_arns", role_arns, check.role_arn, required=True)


def split_role_arns(
    role_arns: Sequence[str], *, require_mfa: bool = False, max_size: int = limits.MANAGED_POLICY_MAX
) -> list[tuple[str, ...]]:
    """Pack the ARNs, in the order given, into as few policy documents as that order allows.

    Each chunk takes ARNs until the next one would push its document over
    ``max_size`` characters; filling greedily is optimal among packings that keep
    the order. A chunk only changes when an ARN in it or before it changes, so
    appending ARNs (new trusting stacks at the end of the list) leaves every
    earlier policy byte-identical: the last one grows, or a new one is added.
    """
    chunks: list[list[str]] = []
    for arn in role_arns:
        if (
            chunks
            and policy_size(assume_role_policy([*chunks[-1], arn], require_mfa=require_mfa)) <= max_size
        ):
            chunks[-1].append(arn)
            continue
        if policy_size(assume_role_policy([arn], require_mfa=require_mfa)) > max_size:
            raise InvalidInputError(
                "role_arns", arn, f"alone makes a policy over the {max_size}-character quota"
            )
        chunks.append([arn])
    return [tuple(chunk) for chunk in chunks]


def check_policies_per_principal(arn_count: int, policy_count: int, limit: int) -> None:
    """Raise unless every user and group can take all ``policy_count`` assume-role policies."""
    if policy_count <= limit:
        return
    ways = []
    if policy_count <= limits.MANAGED_POLICIES_PER_PRINCIPAL_MAX:
        ways.append(
            f"raise the quota (up to {limits.MANAGED_POLICIES_PER_PRINCIPAL_MAX}) "
            "and managed_policies_per_principal_limit with it"
        )
    ways.append(
        "give the roles to several IAM groups: split them across trusted stacks that each attach "
        "their policies to one group of group_names, and add the users to those groups "
        f"(a user may belong to {limits.GROUPS_PER_USER_MAX} groups)"
    )
    raise InvalidInputError(
        "role_arns",
        f"<{arn_count} role ARNs>",
        f"need {policy_count} assume-role policies of at most {limits.MANAGED_POLICY_MAX} characters, "
        f"over managed_policies_per_principal_limit ({limit}), the IAM quota on managed policies "
        "attached to one user or group: " + ", or ".join(ways),
    )


def policy_suffix(index: int) -> str:
    """'' for the first policy, '-2', '-3', ... for the ones a split adds."""
    return "" if index == 0 else f"-{index + 1}"


class TrustedAccountAccess(pulumi.ComponentResource):
    """A policy allowing sts:AssumeRole on the given role ARNs, attached to users and groups of the trusted account."""

    policy_arn: pulumi.Output[str]
    """ARN of the assume-role policy (the first one when the ARNs need several)."""
    policy_arns: pulumi.Output[list[str]]
    """ARNs of all assume-role policies (more than one when the role ARNs exceed one policy's size quota)."""
    role_arns: pulumi.Output[list[str]]
    """The role ARNs the users and groups may assume."""
    switch_role_urls: pulumi.Output[list[str]]
    """One console switch-role link per role, in the order of role_arns."""
    aws_cli_config: pulumi.Output[str]
    """A ready ~/.aws/config text with one [profile <role>-<account>] per role."""

    def __init__(
        self,
        name: str,
        args: TrustedAccountAccessArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        settings = validate_trusted_args(args)
        super().__init__("cross-account:index:TrustedAccountAccess", name, {}, opts)
        self._name = name
        self._settings = settings

        role_arns = settings["role_arns"]
        if check.has_output(role_arns):
            # ARNs read from stack references are known only once they resolve;
            # the policies and attachments are registered then, after the checks.
            built = cast(
                pulumi.Output[dict[str, Any]], pulumi.Output.from_input(role_arns).apply(self._build)
            )
        else:
            built = self._build(role_arns)

        self.policy_arns = built.apply(lambda b: b["policy_arns"])
        self.policy_arn = self.policy_arns.apply(lambda arns: arns[0])
        self.role_arns = built.apply(lambda b: b["role_arns"])
        self.switch_role_urls = self.role_arns.apply(lambda arns: [switch_role_url(a) for a in arns])
        self.aws_cli_config = self._cli_config()
        self.register_outputs(
            {
                "policy_arn": self.policy_arn,
                "policy_arns": self.policy_arns,
                "role_arns": self.role_arns,
                "switch_role_urls": self.switch_role_urls,
                "aws_cli_config": self.aws_cli_config,
            }
        )

    def _build(self, role_arns: Sequence[str]) -> pulumi.Output[dict[str, Any]]:
        """Register the policies and attachments for resolved, checked ARNs."""
        settings = self._settings
        arns = checked_role_arns(list(role_arns))
        chunks = split_role_arns(arns, require_mfa=settings["require_mfa"])
        check_policies_per_principal(len(arns), len(chunks), settings["managed_policies_per_principal_limit"])
        policy_arns = []
        for index, chunk in enumerate(chunks):
            suffix = policy_suffix(index)
            policy = aws.iam.Policy(
                f"{self._name}-policy{suffix}",
                name=f"{settings['policy_name']}{suffix}",
                path=settings["policy_path"],
                description="Allows sts:AssumeRole on cross-account roles",
                policy=pulumi.Output.json_dumps(
                    assume_role_policy(chunk, require_mfa=settings["require_mfa"])
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for user in settings["user_names"]:
                aws.iam.UserPolicyAttachment(
                    f"{self._name}-user-{user}{suffix}",
                    user=user,
                    policy_arn=policy.arn,
                    opts=pulumi.ResourceOptions(parent=self),
                )
            for group in settings["group_names"]:
                aws.iam.GroupPolicyAttachment(
                    f"{self._name}-group-{group}{suffix}",
                    group=group,
                    policy_arn=policy.arn,
                    opts=pulumi.ResourceOptions(parent=self),
                )
            policy_arns.append(policy.arn)
        return pulumi.Output.all(*policy_arns).apply(
            lambda resolved: {"policy_arns": list(resolved), "role_arns": list(arns)}
        )

    def _cli_config(self) -> pulumi.Output[str]:
        settings = self._settings
        mfa_serial: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        if settings["require_mfa"] or settings["mfa_required"] is not False:
            identity = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self))
            mfa_serial = pulumi.Output.all(identity, settings["mfa_required"]).apply(
                lambda resolved: (
                    mfa_serial_placeholder(resolved[0].arn.split(":")[1], resolved[0].account_id)
                    if settings["require_mfa"] or resolved[1]
                    else None
                )
            )
        return pulumi.Output.all(self.role_arns, settings["external_id_required"], mfa_serial).apply(
            lambda resolved: aws_cli_config(
                CliProfile(
                    role_arn=arn,
                    source_profile=settings["source_profile"],
                    external_id_required=bool(resolved[1]),
                    mfa_serial=resolved[2],
                )
                for arn in resolved[0]
            )
        )
