"""TrustingRoleRollout: the trusting role in many accounts, through one provider per account or one StackSet.

``rollout_mode`` "providers" (the default) does it the way CloudFormation
StackSets does it with self-managed permissions: for each target account other than
the one deploying, an ``aws.Provider`` assumes the deployment role
(``OrganizationAccountAccessRole`` by default) in that account, and a
``TrustingAccountRole`` is built through it. Everything is named after the
account id, so adding or removing an account touches only that account's
resources. ``rollout_mode`` "stackset" registers one service-managed
CloudFormation StackSet and one instance per organizational unit instead
(``stackset.py``): CloudFormation deploys the role to every account of the
units, and to accounts that join them later.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NotRequired, TypedDict, cast

import pulumi
import pulumi_aws as aws

from . import limits, stackset as stackset_mode, validation as check
from .callers import Caller, caller_external_ids
from .documents import has_console, switch_role_urls_by_account
from .invokes import where_now
from .spec_fields import CrossRule, Rule, completed, default_of, info, parse, spec_fields, values
from .specs import RoleSpec, RolloutSpec, StackSetSpec
from .trusting import (
    LATE_INPUTS,
    TrustingAccountRole,
    TrustingAccountRoleArgs,
    checked_trust_policy,
    role_warnings,
    validate_trusting_args,
)
from .validation import InvalidInputError, Reporter

TOKEN = "cross-account:index:TrustingRoleRollout"
SESSION_NAME_PREFIX = "cross-account-access-"


class TrustingRoleRolloutArgs(TypedDict):
    """Inputs of TrustingRoleRollout: the target accounts, how to reach them, and every input of TrustingAccountRole."""

    target_account_ids: Sequence[str]
    """12-digit ids of the accounts to create the role in (resolved: list an organizational unit's accounts first). Providers mode: each gets its own TrustingAccountRole, named after the account, so adding or removing an account touches only that account's resources. Stackset mode: the accounts the units hold now, for role_arns_by_account."""
    rollout_mode: NotRequired[str]
    """"providers" (default): one AWS provider and one TrustingAccountRole per account; "stackset": one service-managed CloudFormation StackSet with automatic deployment and one stack set instance per organizational unit."""
    deployment_role_name: NotRequired[str]
    """Providers mode: role assumed in each target account other than the deploying one, to create the role there (arn:<partition>:iam::<account>:role/<name>). Default "OrganizationAccountAccessRole", the role AWS Organizations creates in the accounts it makes."""
    deployment_role_external_id: NotRequired[pulumi.Input[str]]
    """Providers mode: sts:ExternalId to pass when assuming the deployment role, if that role requires one. Always registered as a secret."""
    organizational_unit_ids: NotRequired[Sequence[str]]
    """Stackset mode (required there): organizational units (ou-...) or roots (r-...) to deploy the role to; each gets one stack set instance, named after the unit."""
    exclude_account_ids: NotRequired[Sequence[str]]
    """Refused: a stack set instance with an account filter does not hold (automatic deployment ignores account filters) and a changed filter replaces every instance, deleting the role from the whole unit. Move such accounts to a unit not targeted, or use providers mode, whose target_account_ids lists exactly the accounts."""
    management_account_id: NotRequired[str]
    """Stackset mode: the organization's management account, refused as a target (StackSets never deploy there). Default: the deploying account when call_as is SELF."""
    stack_set_name: NotRequired[str]
    """Stackset mode: name of the StackSet (a letter, then letters, digits and hyphens, up to 128). Default "cross-account-access-<stack>"."""
    call_as: NotRequired[str]
    """Stackset mode: "SELF" (default) in the organization's management account, "DELEGATED_ADMIN" in a delegated administrator account for StackSets."""
    retain_stacks_on_account_removal: NotRequired[bool]
    """Stackset mode: keep an account's role when the account leaves the units (auto-deployment), or when an instance is removed. Default false."""
    max_concurrent_percentage: NotRequired[int]
    """Stackset mode: accounts deployed at a time, in percent of the targets, 1..100. Default 100 (CloudFormation caps it at the failure tolerance + 1)."""
    failure_tolerance_percentage: NotRequired[int]
    """Stackset mode: accounts, in percent, that may fail before CloudFormation stops an operation, 0..100. Default 10."""
    region_concurrency_type: NotRequired[str]
    """Stackset mode: "PARALLEL" (default) or "SEQUENTIAL" deployment across regions."""
    stack_set_instance_region: NotRequired[str]
    """Stackset mode: the region of the stack instances (IAM is global: one is enough). Default: the region of the component's provider."""
    stack_set_recreate_roles: NotRequired[bool]
    """Stackset mode: apply a change of stack_set_name, retain_stacks_on_account_removal or the instances' region, each of which replaces the StackSet or its instances, so CloudFormation deletes the role from every account of the units and makes it again (a window without access). Default false: such a change is held back (the deployed value stays) with a warning."""
    # Every input of TrustingAccountRoleArgs, copied from trusting_args.py by
    # `.venv/bin/python tests/test_component_package.py`: a subclass would inherit the fields, but
    # the schema takes a field's description only from the class that declares it.
    # forwarded-inputs:begin
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
    # forwarded-inputs:end


ROLE_INPUTS = frozenset(TrustingAccountRoleArgs.__annotations__)
"""The inputs each account's TrustingAccountRole gets; the others are the rollout's own."""
ROLLOUT_INPUTS = frozenset(TrustingRoleRolloutArgs.__annotations__)
"""Every input of TrustingRoleRollout (its own and the role's)."""
_MODE_FIELD = next(field for field in spec_fields(RolloutSpec) if field.name == "rollout_mode")
_MODE_RULE = cast(Rule, info(_MODE_FIELD).rule)


def session_name(stack: str) -> str:
    """The session name of the deployment role: ``cross-account-access-<stack>``, cut to STS's 64 characters."""
    return f"{SESSION_NAME_PREFIX}{stack}"[: limits.ROLE_SESSION_NAME_MAX]


def not_trusted(key: str, accounts: Iterable[str], trusted: Iterable[str], trusted_key: str) -> None:
    """Refuse a target account that the role would also trust: a role trusting its own account."""
    trusted_set = set(trusted)
    for account in accounts:
        if account in trusted_set:
            raise InvalidInputError(
                key,
                account,
                f"is also in {trusted_key}: a role that trusts the account it is in is not cross-account "
                "access (it lets in every principal of that account whose own policies allow sts:AssumeRole)",
            )


def validate_rollout_args(args: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check TrustingRoleRolloutArgs: (the rollout's own inputs normalized, the inputs of each role).

    The inputs of each role are passed on as given, once they passed ``validate_trusting_args`` here.
    """
    rollout, role_args, _ = _validated(args)
    own = {name: value for name, value in values(rollout).items() if name != "stackset"}
    return {**own, **(values(rollout.stackset) if rollout.stackset is not None else {})}, role_args


def _validated(
    args: Mapping[str, Any], spec: RoleSpec | None = None
) -> tuple[RolloutSpec, dict[str, Any], RoleSpec]:
    """The rollout's spec, the inputs of each role, and the role's spec: parsed here, or ``spec`` (parsed
    by the caller already) completed with the inputs it adds (LATE_INPUTS)."""
    found: dict[str, Any] = {}

    def with_role(checked: dict[str, Any]) -> None:
        """The role's inputs checked, then the rules across the rollout's and the role's inputs."""
        role_args = {k: v for k, v in args.items() if k in ROLE_INPUTS and k != "secret_inputs"}
        role_secret = [name for name in checked["secret_inputs"] if name in ROLE_INPUTS]
        if role_secret:
            role_args["secret_inputs"] = role_secret
        role = validate_trusting_args(role_args) if spec is None else completed(spec, role_args, LATE_INPUTS)
        not_the_deployment_role(role.role_name, checked["deployment_role_name"])
        if not check.has_output(role.trusted_account_ids):
            not_trusted(
                "target_account_ids",
                checked["target_account_ids"],
                role.trusted_account_ids,
                "trusted_account_ids",
            )
        found.update(role_args=role_args, role=role)

    rollout = parse(
        RolloutSpec,
        args,
        known=ROLLOUT_INPUTS,
        prepare=_mode_inputs,
        rules=(_stackset_inputs(args), with_role),
    )
    return rollout, found["role_args"], found["role"]


def _mode_inputs(args: Mapping[str, Any]) -> Mapping[str, Any]:
    """No input left unevaluated; rollout_mode checked, with the inputs only the other mode reads refused,
    and in stackset mode the role inputs a StackSet cannot express."""
    check.not_evaluated_inputs(args)
    mode = _MODE_RULE("rollout_mode", args.get("rollout_mode", default_of(_MODE_FIELD)))
    other = stackset_mode.PROVIDERS_INPUTS if mode == "stackset" else stackset_mode.STACKSET_INPUTS
    for name in other:
        if name in args:
            shown = check.hidden_value(None) if name == "deployment_role_external_id" else args[name]
            raise InvalidInputError(name, shown, f"does not apply to rollout_mode {mode!r}: remove it")
    if mode == "stackset":
        refused = stackset_mode.unsupported(args)
        if refused is not None:
            raise refused
    return args


def _stackset_inputs(args: Mapping[str, Any]) -> CrossRule:
    """The rule that reads the stackset mode's own inputs of ``args`` (``validate_stackset_args``)."""

    def rule(checked: dict[str, Any]) -> None:
        if checked["rollout_mode"] == "stackset":
            checked["stackset"] = stackset_mode.validate_stackset_args(args)

    return rule


def not_the_deployment_role(role_name: str, deployment_role_name: str) -> None:
    """Raise when the role to create is the deployment role (IAM names are case-insensitive)."""
    if check.folded(role_name) == check.folded(deployment_role_name):
        raise InvalidInputError(
            "role_name",
            role_name,
            f"is also deployment_role_name ({deployment_role_name!r}), the role the rollout assumes in each "
            "target account to create the role there: IAM refuses a second role of that name "
            "(EntityAlreadyExists), and taking it over would put the deployers' own access in the stack; "
            "choose another role_name",
        )


class TrustingRoleRollout(pulumi.ComponentResource):
    """The trusting role in every target account: one AWS provider and TrustingAccountRole per account, or (rollout_mode stackset) one service-managed CloudFormation StackSet deploying it to organizational units."""

    role_arns_by_account: pulumi.Output[dict[str, str]]
    """ARN of the role in each target account, by account id."""
    switch_role_urls_by_account: pulumi.Output[dict[str, str]]
    """Console link that switches to each account's role, by account id (not usable when an external id is required; empty in partitions without a console)."""
    role_unique_ids_by_account: pulumi.Output[dict[str, str]]
    """Unique id (AROA...) of the role in each target account, by account id: it changes when a role is recreated. Empty in stackset mode (CloudFormation makes the roles)."""
    role_name: pulumi.Output[str]
    """Name of the role, the same in every account."""
    role_path: pulumi.Output[str]
    """IAM path of the role, the same in every account."""
    external_id_required: pulumi.Output[bool]
    """The trust policy of every role requires sts:ExternalId."""
    mfa_required: pulumi.Output[bool]
    """The trust policy of every role requires MFA."""
    expires_at: pulumi.Output[str]
    """When the access to every role ends (RFC 3339 UTC); empty when it does not."""
    session_name_required: pulumi.Output[bool]
    """Callers of every role must name their session after their IAM user name."""
    source_identity_required: pulumi.Output[bool]
    """Callers of every role must set a source identity."""
    session_tags_allowed: pulumi.Output[bool]
    """Callers of every role may tag their session: their own policies must then allow sts:TagSession on the roles too."""
    source_identity_allowed: pulumi.Output[bool]
    """Callers of every role may (or must) set a source identity: their own policies must then allow sts:SetSourceIdentity on the roles too."""
    max_session_duration: pulumi.Output[int]
    """The roles' longest session in seconds (the same in every account)."""
    role_arn_pattern: pulumi.Output[str]
    """arn:<partition>:iam::*:role/<path><name>: the role in any account, for a grant by organizational unit path."""
    stack_set_name: pulumi.Output[str]
    """Stackset mode: name of the StackSet; empty in providers mode."""
    stack_set_arn: pulumi.Output[str]
    """Stackset mode: ARN of the StackSet; empty in providers mode."""
    covered_organizational_unit_ids: pulumi.Output[list[str]]
    """Stackset mode: the organizational units whose accounts get the role, those that join later included; empty in providers mode."""

    def __init__(
        self,
        name: str,
        args: TrustingRoleRolloutArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        input_names: Mapping[str, str] | None = None,
        spec: RoleSpec | None = None,
        trust_policy: Mapping[str, Any] | None = None,
    ) -> None:
        """``input_names`` maps input names to the names errors and warnings should use
        (the program passes its config keys). ``spec`` and ``trust_policy`` (internal: the
        program's) are the role inputs parsed already but for the inputs the caller adds
        (LATE_INPUTS), and the trust policy checked already in this partition, as
        TrustingAccountRole takes them: neither is made again, here or in any account.

        The account deploying is the one of the provider this component gets
        (``opts``); its role is built through that provider, and every other
        account's through an ``aws.Provider`` named after the account that
        assumes ``deployment_role_name`` there, in the same region.
        """
        report = Reporter(input_names, args.get("secret_inputs") or (), args, once=True)
        try:
            rollout, role_args, settings = _validated(args, spec)
        except InvalidInputError as error:
            raise report.error(error) from None
        super().__init__(TOKEN, name, {}, opts)
        accounts = sorted(rollout.target_account_ids)
        if rollout.stackset is not None:
            self._stack_set(name, rollout.stackset, settings, accounts, report, trust_policy)
            return
        self._per_account(name, rollout, role_args, settings, accounts, report, trust_policy)

    def _per_account(
        self,
        name: str,
        rollout: RolloutSpec,
        role_args: Mapping[str, Any],
        settings: RoleSpec,
        accounts: Sequence[str],
        report: Reporter,
        trust_policy: Mapping[str, Any] | None,
    ) -> None:
        """Providers mode: a provider and a TrustingAccountRole per account, then the outputs."""
        # Each account's role reports under the rollout's name, so a warning about their
        # common inputs reads the same for every account and shows once.
        report.names.update({f"{name}-{account}": name for account in accounts})
        # Where the given provider works decides what to register: plain values, read once.
        deploying, partition, region = where_now(self)
        session = session_name(pulumi.get_stack())
        external_id = rollout.deployment_role_external_id
        if external_id is not None:
            external_id = pulumi.Output.secret(external_id)
        name_secret = "deployment_role_name" in rollout.secret_inputs
        # One document for every account: it depends on the partition, the trusted accounts and the
        # external ids, not on the account the role is in. Each role gets the spec complete (its
        # late inputs in it, checked), so it neither parses nor checks a value again.
        document = (
            _trust_policy(partition, settings, report) if trust_policy is None else _known(dict(trust_policy))
        )
        parsed_args = {k: v for k, v in role_args.items() if k not in LATE_INPUTS}
        roles: dict[str, TrustingAccountRole] = {}
        for account in accounts:
            child = pulumi.ResourceOptions(parent=self)
            if account != deploying:
                role_arn = f"arn:{partition}:iam::{account}:role/{rollout.deployment_role_name}"
                assume = aws.ProviderAssumeRoleArgs(
                    role_arn=pulumi.Output.secret(role_arn) if name_secret else role_arn,
                    session_name=session,
                    external_id=external_id,
                )
                provider = aws.Provider(
                    f"{name}-{account}",
                    assume_roles=[assume],
                    region=region,
                    allowed_account_ids=[account],
                    opts=pulumi.ResourceOptions(parent=self),
                )
                child = pulumi.ResourceOptions(parent=self, providers=[provider])
            roles[account] = TrustingAccountRole(
                f"{name}-{account}",
                cast(TrustingAccountRoleArgs, parsed_args),
                child,
                reporter=report,
                partition=partition,
                account_id=account,
                spec=settings,
                trust_policy=document,
            )

        self._providers_outputs(roles, settings, partition, accounts, report)

    def _providers_outputs(
        self,
        roles: Mapping[str, TrustingAccountRole],
        settings: RoleSpec,
        partition: str,
        accounts: Sequence[str],
        report: Reporter,
    ) -> None:
        """Providers mode's outputs: per account, and what every account's role has alike."""
        trusted = settings.trusted_account_ids  # with callers: theirs, checked already
        checked: pulumi.Output[Any] = pulumi.Output.from_input(None)
        if check.has_output(trusted):
            # Known only now: refuse an account the roles would also trust.
            def refuse_trusted(resolved: Sequence[str]) -> None:
                try:
                    not_trusted("target_account_ids", accounts, resolved, "trusted_account_ids")
                except InvalidInputError as error:
                    raise report.error(error) from None

            checked = pulumi.Output.from_input(trusted).apply(refuse_trusted)
        # Per account, a map; what every account's role has alike, from the first.
        first = roles[accounts[0]]
        self.role_arns_by_account = _by_account(checked, {a: r.role_arn for a, r in roles.items()})
        self.switch_role_urls_by_account = _by_account(
            checked, {a: r.switch_role_url for a, r in roles.items()}
        )
        self.role_unique_ids_by_account = _by_account(
            checked, {a: r.role_unique_id for a, r in roles.items()}
        )
        self.role_name = first.role_name
        self.role_path = first.role_path
        self.external_id_required = first.external_id_required
        self.mfa_required = first.mfa_required
        self.expires_at = first.expires_at
        self.session_name_required = first.session_name_required
        self.source_identity_required = first.source_identity_required
        self.session_tags_allowed = first.session_tags_allowed
        self.source_identity_allowed = first.source_identity_allowed
        self.max_session_duration = first.max_session_duration
        self.role_arn_pattern = pulumi.Output.from_input(stackset_mode.pattern(partition, settings))
        self.stack_set_name = pulumi.Output.from_input("")
        self.stack_set_arn = pulumi.Output.from_input("")
        self.covered_organizational_unit_ids = pulumi.Output.from_input([])
        self._register()

    def _register(self) -> None:
        self.register_outputs(
            {
                "role_arns_by_account": self.role_arns_by_account,
                "switch_role_urls_by_account": self.switch_role_urls_by_account,
                "role_unique_ids_by_account": self.role_unique_ids_by_account,
                "role_name": self.role_name,
                "role_path": self.role_path,
                "external_id_required": self.external_id_required,
                "mfa_required": self.mfa_required,
                "expires_at": self.expires_at,
                "session_name_required": self.session_name_required,
                "source_identity_required": self.source_identity_required,
                "session_tags_allowed": self.session_tags_allowed,
                "source_identity_allowed": self.source_identity_allowed,
                "max_session_duration": self.max_session_duration,
                "role_arn_pattern": self.role_arn_pattern,
                "stack_set_name": self.stack_set_name,
                "stack_set_arn": self.stack_set_arn,
                "covered_organizational_unit_ids": self.covered_organizational_unit_ids,
            }
        )

    def _stack_set(
        self,
        name: str,
        stackset: StackSetSpec,
        settings: RoleSpec,
        accounts: Sequence[str],
        report: Reporter,
        trust_policy: Mapping[str, Any] | None,
    ) -> None:
        """Stackset mode: one StackSet and one instance per unit; the outputs computed, as the ARNs are fixed."""
        deploying, partition, region = where_now(self)
        trusted = settings.trusted_account_ids
        try:
            options = values(stackset)
            stackset_mode.validate_stackset_args(options, partition)  # the region against the partition
            management = stackset.management_account_id or (deploying if stackset.call_as == "SELF" else None)
            stackset_mode.refuse_management(accounts, management, "target_account_ids")
            # The template, made once: here when the trusted accounts are known (every check it needs,
            # before anything is registered), else once they resolve.
            body: pulumi.Input[str] = (
                pulumi.Output.from_input(trusted).apply(
                    lambda resolved: stackset_mode.stack_set_template(
                        partition, resolved, settings, trust_policy
                    )
                )
                if check.has_output(trusted)
                else stackset_mode.stack_set_template(partition, trusted, settings, trust_policy)
            )
        except InvalidInputError as error:
            raise report.error(error) from None
        stack_set_name = stackset.stack_set_name or stackset_mode.default_stack_set_name(pulumi.get_stack())
        stack_set, _ = stackset_mode.build_stack_set(
            self,
            name,
            {**options, "stack_set_name": stack_set_name},
            settings,
            partition,
            region,
            report,
            body,
        )
        role_warnings(report, name, settings, self)
        self._stack_set_outputs(settings, partition, accounts)
        self.stack_set_name = stack_set.name
        self.stack_set_arn = stack_set.arn
        self.covered_organizational_unit_ids = pulumi.Output.from_input(
            list(stackset.organizational_unit_ids)
        )
        self._register()

    def _stack_set_outputs(self, settings: RoleSpec, partition: str, accounts: Sequence[str]) -> None:
        """Stackset mode's outputs about the roles, known from the inputs (the ARNs are fixed)."""
        role = f"{settings.role_path}{settings.role_name}"
        arns = {account: f"arn:{partition}:iam::{account}:role{role}" for account in accounts}
        links = (
            switch_role_urls_by_account(partition, accounts, settings.role_path, settings.role_name)
            if has_console(partition)
            else dict.fromkeys(accounts, "")
        )
        # Thousands of accounts: apply's result is taken as it is, where from_input would walk every entry.
        self.role_arns_by_account = _known(arns)
        self.switch_role_urls_by_account = _known(links)
        self.role_unique_ids_by_account = pulumi.Output.from_input({})
        self.role_name = pulumi.Output.from_input(settings.role_name)
        self.role_path = pulumi.Output.from_input(settings.role_path)
        self.external_id_required = pulumi.Output.from_input(False)
        self.mfa_required = pulumi.Output.from_input(
            settings.require_mfa or settings.mfa_max_age_seconds is not None
        )
        self.expires_at = pulumi.Output.from_input(settings.expires_at or "")
        self.session_name_required = pulumi.Output.from_input(settings.session_name_is_username)
        self.source_identity_required = pulumi.Output.from_input(
            settings.source_identity in ("required", "username")
        )
        self.session_tags_allowed = pulumi.Output.from_input(settings.allow_session_tags)
        self.source_identity_allowed = pulumi.Output.from_input(settings.source_identity is not None)
        self.max_session_duration = pulumi.Output.from_input(settings.max_session_duration)
        self.role_arn_pattern = pulumi.Output.from_input(stackset_mode.pattern(partition, settings))


def _trust_policy(partition: str, settings: RoleSpec, report: Reporter) -> pulumi.Output[dict[str, Any]]:
    """The trust policy of every account's role, checked once the trusted accounts and external ids resolve."""
    external_id = settings.external_id if settings.external_id is not None else settings.external_ids
    report.add_secrets(caller_external_ids(settings.callers))

    def document_for(resolved: list[Any]) -> dict[str, Any]:
        try:
            return checked_trust_policy(partition, resolved[0], resolved[1], settings)
        except InvalidInputError as error:
            raise report.error(error) from None

    return pulumi.Output.all(settings.trusted_account_ids, external_id).apply(document_for)


def _known(value: Any) -> pulumi.Output[Any]:
    """A plain value as an Output, not walked entry by entry (``Output.from_input`` walks maps and lists)."""
    return pulumi.Output.from_input(True).apply(lambda _: value)


def _by_account(
    checked: pulumi.Output[Any], values: Mapping[str, pulumi.Output[str]]
) -> pulumi.Output[dict[str, str]]:
    """One output: account id -> value, in account order, once ``checked`` resolved."""
    accounts = list(values)
    return pulumi.Output.all(checked, *values.values()).apply(
        lambda resolved: dict(zip(accounts, resolved[1:], strict=True))
    )
