"""The config contract is one table (program.settings.KEYS): Pulumi.yaml, docs/configuration.md and DESIGN agree with it."""

from __future__ import annotations

import json

import yaml
from conftest import ROOT

from program.settings import KEYS, KEYS_BY_NAME, read_config


def documented_rows() -> dict[str, str]:
    """Config key -> the default cell of docs/configuration.md's tables, for every row of the reference."""
    text = (ROOT / "docs" / "configuration.md").read_text()
    section = text.split("<!-- section:config -->")[1].split("<!-- /section:config -->")[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 4 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = cells[2]
    return rows


def test_pulumi_yaml_declares_every_key_with_its_type_and_the_default_the_code_uses() -> None:
    declared = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["config"]
    assert list(declared) == [k.name for k in KEYS]
    for key in KEYS:
        entry = declared[key.name]
        assert entry["type"] == key.type, key.name
        assert entry["default"] == key.default, key.name
        assert entry["description"], key.name
        if key.type == "array":
            # callers is a list of caller entries (objects, as Pulumi's project schema lets items be).
            assert entry["items"] == {"type": "object" if key.name == "callers" else "string"}, key.name


def test_pulumi_yaml_runs_the_venv_that_make_test_creates() -> None:
    runtime = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())["runtime"]
    assert runtime == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}
    assert "VENV := .venv" in (ROOT / "Makefile").read_text()


def test_the_configuration_page_lists_every_key_except_side_with_the_same_default() -> None:
    rows = documented_rows()
    assert set(rows) == {k.name for k in KEYS} - {"side"}
    for name, cell in rows.items():
        key = KEYS_BY_NAME[name]
        if name == "trustedAccountIds":
            assert cell == "required"
            continue
        default = key.default
        rendered = (
            json.dumps(default) if isinstance(default, (list, dict, bool)) or default == "" else default
        )
        assert cell.startswith(f"`{rendered}`"), (name, cell)


def test_unset_config_takes_every_default() -> None:
    assert read_config({}) == {k.name: k.default for k in KEYS}


def test_example_stack_files_set_only_known_keys() -> None:
    for stack in ("trusting", "trusted"):
        config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        ours = [k.split(":", 1)[1] for k in config if k.startswith("cross-account-access:")]
        assert set(ours) <= set(KEYS_BY_NAME), stack
        assert all(KEYS_BY_NAME[k].side in (stack, "both") for k in ours), stack


def test_read_config_parses_values_as_the_cli_passes_them() -> None:
    values = read_config(
        {
            "cross-account-access:trustedAccountIds": '["444455556666"]',
            "cross-account-access:requireMfa": "true",
            "cross-account-access:maxSessionDuration": "7200",
            "cross-account-access:tags": '{"team": "platform"}',
            "aws:region": "eu-west-1",
        }
    )
    assert values["trustedAccountIds"] == ["444455556666"]
    assert values["requireMfa"] is True
    assert values["maxSessionDuration"] == 7200
    assert values["tags"] == {"team": "platform"}


# The contract as it was written by hand, before KEYS was generated from the specs: the generated table
# must keep every key, value for value (name, side, type, default, arg, description, unset), in order.
# fmt: off
FROZEN_KEYS = (
    ('side', 'both', 'string', '', None, 'What the stack builds: "trusting" or "trusted". Empty: the stack name decides.', None),
    ('protect', 'both', 'boolean', False, None, 'Protect every resource of the stack: a pulumi up that would delete or replace one fails.', None),
    ('targetAccountIds', 'trusting', 'array', [], 'target_account_ids', "12-digit ids of the accounts to create the role in (quoted strings). Empty, with no OU: this stack's account.", None),
    ('targetOrganizationalUnitIds', 'trusting', 'array', [], None, 'Organizational units (ou-...) or roots (r-...) whose active accounts, at any depth, also get the role.', None),
    ('excludeAccountIds', 'trusting', 'array', [], None, 'Accounts of targetOrganizationalUnitIds that get no role.', None),
    ('deploymentRoleName', 'trusting', 'string', 'OrganizationAccountAccessRole', 'deployment_role_name', 'Role assumed in each target account other than the deploying one, to create the role there.', None),
    ('deploymentRoleExternalId', 'trusting', 'string', '', 'deployment_role_external_id', 'sts:ExternalId of the deployment role; set it with --secret. Empty: none.', ''),
    ('rolloutMode', 'trusting', 'string', '', 'rollout_mode', 'How a rollout reaches its accounts: "stackset" or "providers". Empty: stackset with targetOrganizationalUnitIds, else providers.', ''),
    ('callAs', 'trusting', 'string', 'SELF', 'call_as', 'Stackset mode: "SELF" (the management account) or "DELEGATED_ADMIN" (a delegated administrator).', None),
    ('retainStacksOnAccountRemoval', 'trusting', 'boolean', False, 'retain_stacks_on_account_removal', 'Stackset mode: an account that leaves the units keeps its role.', None),
    ('maxConcurrentPercentage', 'trusting', 'integer', 100, 'max_concurrent_percentage', 'Stackset mode: accounts deployed at a time, percent, 1..100.', None),
    ('failureTolerancePercentage', 'trusting', 'integer', 10, 'failure_tolerance_percentage', 'Stackset mode: accounts that may fail before an operation stops, percent.', None),
    ('regionConcurrencyType', 'trusting', 'string', 'PARALLEL', 'region_concurrency_type', 'Stackset mode: "PARALLEL" or "SEQUENTIAL".', None),
    ('stackSetInstanceRegion', 'trusting', 'string', '', 'stack_set_instance_region', "Stackset mode: region of the stack instances. Empty: the stack's region.", ''),
    ('stackSetRecreateRoles', 'trusting', 'boolean', False, 'stack_set_recreate_roles', "Stackset mode: apply a change of the StackSet's name (the stack's), retainStacksOnAccountRemoval or the instances' region, which re-creates the role in every account; false: held back, with a warning.", None),
    ('trustedAccountIds', 'trusting', 'array', [], 'trusted_account_ids', '12-digit ids of the accounts whose principals may assume the role (quoted strings).', None),
    ('roleName', 'trusting', 'string', 'cross-account-role', 'role_name', 'Role name (fixed, so the ARN is predictable).', None),
    ('rolePath', 'trusting', 'string', '/', 'role_path', 'IAM path of the role.', None),
    ('roleDescription', 'trusting', 'string', 'Cross-account access role, assumable from the trusted accounts', 'role_description', 'Role description.', None),
    ('managedPolicyArns', 'trusting', 'array', ['AmazonS3ReadOnlyAccess'], 'managed_policy_arns', "Managed policies of the role: ARNs or AWS managed policy names (resolved in the stack's partition).", None),
    ('inlinePolicies', 'trusting', 'object', {}, 'inline_policies', 'Inline policies: policy name to identity policy document.', None),
    ('maxSessionDuration', 'trusting', 'integer', 3600, 'max_session_duration', 'Longest session in seconds, 3600..43200.', None),
    ('permissionsBoundaryArn', 'trusting', 'string', '', 'permissions_boundary_arn', "ARN of the role's permissions boundary. Empty: none.", ''),
    ('requireMfa', 'both', 'boolean', False, 'require_mfa', 'Trusting: trust only MFA sessions. Trusted: allow sts:AssumeRole only with MFA.', None),
    ('mfaMaxAgeSeconds', 'trusting', 'integer', 0, 'mfa_max_age_seconds', 'Trust only MFA authentications younger than this (implies requireMfa). 0: no limit.', 0),
    ('externalId', 'trusting', 'string', '', 'external_id', 'Required sts:ExternalId; set it with --secret. Empty: none.', ''),
    ('organizationId', 'trusting', 'string', '', 'organization_id', 'Trust only principals of this AWS Organization (aws:PrincipalOrgID). Empty: any.', ''),
    ('trustedPrincipalArns', 'trusting', 'array', [], 'trusted_principal_arns', 'ARN patterns narrowing who in the trusted accounts may assume the role (aws:PrincipalArn).', None),
    ('tags', 'both', 'object', {}, 'tags', 'Trusting: tags of the role. Trusted: tags of the assume-role policies.', None),
    ('trustPolicySizeLimit', 'trusting', 'integer', 2048, 'trust_policy_size_limit', "The account's role trust policy size quota, 2048..4096 characters.", None),
    ('managedPoliciesPerRoleLimit', 'trusting', 'integer', 10, 'managed_policies_per_role_limit', "The account's managed-policies-per-role quota, up to 20.", None),
    ('allowSessionTags', 'trusting', 'boolean', False, 'allow_session_tags', 'Callers may tag their session (sts:TagSession), as CI tools do.', None),
    ('sourceIdentity', 'trusting', 'string', '', 'source_identity', 'Source identity: "" (none), "allowed", "required" or "username" (must be the IAM user name).', ''),
    ('sessionNameIsUsername', 'trusting', 'boolean', False, 'session_name_is_username', 'Callers must name the session after their IAM user (sts:RoleSessionName).', None),
    ('externalIds', 'trusting', 'array', [], 'external_ids', 'Several accepted external ids (rotation); set with --secret; not with externalId.', []),
    ('expiresAt', 'both', 'string', '', 'expires_at', "The access ends then: RFC 3339 UTC such as 2027-03-31T23:59:59Z (on the trusted side, the earlier of it and the trusting stack's applies). Empty: never.", ''),
    ('extraTrustConditions', 'trusting', 'object', {}, 'extra_trust_conditions', 'Further trust conditions: operator to condition key to value(s); they only narrow.', {}),
    ('trustedPermissionSets', 'trusting', 'array', [], 'trusted_permission_sets', 'IAM Identity Center permission sets whose people in the trusted accounts may assume the role.', None),
    ('callers', 'trusting', 'array', [], 'callers', "Several kinds of callers, each a trust statement of its own: name, and that caller's own trustedAccountIds, trustedPrincipalArns, trustedPermissionSets and conditions (docs/callers.md); set with --secret when one has externalIds; not with the flat keys.", []),
    ('forceDetachPolicies', 'trusting', 'boolean', True, 'force_detach_policies', 'Detach policies attached outside Pulumi when the role is deleted.', None),
    ('revokeSessionsIssuedBefore', 'trusting', 'string', '', 'revoke_sessions_issued_before', "Deny every session of the role issued before this RFC 3339 time with a time zone, not in the future (inline policy AWSRevokeOlderSessions, as the console's Revoke active sessions). Empty: none.", ''),
    ('trustingStacks', 'trusted', 'array', [], None, 'Stacks whose roleArn output is read. Empty: [<organization>/<project>/trusting].', None),
    ('roleArns', 'trusted', 'array', [], None, 'Role ARNs to use instead of stack references (roles made elsewhere).', None),
    ('trustOrganizationalUnitPaths', 'trusted', 'array', [], None, 'Organization paths (o-.../r-.../ou-.../) under which the roleArnPattern of stackset-mode stacks may be assumed.', None),
    ('policyName', 'trusted', 'string', 'cross-account-assume-role', 'policy_name', 'Name of the assume-role policy (split policies get -2, -3, ...).', None),
    ('policyPath', 'trusted', 'string', '/', 'policy_path', 'IAM path of the policy.', None),
    ('userNames', 'trusted', 'array', [], 'user_names', 'Existing IAM users to attach the policy to.', None),
    ('groupNames', 'trusted', 'array', [], 'group_names', 'Existing IAM groups to attach the policy to.', None),
    ('sourceProfile', 'trusted', 'string', 'default', 'source_profile', "The ~/.aws/config profile with the trusted account's credentials, used in awsCliConfig.", None),
    ('managedPoliciesPerPrincipalLimit', 'trusted', 'integer', 10, 'managed_policies_per_principal_limit', 'Managed policies one user, group or role may get here, up to 20.', None),
    ('roleNames', 'trusted', 'array', [], 'role_names', 'Existing IAM roles (CI, workloads) to attach the policy to.', None),
    ('newGroupName', 'trusted', 'string', '', 'new_group_name', 'A group the stack creates and attaches the policy to. Empty: none.', ''),
    ('newGroupMembers', 'trusted', 'array', [], 'new_group_members', 'Existing IAM users the stack adds to newGroupName.', None),
    ('newGroupPath', 'trusted', 'string', '/', 'new_group_path', 'IAM path of newGroupName.', None),
    ('sessionDurationSeconds', 'trusted', 'integer', 0, 'session_duration_seconds', 'duration_seconds of every awsCliConfig profile, 900..43200. 0: left out.', 0),
    ('region', 'trusted', 'string', '', 'region', 'region of every awsCliConfig profile and extension entry. Empty: left out.', ''),
    ('switchRoleColor', 'trusted', 'string', '', 'switch_role_color', 'Console colour (6 hex digits) of the switch-role links and extension entries. Empty: none.', ''),
)
# fmt: on


def test_the_config_contract_is_the_table_it_was_key_for_key_and_value_for_value() -> None:
    assert [(k.name, k.side, k.type, k.default, k.arg, k.description, k.unset) for k in KEYS] == list(
        FROZEN_KEYS
    )
