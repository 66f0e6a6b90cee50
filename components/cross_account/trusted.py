"""TrustedAccountAccess: lets users, groups and roles of the trusted account assume the roles."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import pulumi
import pulumi_aws as aws

from . import limits, validation as check
from .documents import (
    CliProfile,
    ExtensionEntry,
    assume_role_policy,
    aws_cli_config,
    console_command,
    has_console,
    mfa_serial_placeholder,
    switch_role_url,
    switch_roles_extension_config,
)
from .grants import (  # re-exported: trusted.<NAME> stays what it was
    LATE_INPUTS as LATE_INPUTS,
    NO_PRINCIPAL_KEY as NO_PRINCIPAL_KEY,
    RENAMED_INPUTS as RENAMED_INPUTS,
    REQUIREMENT_FLAGS as REQUIREMENT_FLAGS,
    ROLE_SESSION_REQUIREMENTS as ROLE_SESSION_REQUIREMENTS,
    _check_role_chaining as _check_role_chaining,
    _refuse_renamed as _refuse_renamed,
    _requirement as _requirement,
    attachment_names as attachment_names,
    check_policies_per_principal as check_policies_per_principal,
    check_policy_names as check_policy_names,
    check_region_partition as check_region_partition,
    checked_grants as checked_grants,
    checked_requirements as checked_requirements,
    checked_role_arns as checked_role_arns,
    completed_access as completed_access,
    effective_ends as effective_ends,
    grant_of as grant_of,
    has_any_output as has_any_output,
    parse_trusted_options as parse_trusted_options,
    path_within as path_within,
    policy_suffix as policy_suffix,
    requirements_by_role as requirements_by_role,
    session_actions as session_actions,
    split_role_arns as split_role_arns,
    validate_trusted_args as validate_trusted_args,
    validate_trusted_options as validate_trusted_options,
)
from .invokes import caller_identity
from .specs import AccessSpec
from .trusted_args import (  # re-exported
    OrganizationalUnitAccess as OrganizationalUnitAccess,
    RoleRequirement as RoleRequirement,
    TrustedAccountAccessArgs as TrustedAccountAccessArgs,
    TrustedPrincipals as TrustedPrincipals,
)
from .validation import InvalidInputError, Reporter, ResolvedInputError


@dataclass(frozen=True)
class _Built:
    """What the component registered for its resolved roles, and what each role requires.

    An object rather than a map, so that Output.all passes it along without walking it.
    """

    policy_arns: list[str]
    role_arns: list[str]
    requirements: Mapping[str, Mapping[str, Any]]
    ends: Mapping[str, str]
    documents: tuple[Mapping[str, Any], ...] = ()
    """The assume-role policies' documents, in policy_arns order (what cross-account-audit compares with)."""


CLI_CONFIG_INPUTS = (
    "role_arns",
    "role_requirements",
    "source_profile",
    "region",
    "session_duration_seconds",
    "expires_at",
    "require_mfa",
    "role_requires_external_id",
    "role_requires_mfa",
)
"""The inputs aws_cli_config is written from: secret when one of them is."""
EXTENSION_CONFIG_INPUTS = (
    "role_arns",
    "role_requirements",
    "switch_role_color",
    "region",
    "role_requires_external_id",
)
"""The inputs switch_roles_extension_config is written from."""
POLICY_DOCUMENT_INPUTS = ("role_arns", "role_requirements", "expires_at", "require_mfa")
"""The inputs the assume-role policy documents are built from."""


async def _either_secret(*outputs: pulumi.Output[Any]) -> bool:
    """Whether one of the outputs is secret (known before their values are)."""
    for output in outputs:
        if await output.is_secret():
            return True
    return False


def _as_output(value: Any) -> pulumi.Output[Any]:
    """An Output as it is (its resolved value is not walked again), anything else through from_input."""
    return value if isinstance(value, pulumi.Output) else pulumi.Output.from_input(value)


def _roles_described(arns: Sequence[str]) -> str:
    return repr(arns[0]) if len(arns) == 1 else f"{len(arns)} roles ({arns[0]!r} and {len(arns) - 1} more)"


class TrustedAccountAccess(pulumi.ComponentResource):
    """A policy allowing sts:AssumeRole on the given role ARNs, attached to users, groups and roles of the trusted account."""

    policy_arn: pulumi.Output[str]
    """ARN of the assume-role policy (the first one when the ARNs need several)."""
    policy_arns: pulumi.Output[list[str]]
    """ARNs of all assume-role policies (more than one when the role ARNs exceed one policy's size quota)."""
    role_arns: pulumi.Output[list[str]]
    """The role ARNs the users and groups may assume."""
    switch_role_urls: pulumi.Output[list[str]]
    """One console switch-role link per role, in the order of role_arns (empty for a role in a partition without a console)."""
    aws_cli_config: pulumi.Output[str]
    """A ready ~/.aws/config text with one [profile <role>-<account>] per role, complete for what each role requires."""
    console_commands: pulumi.Output[list[str]]
    """One cross-account-console command line per role, in the order of role_arns, complete for what each role requires (an external id as a placeholder): it opens the console as the role, also where the switch-role page cannot."""
    switch_roles_extension_config: pulumi.Output[str]
    """The roles in the configuration format of the AWS Extend Switch Roles browser extension: one [<role>-<account>] section each, with aws_account_id, role_name and color."""
    principals: pulumi.Output[TrustedPrincipals]
    """What got the assume-role policies: users, groups, roles and the group made here, with its members."""

    def __init__(
        self,
        name: str,
        args: TrustedAccountAccessArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        input_names: Mapping[str, str] | None = None,
        options: AccessSpec | None = None,
    ) -> None:
        """``input_names`` maps input names to the names errors and warnings should use
        (the program passes its config keys). ``options`` (internal: the program's) is ``args``
        parsed already but for the role ARNs, requirements, grants and secret inputs, which are
        checked here: no value is parsed twice."""
        report = Reporter(input_names, args.get("secret_inputs") or (), args)
        try:
            settings = validate_trusted_args(args) if options is None else completed_access(options, args)
        except InvalidInputError as error:
            raise report.error(error) from None
        super().__init__("cross-account:index:TrustedAccountAccess", name, {}, opts)
        self._name = name
        self._settings: AccessSpec = settings
        self._report = report
        self._secret = frozenset(settings.secret_inputs)
        if settings.expires_at is not None:
            warning = check.expiry_warning("expires_at", settings.expires_at)
            if warning is not None:
                report.warn(warning, resource=self)

        built = self._built_when_known()
        self._outputs(built)
        self.register_outputs(
            {
                "policy_arn": self.policy_arn,
                "policy_arns": self.policy_arns,
                "role_arns": self.role_arns,
                "switch_role_urls": self.switch_role_urls,
                "aws_cli_config": self.aws_cli_config,
                "console_commands": self.console_commands,
                "switch_roles_extension_config": self.switch_roles_extension_config,
                "principals": self.principals,
            }
        )

    def _built_when_known(self) -> pulumi.Output["_Built"]:
        """The policies and attachments, registered now for plain inputs, or once the ARNs,
        requirements and grants read from stack references resolve."""
        settings = self._settings
        role_arns, requirements = settings.role_arns, settings.role_requirements
        grants = settings.organizational_unit_grants
        if check.has_output(role_arns) or has_any_output(requirements) or has_any_output(grants):
            # ARNs and requirements read from stack references are known only once they
            # resolve; the policies and attachments are registered then, after the checks.
            # Nested applies rather than Output.all: Output.all walks every resolved list
            # and map again, which costs a second at 1,000 roles with their requirements.
            # Whether they resolve as secrets decides whether the documents that hold them are.
            arns_output, requirements_output = _as_output(role_arns), _as_output(requirements)
            grants_output = _as_output(grants)
            secret_now: pulumi.Output[bool] = pulumi.Output.from_input(
                _either_secret(arns_output, requirements_output)
            )
            return cast(
                pulumi.Output[_Built],
                secret_now.apply(
                    lambda secret: arns_output.apply(
                        lambda arns: requirements_output.apply(
                            lambda resolved: grants_output.apply(
                                lambda given: self._build(arns, resolved, given, secret=secret, late=True)
                            )
                        )
                    )
                ),
            )
        return self._build(role_arns, requirements, grants)

    def _outputs(self, built: pulumi.Output["_Built"]) -> None:
        """The component's outputs, each as secret as the inputs it shows."""
        settings = self._settings
        self.policy_arns = built.apply(lambda b: b.policy_arns)
        self.policy_arn = self.policy_arns.apply(lambda arns: arns[0])
        self.role_arns = self._hide_if(built.apply(lambda b: b.role_arns), "role_arns")
        self.switch_role_urls = self._hide_if(
            self.role_arns.apply(self._console_links), "role_arns", "switch_role_color"
        )
        profiles = self._cli_profiles(built)
        self.aws_cli_config = self._hide_if(profiles.apply(aws_cli_config), *CLI_CONFIG_INPUTS)
        self.console_commands = self._hide_if(
            profiles.apply(lambda found: [console_command(p) for p in found]), *CLI_CONFIG_INPUTS
        )
        self.switch_roles_extension_config = self._hide_if(
            pulumi.Output.all(built, settings.role_requires_external_id).apply(
                lambda resolved: self._extension_config(resolved[0], bool(resolved[1]))
            ),
            *EXTENSION_CONFIG_INPUTS,
        )
        self.principals = self._principals()
        # Not a component output (the schema stays): the program exports it as the audit's baseline.
        self.policy_documents = self._hide_if(
            built.apply(lambda b: [dict(d) for d in b.documents]), *POLICY_DOCUMENT_INPUTS
        )

    @staticmethod
    def _secret_if(secret: bool, value: pulumi.Output[str]) -> pulumi.Output[str]:
        return pulumi.Output.secret(value) if secret else value

    def _hide_if(self, value: Any, *inputs: str) -> Any:
        return pulumi.Output.secret(value) if self._secret.intersection(inputs) else value

    def _build(
        self,
        role_arns: Sequence[str],
        raw_requirements: Any,
        raw_grants: Any = (),
        *,
        secret: bool = False,
        late: bool = False,
    ) -> pulumi.Output["_Built"]:
        """Register the policies, the new group and the attachments for resolved, checked ARNs.

        ``secret``: the ARNs or requirements resolved as secrets: the documents and outputs that hold
        them are secret, and no error or warning shows them. ``late``: called inside an apply, where an
        error ends the run as one line (ResolvedInputError).
        """
        settings = self._settings
        secret = secret or bool(
            self._secret.intersection(("role_arns", "role_requirements", "organizational_unit_grants"))
        )
        if secret:
            self._report.add_secrets(list(role_arns))
        if "role_requirements" in self._secret:
            self._report.add_secrets(raw_requirements)
        entries, grants, arns, requirements, ends, actions, chunks = self._checked(
            role_arns, raw_requirements, raw_grants, late=late
        )
        self._warn_about_role_ends(arns, requirements, entries)
        self._warn_about_role_sessions(arns, requirements)
        new_group = self._new_group()
        made = settings.new_group_name
        groups = [*settings.group_names, *([made] if new_group and made else [])]
        names = {
            "user": attachment_names(f"{self._name}-user", settings.user_names, len(chunks)),
            "group": attachment_names(f"{self._name}-group", groups, len(chunks)),
            "role": attachment_names(f"{self._name}-role", settings.role_names, len(chunks)),
        }
        for kind, key in (("user", "user_names"), ("group", "group_names"), ("role", "role_names")):
            self._warn_about_renamed(names[kind], key)
        tags = self._hide_if(settings.tags, "tags") if settings.tags else None
        policy_arns = []
        documents = []
        for index, chunk in enumerate(chunks):
            suffix = policy_suffix(index)
            document = assume_role_policy(
                chunk,
                require_mfa=settings.require_mfa,
                ends=ends,
                session_actions=actions,
                grants=grants if index == 0 else (),
            )
            documents.append(document)
            policy = self._policy(suffix, document, tags, secret)
            self._attach(policy, index, names, new_group)
            policy_arns.append(self._hide_if(policy.arn, "policy_name", "policy_path"))
        built = pulumi.Output.all(*policy_arns).apply(
            lambda resolved: _Built(list(resolved), list(arns), requirements, ends, tuple(documents))
        )
        return pulumi.Output.secret(built) if secret else built

    def _checked(
        self, role_arns: Sequence[str], raw_requirements: Any, raw_grants: Any, *, late: bool
    ) -> tuple[Any, Any, Any, Any, Any, Any, Any]:
        """The grants, ARNs, requirements, ends, session actions and policy chunks, checked; a bad value
        is raised at once, or (``late``, inside an apply) as one ResolvedInputError line."""
        settings = self._settings
        try:
            entries = checked_grants(list(raw_grants or ()))
            grants = [grant_of(entry, settings.expires_at) for entry in entries]
            arns = checked_role_arns(list(role_arns), required=not grants)
            requirements = requirements_by_role(arns, checked_requirements(list(raw_requirements or ())))
            ends = effective_ends(arns, requirements, settings.expires_at)
            actions = session_actions(arns, requirements)
            chunks = split_role_arns(
                arns, require_mfa=settings.require_mfa, ends=ends, actions=actions, grants=grants
            )
            check_policies_per_principal(
                len(arns) + len(grants), len(chunks), settings.managed_policies_per_principal_limit
            )
            check_policy_names(settings.policy_name, len(chunks))
            check_region_partition(settings.region, arns)
        except InvalidInputError as error:
            reported = self._report.error(error)
            if not late:
                raise reported from None
        else:
            return entries, grants, arns, requirements, ends, actions, chunks
        # Raised out of the except block: the first error, which may show a secret, is not its context.
        raise ResolvedInputError(reported) from reported

    def _policy(self, suffix: str, document: Mapping[str, Any], tags: Any, secret: bool) -> aws.iam.Policy:
        """One assume-role policy (``suffix``: "" for the first, -2, -3, ... when split)."""
        settings = self._settings
        return aws.iam.Policy(
            f"{self._name}-policy{suffix}",
            name=self._hide_if(f"{settings.policy_name}{suffix}", "policy_name"),
            path=self._hide_if(settings.policy_path, "policy_path"),
            description="Allows sts:AssumeRole on cross-account roles",
            policy=self._secret_if(
                secret or bool(self._secret.intersection(POLICY_DOCUMENT_INPUTS)),
                pulumi.Output.json_dumps(document),
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                # A new name replaces the policy create-first (attached before the old one goes),
                # said explicitly, as the AWS provider would ask for delete-first (docs/deploy.md).
                delete_before_replace=False,
                additional_secret_outputs=(
                    (
                        ["arn", "id", "name", "path"]
                        if self._secret.intersection(("policy_name", "policy_path"))
                        else []
                    )
                    + (["tagsAll"] if "tags" in self._secret else [])
                ),
            ),
        )

    def _new_group(self) -> aws.iam.Group | None:
        """The group new_group_name, and its members (each added without touching their other groups)."""
        settings = self._settings
        if settings.new_group_name is None:
            return None
        hidden = self._secret.intersection(("new_group_name", "new_group_path"))
        group = aws.iam.Group(
            f"{self._name}-new-group",
            name=self._hide_if(settings.new_group_name, "new_group_name"),
            path=self._hide_if(settings.new_group_path, "new_group_path"),
            opts=pulumi.ResourceOptions(
                parent=self,
                additional_secret_outputs=["arn", "id", "name", "path", "uniqueId"] if hidden else [],
            ),
        )
        for user in settings.new_group_members:
            aws.iam.UserGroupMembership(
                f"{self._name}-member-{user}",
                user=self._hide_if(user, "new_group_members"),
                groups=[group.name],
                opts=pulumi.ResourceOptions(parent=self),
            )
        return group

    def _attach(
        self,
        policy: aws.iam.Policy,
        index: int,
        names: Mapping[str, Mapping[tuple[str, int], str]],
        new_group: aws.iam.Group | None,
    ) -> None:
        settings = self._settings
        policy_secret = ("policy_name", "policy_path")
        policy_arn = self._hide_if(policy.arn, *policy_secret)

        def child(*inputs: str) -> pulumi.ResourceOptions:
            # An attachment's id is made of the principal's name and the policy ARN.
            hide = self._secret.intersection((*inputs, *policy_secret))
            return pulumi.ResourceOptions(parent=self, additional_secret_outputs=["id"] if hide else [])

        for user in settings.user_names:
            aws.iam.UserPolicyAttachment(
                names["user"][(user, index)],
                user=self._hide_if(user, "user_names"),
                policy_arn=policy_arn,
                opts=child("user_names"),
            )
        for group in settings.group_names:
            aws.iam.GroupPolicyAttachment(
                names["group"][(group, index)],
                group=self._hide_if(group, "group_names"),
                policy_arn=policy_arn,
                opts=child("group_names"),
            )
        made = settings.new_group_name
        if new_group is not None and made is not None:
            aws.iam.GroupPolicyAttachment(
                names["group"][(made, index)],
                group=new_group.name,
                policy_arn=policy_arn,
                opts=child("new_group_name", "new_group_path"),
            )
        for role in settings.role_names:
            aws.iam.RolePolicyAttachment(
                names["role"][(role, index)],
                role=self._hide_if(role, "role_names"),
                policy_arn=policy_arn,
                opts=child("role_names"),
            )

    def _warn_about_renamed(self, names: Mapping[tuple[str, int], str], key: str) -> None:
        new_group = self._settings.new_group_name
        for (principal, index), name in names.items():
            if "/" in name:
                named = "new_group_name" if key == "group_names" and principal == new_group else key
                self._report.warn(
                    f"{named}: {principal!r} and {f'{principal}-{index + 1}'!r}: the attachment of policy "
                    f"{index + 1} to {principal!r} is named {name!r}, so that it cannot clash with the "
                    f"other's; if an earlier run created it as {name.replace('/', '-')!r}, run `pulumi "
                    "refresh` and `pulumi up` once more, which attaches it again",
                    resource=self,
                )

    def _warn_about_role_ends(
        self,
        role_arns: Sequence[str],
        requirements: Mapping[str, Mapping[str, Any]],
        grants: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """One warning per end of a role's own trust that has passed or is less than 7 days away: roles by
        ARN, and the roles of a grant by organization path (a stackset rollout) by their ARN pattern."""
        by_end: dict[str, list[str]] = {}
        for arn in role_arns:
            end = requirements.get(arn, {}).get("expires_at")
            if end:
                by_end.setdefault(end, []).append(arn)
        for grant in grants:
            if grant.get("expires_at"):
                by_end.setdefault(grant["expires_at"], []).append(grant["role_arn_pattern"])
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for end, arns in sorted(by_end.items()):
            if not check.expires_soon(end):
                continue
            what = _roles_described(arns)
            passed = end <= now  # one fixed-width UTC format: text order is time order
            self._report.warn(
                f"role_requirements: access to {what} ended at {end!r} (expires_at of its trust policy): "
                "the role refuses every caller, and the assume-role policies allow it no more"
                if passed
                else f"role_requirements: access to {what} ends at {end!r} (expires_at of its trust policy), "
                f"less than {limits.EXPIRY_WARNING_DAYS} days away",
                resource=self,
            )

    def _warn_about_role_sessions(
        self, role_arns: Sequence[str], requirements: Mapping[str, Mapping[str, Any]]
    ) -> None:
        """One warning per requirement that role sessions (role_names) cannot meet, naming the roles."""
        roles = list(self._settings.role_names)
        if not roles:
            return
        default_mfa = self._settings.role_requires_mfa
        for flag, what in ROLE_SESSION_REQUIREMENTS.items():
            default = default_mfa is True if flag == "mfa_required" else False
            arns = [arn for arn in role_arns if requirements.get(arn, {}).get(flag, default)]
            if arns:
                self._report.warn(
                    f"role_names: {roles} get the assume-role policies, but {_roles_described(arns)} "
                    f"{what}: these roles cannot assume it; give it to users or groups instead",
                    resource=self,
                )

    def _console_links(self, role_arns: Sequence[str]) -> list[str]:
        links = []
        for arn in role_arns:
            partition = arn.split(":")[1]
            if has_console(partition):
                links.append(switch_role_url(arn, color=self._settings.switch_role_color))
                continue
            self._report.warn(
                f"{arn}: partition {partition!r} has no console switch-role page: its switch_role_urls "
                "entry is empty; use STS or the CLI profile",
                resource=self,
            )
            links.append("")
        return links

    def _mfa_serial(self) -> pulumi.Output[str | None]:
        """The mfa_serial placeholder of this account, when any role may require MFA (else no invoke)."""
        settings = self._settings
        requirements = settings.role_requirements
        may_require = (
            settings.require_mfa
            or settings.role_requires_mfa is not False
            or has_any_output(requirements)
            or any(entry.get("mfa_required") for entry in requirements)
        )
        if not may_require:
            return pulumi.Output.from_input(None)
        return caller_identity(self).apply(
            lambda identity: mfa_serial_placeholder(identity[1].split(":")[1], identity[0])
        )

    def _cli_profiles(self, built: pulumi.Output["_Built"]) -> pulumi.Output[list[CliProfile]]:
        """One CliProfile per role, complete for what it requires (aws_cli_config, console_commands)."""
        settings = self._settings

        def profiles(resolved: list[Any]) -> list[CliProfile]:
            b, external_id_default, mfa_default, mfa_serial = resolved
            found = []
            for arn in b.role_arns:
                entry = b.requirements.get(arn, {})
                mfa = settings.require_mfa or bool(entry.get("mfa_required", mfa_default))
                found.append(
                    CliProfile(
                        role_arn=arn,
                        source_profile=settings.source_profile,
                        external_id_required=bool(entry.get("external_id_required", external_id_default)),
                        mfa_serial=mfa_serial if mfa else None,
                        region=settings.region,
                        session_name_required=bool(entry.get("session_name_required", False)),
                        source_identity_required=bool(entry.get("source_identity_required", False)),
                        duration_seconds=settings.session_duration_seconds,
                        expires_at=b.ends.get(arn),
                    )
                )
            return found

        return pulumi.Output.all(
            built, settings.role_requires_external_id, settings.role_requires_mfa, self._mfa_serial()
        ).apply(profiles)

    def _extension_config(self, built: "_Built", external_id_default: bool) -> str:
        settings = self._settings
        entries = []
        for arn in built.role_arns:
            entry = built.requirements.get(arn, {})
            refused = None
            if entry.get("source_identity_required"):
                refused = "the role requires a source identity, which the console cannot set"
            elif entry.get("external_id_required", external_id_default):
                refused = "the role requires an external id, which the console cannot send"
            entries.append(
                ExtensionEntry(arn, settings.switch_role_color, settings.region, console_refused=refused)
            )
        return switch_roles_extension_config(entries)

    def _principals(self) -> pulumi.Output[TrustedPrincipals]:
        settings = self._settings
        principals: TrustedPrincipals = {
            "users": list(settings.user_names),
            "groups": list(settings.group_names),
            "roles": list(settings.role_names),
            "new_group": settings.new_group_name or "",
            "new_group_members": list(settings.new_group_members),
        }
        inputs = ("user_names", "group_names", "role_names", "new_group_name", "new_group_members")
        return cast(
            pulumi.Output[TrustedPrincipals],
            self._hide_if(pulumi.Output.from_input(principals), *inputs),
        )
