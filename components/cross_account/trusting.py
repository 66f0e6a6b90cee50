"""TrustingAccountRole: the role in the trusting account that the trusted accounts may assume."""

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_aws as aws

from . import advice, limits, validation as check
from .callers import (
    caller_external_ids,
)
from .documents import (
    has_console,
    revoke_older_sessions_policy,
    switch_role_url,
)
from .invokes import caller_account, partition_of
from .role_checks import (  # re-exported: trusting.<NAME> stays what it was
    _callers_policy as _callers_policy,
    _checked_caller as _checked_caller,
    _fits_the_quota as _fits_the_quota,
    _revocation_fits as _revocation_fits,
    _statements as _statements,
    _username_check as _username_check,
    attachment_suffix as attachment_suffix,
    checked_trust_policy as checked_trust_policy,
    managed_policy as managed_policy,
    only_role_sessions as only_role_sessions,
    trust_context as trust_context,
    validate_trusting_args as validate_trusting_args,
)
from .spec_fields import completed
from .specs import CallerSpec, RoleSpec
from .trusting_args import (  # re-exported
    ROLE_DERIVED_OUTPUTS as ROLE_DERIVED_OUTPUTS,
    ROLE_NAME_INPUTS as ROLE_NAME_INPUTS,
    TRUST_INPUTS as TRUST_INPUTS,
    TrustingAccountRoleArgs as TrustingAccountRoleArgs,
)
from .validation import InvalidInputError, Reporter

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


LATE_INPUTS = ("external_id", "external_ids", "secret_inputs")
"""The inputs the program adds to a spec it parsed (the external ids made secret, the secret inputs)."""


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
        spec: RoleSpec | None = None,
        trust_policy: Mapping[str, Any] | pulumi.Output[dict[str, Any]] | None = None,
    ) -> None:
        """``input_names`` maps input names to the names errors and warnings should use
        (the program passes its config keys); ``reporter``, given instead, reports them
        (TrustingRoleRollout shares one with every account's role). ``partition`` and
        ``account_id``, when the caller knows where its provider works (TrustingRoleRollout
        does), save the getPartition and getCallerIdentity invokes. ``spec`` and ``trust_policy``
        (internal: the program's and TrustingRoleRollout's) are ``args`` parsed already but for the
        inputs the caller adds (LATE_INPUTS), and the trust policy checked already in this partition
        (an Output of it: TrustingRoleRollout checks one for every account): neither is made twice."""
        report = reporter or Reporter(input_names, args.get("secret_inputs") or (), args)
        try:
            settings = validate_trusting_args(args) if spec is None else completed(spec, args, LATE_INPUTS)
        except InvalidInputError as error:
            raise report.error(error) from None
        super().__init__("cross-account:index:TrustingAccountRole", name, {}, opts)
        self._report = report
        self._account_id = account_id
        self._secret = frozenset(settings.secret_inputs)
        partition_output = partition_of(self) if partition is None else pulumi.Output.from_input(partition)
        external_id = settings.external_id if settings.external_id is not None else settings.external_ids
        callers_ids = caller_external_ids(settings.callers)
        report.add_secrets(callers_ids)
        role = self._role(name, settings, partition_output, external_id, bool(callers_ids), trust_policy)
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
        trust_policy: Mapping[str, Any] | pulumi.Output[dict[str, Any]] | None = None,
    ) -> aws.iam.Role:
        """The role, its trust policy checked once the partition and the accounts are known."""
        report, hide_if, secret = self._report, self._hide_if, self._secret

        def document_for(resolved: list[Any]) -> dict[str, Any]:
            try:
                return checked_trust_policy(resolved[0], resolved[1], resolved[2], settings)
            except InvalidInputError as error:
                raise report.error(error) from None

        document: pulumi.Output[Any]
        if trust_policy is None:
            document = pulumi.Output.all(partition, settings.trusted_account_ids, external_id).apply(
                document_for
            )
        elif isinstance(trust_policy, pulumi.Output):
            document = trust_policy
        else:
            document = pulumi.Output.from_input(dict(trust_policy))
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
        boundary = settings.permissions_boundary_arn
        return aws.iam.Role(
            f"{name}-role",
            name=hide_if(settings.role_name, "role_name"),
            path=hide_if(settings.role_path, "role_path"),
            description=hide_if(settings.role_description, "role_description"),
            assume_role_policy=assume_role_policy,
            max_session_duration=hide_if(settings.max_session_duration, "max_session_duration"),
            permissions_boundary=None if boundary is None else hide_if(boundary, "permissions_boundary_arn"),
            tags=hide_if(settings.tags, "tags") if settings.tags else None,
            force_detach_policies=settings.force_detach_policies,
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
        for policy in settings.managed_policy_arns:
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
        for policy, body in settings.inline_policies.items():
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
        revoke = settings.revoke_sessions_issued_before
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
        entries: list[CallerSpec | RoleSpec] = [*settings.callers] or [settings]
        mfa = any(e.require_mfa or e.mfa_max_age_seconds is not None for e in entries)
        self.mfa_required = known(mfa, "require_mfa", "mfa_max_age_seconds", "callers")
        self.role_unique_id = role.unique_id
        self.role_path = hide_if(role.path, *ROLE_NAME_INPUTS)
        ends = [e.expires_at or "" for e in entries]
        self.expires_at = known("" if "" in ends else max(ends), "expires_at", "callers")
        self.session_name_required = known(
            any(e.session_name_is_username for e in entries), "session_name_is_username", "callers"
        )
        self.source_identity_required = known(
            any(e.source_identity in ("required", "username") for e in entries),
            "source_identity",
            "callers",
        )
        self.session_tags_allowed = known(
            any(e.allow_session_tags for e in entries), "allow_session_tags", "callers"
        )
        self.source_identity_allowed = known(
            any(e.source_identity is not None for e in entries), "source_identity", "callers"
        )
        self.max_session_duration = known(settings.max_session_duration, "max_session_duration")

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
        accounts = settings.trusted_account_ids
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
