"""Both sides of cross-account access from one program: a role in the trusting account
that the trusted account may assume, and the right to assume it for groups of the
trusted account. Each side runs with its own AWS provider (one per account); the
trusted account's id comes from its provider's credentials, and the role ARN flows
straight from one component to the other.
"""

import pulumi
import pulumi_aws as aws

from cross_account import TrustedAccountAccess, TrustingAccountRole

config = pulumi.Config()
region = aws.config.region
trusting = aws.Provider("trusting", profile=config.require("trustingProfile"), region=region)
trusted = aws.Provider("trusted", profile=config.require("trustedProfile"), region=region)

trusted_account = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(provider=trusted))

role = TrustingAccountRole(
    "audit",
    {
        "trusted_account_ids": [trusted_account.account_id],
        "role_name": "audit-read-only",
        "managed_policy_arns": ["ReadOnlyAccess"],
        "require_mfa": True,
    },
    opts=pulumi.ResourceOptions(providers={"aws": trusting}),
)

access = TrustedAccountAccess(
    "audit",
    {
        "role_arns": [role.role_arn],
        "group_names": config.require_object("groupNames"),
        "role_requires_mfa": role.mfa_required,
    },
    opts=pulumi.ResourceOptions(providers={"aws": trusted}),
)

pulumi.export("roleArn", role.role_arn)
pulumi.export("switchRoleUrl", role.switch_role_url)
pulumi.export("policyArn", access.policy_arn)
pulumi.export("awsCliConfig", access.aws_cli_config)
