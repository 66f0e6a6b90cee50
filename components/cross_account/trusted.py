"""TrustedAccountAccess: lets users and groups of the trusted account assume the roles."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumi_aws as aws

from . import limits
from . import validation as check
from .documents import (
    CliProfile,
    assume_role_policy,
    aws_cli_config,
    has_console,
    mfa_serial_placeholder,
    policy_size,
    switch_role_url,
)
from .invokes import caller_identity
from .validation import InvalidInputError, Reporter


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
    """Identity-side condition: this account's principals may call sts:AssumeRole only in MFA-authenticated sessions. Default false."""
    role_requires_external_id: NotRequired[pulumi.Input[bool]]
    """What the roles' trust policies require: an external id (the CLI profiles get an external_id placeholder). Default false."""
    role_requires_mfa: NotRequired[pulumi.Input[bool]]
    """What the roles' trust policies require: MFA (the CLI profiles get an mfa_serial). Default false (true when require_mfa)."""
    source_profile: NotRequired[str]
    """The ~/.aws/config profile holding the trusted account's credentials. Default "default"."""
    managed_policies_per_principal_limit: NotRequired[int]
    """Managed policies this component may attach to one user or group, 10 (AWS default) up to 20 once raised."""
    secret_inputs: NotRequired[Sequence[str]]
    """Names of inputs (snake_case) whose values are secret: registered as secrets in every resource input and output, never shown in errors or warnings. User and group names still appear in resource names."""


RENAMED_INPUTS: Mapping[str, str] = {
    "mfa_required": "role_requires_mfa",
    "external_id_required": "role_requires_external_id",
}
"""Inputs of earlier versions and their new names (the old names say too little)."""


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
    for old, new in RENAMED_INPUTS.items():
        if old in args:
            raise InvalidInputError(
                old,
                args[old],
                f"was renamed {new}: it says what the roles' trust policies require "
                "(require_mfa is the identity-side condition this component adds)",
            )
    unknown = sorted(set(args) - known)
    if unknown:
        raise InvalidInputError(unknown[0], args[unknown[0]], f"is not an input; known: {sorted(known)}")
    out: dict[str, Any] = {}
    out["secret_inputs"] = check.string_list(
        "secret_inputs", args.get("secret_inputs"), lambda key, value: _input_name(key, value, known)
    )
    out["user_names"] = check.string_list(
        "user_names", args.get("user_names"), check.user_name, identity=check.folded
    )
    out["group_names"] = check.string_list(
        "group_names", args.get("group_names"), check.group_name, identity=check.folded
    )
    if not out["user_names"] and not out["group_names"]:
        raise InvalidInputError(
            "user_names/group_names", [], "name no user and no group: attach the policy to at least one"
        )
    out["policy_name"] = check.policy_name("policy_name", args.get("policy_name", limits.DEFAULT_POLICY_NAME))
    out["policy_path"] = check.iam_path("policy_path", args.get("policy_path", limits.DEFAULT_PATH))
    out["require_mfa"] = check.boolean("require_mfa", args.get("require_mfa", False))
    for flag in ("role_requires_external_id", "role_requires_mfa"):
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


def _input_name(key: str, value: Any, known: set[str]) -> str:
    if value not in known or value == "secret_inputs":
        raise InvalidInputError(key, value, f"is not an input that can be secret; inputs: {sorted(known)}")
    return str(value)


def checked_role_arns(role_arns: Any) -> tuple[str, ...]:
    return check.string_list(
        "role_arns", role_arns, check.role_arn, required=True, identity=check.role_identity
    )


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


def attachment_names(prefix: str, principals: Iterable[str], policy_count: int) -> dict[tuple[str, int], str]:
    """The resource name of each (principal, policy index) attachment, none the same as another.

    The name is ``<prefix>-<principal><suffix>`` (``acme-user-alice``,
    ``acme-user-alice-2`` for the second policy), as it always was. That name
    can be claimed twice only when a principal is called ``<other>-<n>`` and the
    policies were split n ways: then the first policy's attachment keeps it,
    and the other gets ``<prefix>-<principal>/<n>``; ``/`` never occurs in an
    IAM name, so that name is free.
    """
    principals = list(principals)
    first = {f"{prefix}-{principal}" for principal in principals}
    names = {}
    for principal in principals:
        for index in range(policy_count):
            name = f"{prefix}-{principal}{policy_suffix(index)}"
            if index > 0 and name in first:
                name = f"{prefix}-{principal}/{index + 1}"
            names[(principal, index)] = name
    return names


class TrustedAccountAccess(pulumi.ComponentResource):
    """A policy allowing sts:AssumeRole on the given role ARNs, attached to users and groups of the trusted account."""

    policy_arn: pulumi.Output[str]
    """ARN of the assume-role policy (the first one when the ARNs need several)."""
    policy_arns: pulumi.Output[list[str]]
    """ARNs of all assume-role policies (more than one when the role ARNs exceed one policy's size quota)."""
    role_arns: pulumi.Output[list[str]]
    """The role ARNs the users and groups may assume."""
    switch_role_urls: pulumi.Output[list[str]]
    """One console switch-role link per role, in the order of role_arns (empty for a role in a partition without a console)."""
    aws_cli_config: pulumi.Output[str]
    """A ready ~/.aws/config text with one [profile <role>-<account>] per role."""

    def __init__(
        self,
        name: str,
        args: TrustedAccountAccessArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        input_names: Mapping[str, str] | None = None,
    ) -> None:
        """``input_names`` maps input names to the names errors and warnings should use
        (the program passes its config keys)."""
        report = Reporter(input_names, args.get("secret_inputs") or (), args)
        try:
            settings = validate_trusted_args(args)
        except InvalidInputError as error:
            raise report.error(error) from None
        super().__init__("cross-account:index:TrustedAccountAccess", name, {}, opts)
        self._name = name
        self._settings = settings
        self._report = report
        self._secret = frozenset(settings["secret_inputs"])

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
        self.switch_role_urls = self.role_arns.apply(self._console_links)
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

    def _hide_if(self, value: Any, *inputs: str) -> Any:
        return pulumi.Output.secret(value) if self._secret.intersection(inputs) else value

    def _build(self, role_arns: Sequence[str]) -> pulumi.Output[dict[str, Any]]:
        """Register the policies and attachments for resolved, checked ARNs."""
        settings = self._settings
        try:
            arns = checked_role_arns(list(role_arns))
            chunks = split_role_arns(arns, require_mfa=settings["require_mfa"])
            check_policies_per_principal(
                len(arns), len(chunks), settings["managed_policies_per_principal_limit"]
            )
        except InvalidInputError as error:
            raise self._report.error(error) from None
        users = attachment_names(f"{self._name}-user", settings["user_names"], len(chunks))
        groups = attachment_names(f"{self._name}-group", settings["group_names"], len(chunks))
        self._warn_about_renamed(users, "user_names")
        self._warn_about_renamed(groups, "group_names")
        policy_arns = []
        for index, chunk in enumerate(chunks):
            suffix = policy_suffix(index)
            policy = aws.iam.Policy(
                f"{self._name}-policy{suffix}",
                name=self._hide_if(f"{settings['policy_name']}{suffix}", "policy_name"),
                path=self._hide_if(settings["policy_path"], "policy_path"),
                description="Allows sts:AssumeRole on cross-account roles",
                policy=pulumi.Output.json_dumps(
                    assume_role_policy(chunk, require_mfa=settings["require_mfa"])
                ),
                opts=pulumi.ResourceOptions(
                    parent=self,
                    # The name is fixed: a replacement must delete the old policy first.
                    delete_before_replace=True,
                    additional_secret_outputs=(
                        ["arn", "id", "name", "path"]
                        if self._secret.intersection(("policy_name", "policy_path"))
                        else []
                    ),
                ),
            )
            for user in settings["user_names"]:
                aws.iam.UserPolicyAttachment(
                    users[(user, index)],
                    user=self._hide_if(user, "user_names"),
                    policy_arn=policy.arn,
                    opts=pulumi.ResourceOptions(parent=self),
                )
            for group in settings["group_names"]:
                aws.iam.GroupPolicyAttachment(
                    groups[(group, index)],
                    group=self._hide_if(group, "group_names"),
                    policy_arn=policy.arn,
                    opts=pulumi.ResourceOptions(parent=self),
                )
            policy_arns.append(self._hide_if(policy.arn, "policy_name", "policy_path"))
        return pulumi.Output.all(*policy_arns).apply(
            lambda resolved: {"policy_arns": list(resolved), "role_arns": list(arns)}
        )

    def _warn_about_renamed(self, names: Mapping[tuple[str, int], str], key: str) -> None:
        for (principal, index), name in names.items():
            if "/" in name:
                self._report.warn(
                    f"{key}: {principal!r} and {f'{principal}-{index + 1}'!r}: the attachment of policy "
                    f"{index + 1} to {principal!r} is named {name!r}, so that it cannot clash with the "
                    f"other's; if an earlier run created it as {name.replace('/', '-')!r}, run `pulumi "
                    "refresh` and `pulumi up` once more, which attaches it again",
                    resource=self,
                )

    def _console_links(self, role_arns: Sequence[str]) -> list[str]:
        links = []
        for arn in role_arns:
            partition = arn.split(":")[1]
            if has_console(partition):
                links.append(switch_role_url(arn))
                continue
            self._report.warn(
                f"{arn}: partition {partition!r} has no console switch-role page: its switch_role_urls "
                "entry is empty; use STS or the CLI profile",
                resource=self,
            )
            links.append("")
        return links

    def _cli_config(self) -> pulumi.Output[str]:
        settings = self._settings
        mfa_serial: pulumi.Output[str | None] = pulumi.Output.from_input(None)
        if settings["require_mfa"] or settings["role_requires_mfa"] is not False:
            identity = caller_identity(self)
            mfa_serial = pulumi.Output.all(identity, settings["role_requires_mfa"]).apply(
                lambda resolved: (
                    mfa_serial_placeholder(resolved[0][1].split(":")[1], resolved[0][0])
                    if settings["require_mfa"] or resolved[1]
                    else None
                )
            )
        return pulumi.Output.all(self.role_arns, settings["role_requires_external_id"], mfa_serial).apply(
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
