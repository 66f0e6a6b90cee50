"""The component package: its manifest, the schema the provider host serves, and construction as the host does it.

The schema is generated in-process from the same component list and package
name that ``components/__main__.py`` hands to ``component_provider_host``, so
what other languages see is asserted here without the Pulumi CLI.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import os
import re
import runpy
import sys
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from conftest import ROOT, TRUSTED_ACCOUNT, RecordingMocks, Run, pulumi_run
from google.protobuf import struct_pb2
from pulumi.errors import InputPropertyError
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.server import ComponentInitError
from pulumi.runtime import rpc

from cross_account import (
    Caller,
    OrganizationalUnitAccess,
    RoleRequirement,
    TrustedAccountAccess,
    TrustedAccountAccessArgs,
    TrustedPrincipals,
    TrustingAccountRole,
    TrustingAccountRoleArgs,
    TrustingRoleRollout,
    TrustingRoleRolloutArgs,
)
from cross_account.stackset import STACKSET_INPUTS
from cross_account.testing import CrossAccountMocks

PACKAGE_DIR = ROOT / "components"
TRUSTING = "cross-account:index:TrustingAccountRole"
TRUSTED = "cross-account:index:TrustedAccountAccess"
ROLLOUT = "cross-account:index:TrustingRoleRollout"

# name -> (type, required, accepts outputs). "plain" inputs must be known values
# in every language (they name child resources or are checked before anything
# is registered); the others may come from other resources' outputs.
TRUSTING_INPUTS = {
    "trustedAccountIds": ("array<string>", False, True),
    "roleName": ("string", False, False),
    "rolePath": ("string", False, False),
    "roleDescription": ("string", False, False),
    "managedPolicyArns": ("array<string>", False, False),
    "inlinePolicies": ("map<pulumi.json#/Any>", False, False),
    "maxSessionDuration": ("integer", False, False),
    "permissionsBoundaryArn": ("string", False, False),
    "requireMfa": ("boolean", False, False),
    "mfaMaxAgeSeconds": ("integer", False, False),
    "externalId": ("string", False, True),
    "organizationId": ("string", False, False),
    "trustedPrincipalArns": ("array<string>", False, False),
    "tags": ("map<string>", False, False),
    "trustPolicySizeLimit": ("integer", False, False),
    "managedPoliciesPerRoleLimit": ("integer", False, False),
    "allowSessionTags": ("boolean", False, False),
    "sourceIdentity": ("string", False, False),
    "sessionNameIsUsername": ("boolean", False, False),
    "externalIds": ("array<string>", False, True),
    "expiresAt": ("string", False, False),
    "extraTrustConditions": ("map<map<pulumi.json#/Any>>", False, False),
    "trustedPermissionSets": ("array<string>", False, False),
    "forceDetachPolicies": ("boolean", False, False),
    "revokeSessionsIssuedBefore": ("string", False, False),
    "callers": ("array<Caller>", False, False),
    "secretInputs": ("array<string>", False, False),
}
ROLLOUT_INPUTS = {
    "targetAccountIds": ("array<string>", True, False),
    "deploymentRoleName": ("string", False, False),
    "deploymentRoleExternalId": ("string", False, True),
    "rolloutMode": ("string", False, False),
    "organizationalUnitIds": ("array<string>", False, False),
    "excludeAccountIds": ("array<string>", False, False),
    "managementAccountId": ("string", False, False),
    "stackSetName": ("string", False, False),
    "callAs": ("string", False, False),
    "retainStacksOnAccountRemoval": ("boolean", False, False),
    "maxConcurrentPercentage": ("integer", False, False),
    "failureTolerancePercentage": ("integer", False, False),
    "regionConcurrencyType": ("string", False, False),
    "stackSetInstanceRegion": ("string", False, False),
    "stackSetRecreateRoles": ("boolean", False, False),
    **TRUSTING_INPUTS,
}
TRUSTED_INPUTS = {
    "roleArns": ("array<string>", True, True),
    "userNames": ("array<string>", False, False),
    "groupNames": ("array<string>", False, False),
    "policyName": ("string", False, False),
    "policyPath": ("string", False, False),
    "requireMfa": ("boolean", False, False),
    "roleRequiresExternalId": ("boolean", False, True),
    "roleRequiresMfa": ("boolean", False, True),
    "sourceProfile": ("string", False, False),
    "managedPoliciesPerPrincipalLimit": ("integer", False, False),
    "roleNames": ("array<string>", False, False),
    "newGroupName": ("string", False, False),
    "newGroupMembers": ("array<string>", False, False),
    "newGroupPath": ("string", False, False),
    "tags": ("map<string>", False, False),
    "expiresAt": ("string", False, False),
    "roleRequirements": ("array<RoleRequirement>", False, True),
    "sessionDurationSeconds": ("integer", False, False),
    "region": ("string", False, False),
    "switchRoleColor": ("string", False, False),
    "secretInputs": ("array<string>", False, False),
    "organizationalUnitGrants": ("array<OrganizationalUnitAccess>", False, True),
}
TRUSTING_OUTPUTS = {
    "roleArn": "string",
    "roleName": "string",
    "switchRoleUrl": "string",
    "externalIdRequired": "boolean",
    "mfaRequired": "boolean",
    "roleUniqueId": "string",
    "rolePath": "string",
    "expiresAt": "string",
    "sessionNameRequired": "boolean",
    "sourceIdentityRequired": "boolean",
    "sessionTagsAllowed": "boolean",
    "sourceIdentityAllowed": "boolean",
    "maxSessionDuration": "integer",
}
ROLLOUT_OUTPUTS = {
    "roleArnsByAccount": "map<string>",
    "switchRoleUrlsByAccount": "map<string>",
    "roleUniqueIdsByAccount": "map<string>",
    "roleName": "string",
    "rolePath": "string",
    "externalIdRequired": "boolean",
    "mfaRequired": "boolean",
    "expiresAt": "string",
    "sessionNameRequired": "boolean",
    "sourceIdentityRequired": "boolean",
    "sessionTagsAllowed": "boolean",
    "sourceIdentityAllowed": "boolean",
    "maxSessionDuration": "integer",
    "roleArnPattern": "string",
    "stackSetName": "string",
    "stackSetArn": "string",
    "coveredOrganizationalUnitIds": "array<string>",
}
TRUSTED_OUTPUTS = {
    "policyArn": "string",
    "policyArns": "array<string>",
    "roleArns": "array<string>",
    "switchRoleUrls": "array<string>",
    "awsCliConfig": "string",
    "consoleCommands": "array<string>",
    "switchRolesExtensionConfig": "string",
    "principals": "TrustedPrincipals",
}
TYPE = "cross-account:index:"
# Types of the schema: name -> the TypedDict, and each property's (type, required, accepts outputs).
TYPES: dict[str, tuple[type, dict[str, tuple[str, bool, bool]]]] = {
    "OrganizationalUnitAccess": (
        OrganizationalUnitAccess,
        {
            "roleArnPattern": ("string", True, True),
            "organizationPaths": ("array<string>", True, True),
            "sessionTagsAllowed": ("boolean", False, True),
            "sourceIdentityAllowed": ("boolean", False, True),
            "expiresAt": ("string", False, True),
        },
    ),
    "Caller": (
        Caller,
        {
            "name": ("string", True, False),
            "trustedAccountIds": ("array<string>", True, False),
            "trustedPrincipalArns": ("array<string>", False, False),
            "trustedPermissionSets": ("array<string>", False, False),
            "requireMfa": ("boolean", False, False),
            "mfaMaxAgeSeconds": ("integer", False, False),
            "externalIds": ("array<string>", False, False),
            "allowSessionTags": ("boolean", False, False),
            "sourceIdentity": ("string", False, False),
            "sessionNameIsUsername": ("boolean", False, False),
            "extraTrustConditions": ("map<map<pulumi.json#/Any>>", False, False),
            "expiresAt": ("string", False, False),
        },
    ),
    "RoleRequirement": (
        RoleRequirement,
        {
            "roleArn": ("string", True, True),
            "externalIdRequired": ("boolean", False, True),
            "mfaRequired": ("boolean", False, True),
            "sessionNameRequired": ("boolean", False, True),
            "sourceIdentityRequired": ("boolean", False, True),
            "sessionTagsAllowed": ("boolean", False, True),
            "sourceIdentityAllowed": ("boolean", False, True),
            "expiresAt": ("string", False, True),
        },
    ),
    "TrustedPrincipals": (
        TrustedPrincipals,
        {
            "users": ("array<string>", True, True),
            "groups": ("array<string>", True, True),
            "roles": ("array<string>", True, True),
            "newGroup": ("string", True, True),
            "newGroupMembers": ("array<string>", True, True),
        },
    ),
}


def load_host() -> dict[str, Any]:
    """The provider host's module globals, without starting the host."""
    return runpy.run_path(str(PACKAGE_DIR / "__main__.py"), run_name="cross_account_provider_host")


def pyproject_version() -> str:
    return str(tomllib.loads((PACKAGE_DIR / "pyproject.toml").read_text())["project"]["version"])


def provider() -> ComponentProvider:
    host = load_host()
    return ComponentProvider(host["COMPONENTS"], host["PACKAGE_NAME"], None, host["package_version"]())


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(provider().schema)
    return parsed


def type_of(prop: Mapping[str, Any]) -> str:
    """A schema property's type in one word: string, array<string>, map<...>, a type's name, a $ref."""
    if "$ref" in prop:
        return str(prop["$ref"]).removeprefix(f"#/types/{TYPE}")
    if prop["type"] == "array":
        return f"array<{type_of(prop['items'])}>"
    if prop["type"] == "object" and "additionalProperties" in prop:
        return f"map<{type_of(prop['additionalProperties'])}>"
    return str(prop["type"])


def field_docstrings(cls: type) -> dict[str, str]:
    """The string literal under each annotated field of a class, read from its source."""
    source = inspect.getsource(cls)
    body = ast.parse(source).body[0]
    assert isinstance(body, ast.ClassDef)
    docs = {}
    for node, following in zip(body.body, body.body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[node.target.id] = following.value.value
    return docs


def camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


# -- the manifest and the host -----------------------------------------------


def test_the_plugin_manifest_declares_only_the_python_runtime() -> None:
    manifest = yaml.safe_load((PACKAGE_DIR / "PulumiPlugin.yaml").read_text())
    assert manifest == {"runtime": "python"}


def test_the_plugin_requirements_are_the_distribution_dependencies() -> None:
    """The language host installs requirements.txt; pip users get pyproject's dependencies: the same."""
    dependencies = tomllib.loads((PACKAGE_DIR / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = (PACKAGE_DIR / "requirements.txt").read_text().splitlines()
    requirements = [line for line in lines if line.strip() and not line.startswith("#")]
    assert requirements == dependencies


def test_the_host_serves_the_three_components_as_cross_account_at_the_distribution_version() -> None:
    host = load_host()
    assert host["PACKAGE_NAME"] == "cross-account"
    assert host["COMPONENTS"] == [TrustingAccountRole, TrustingRoleRollout, TrustedAccountAccess]
    assert host["package_version"]() == pyproject_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", pyproject_version()), "release tags are v<semver>"


# -- the schema ----------------------------------------------------------------


def test_the_schema_names_the_package_its_version_and_exactly_the_three_components(
    schema: dict[str, Any],
) -> None:
    assert schema["name"] == "cross-account"
    assert schema["version"] == pyproject_version()
    assert sorted(schema["resources"]) == [TRUSTED, TRUSTING, ROLLOUT]
    assert all(resource["isComponent"] for resource in schema["resources"].values())
    assert sorted(schema["types"]) == sorted(f"{TYPE}{name}" for name in TYPES)


@pytest.mark.parametrize("name", sorted(TYPES))
def test_every_type_has_its_properties_required_ness_and_the_docstrings_of_its_typed_dict(
    schema: dict[str, Any], name: str
) -> None:
    typed_dict, expected = TYPES[name]
    found = schema["types"][f"{TYPE}{name}"]
    assert found["type"] == "object"
    assert found["description"] == typed_dict.__doc__
    assert {
        key: (type_of(prop), key in found.get("required", []), not prop.get("plain", False))
        for key, prop in found["properties"].items()
    } == expected
    assert {camel(field): doc for field, doc in field_docstrings(typed_dict).items()} == {
        key: prop["description"] for key, prop in found["properties"].items()
    }


@pytest.mark.parametrize(
    ("token", "expected", "args"),
    [
        (TRUSTING, TRUSTING_INPUTS, TrustingAccountRoleArgs),
        (ROLLOUT, ROLLOUT_INPUTS, TrustingRoleRolloutArgs),
        (TRUSTED, TRUSTED_INPUTS, TrustedAccountAccessArgs),
    ],
)
def test_every_input_has_its_type_required_ness_and_the_docstring_of_its_field(
    schema: dict[str, Any], token: str, expected: dict[str, tuple[str, bool, bool]], args: type
) -> None:
    resource = schema["resources"][token]
    inputs = resource["inputProperties"]
    found = {
        name: (type_of(prop), name in resource["requiredInputs"], not prop.get("plain", False))
        for name, prop in inputs.items()
    }
    assert found == expected
    docs = field_docstrings(args)
    assert {camel(field): doc for field, doc in docs.items()} == {
        name: prop["description"] for name, prop in inputs.items()
    }
    assert all(len(doc) > 10 for doc in docs.values())


@pytest.mark.parametrize(
    ("token", "expected", "component"),
    [
        (TRUSTING, TRUSTING_OUTPUTS, TrustingAccountRole),
        (ROLLOUT, ROLLOUT_OUTPUTS, TrustingRoleRollout),
        (TRUSTED, TRUSTED_OUTPUTS, TrustedAccountAccess),
    ],
)
def test_every_output_has_its_type_and_docstring_and_is_always_set(
    schema: dict[str, Any], token: str, expected: dict[str, str], component: type
) -> None:
    resource = schema["resources"][token]
    assert {name: type_of(prop) for name, prop in resource["properties"].items()} == expected
    assert sorted(resource["required"]) == sorted(expected)
    docs = field_docstrings(component)
    assert {camel(field): doc for field, doc in docs.items()} == {
        name: prop["description"] for name, prop in resource["properties"].items()
    }
    assert resource["description"] == component.__doc__


def schema_tables(schema: Mapping[str, Any]) -> str:
    """The inputs/outputs tables of docs/components.md, rendered from the schema."""
    lines: list[str] = []
    for token, resource in schema["resources"].items():
        name = token.rsplit(":", 1)[1]
        lines += [
            f"`{name}` (`{token}`) inputs:",
            "",
            "| input | type | required | description |",
            "|---|---|---|---|",
        ]
        for key, prop in resource["inputProperties"].items():
            kind = "`" + type_of(prop).replace("pulumi.json#/Any", "any") + "`"
            kind += "" if prop.get("plain") else ", output allowed"
            required = "yes" if key in resource["requiredInputs"] else "no"
            lines.append(f"| `{key}` | {kind} | {required} | {escape(prop['description'])} |")
        lines += ["", f"`{name}` outputs:", "", "| output | type | description |", "|---|---|---|"]
        for key, prop in resource["properties"].items():
            lines.append(f"| `{key}` | `{type_of(prop)}` | {escape(prop['description'])} |")
        lines.append("")
    for token, type_ in schema["types"].items():
        name = token.rsplit(":", 1)[1]
        lines += [
            f"`{name}` (`{token}`): {escape(type_['description'])}",
            "",
            "| property | type | required | description |",
            "|---|---|---|---|",
        ]
        for key, prop in type_["properties"].items():
            required = "yes" if key in type_.get("required", []) else "no"
            lines.append(f"| `{key}` | `{type_of(prop)}` | {required} | {escape(prop['description'])} |")
        lines.append("")
    return "\n".join(lines)


def escape(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")


TABLES_BEGIN = "<!-- schema-tables:begin (generated by tests/test_component_package.py) -->"
TABLES_END = "<!-- schema-tables:end -->"
COMPONENTS_PAGE = ROOT / "docs" / "components.md"


def documented_tables() -> str:
    page = COMPONENTS_PAGE.read_text()
    return page[page.index(TABLES_BEGIN) + len(TABLES_BEGIN) : page.index(TABLES_END)].strip("\n") + "\n"


def test_the_documented_tables_of_inputs_and_outputs_are_the_schema(schema: dict[str, Any]) -> None:
    assert documented_tables() == schema_tables(schema), (
        "docs/components.md is out of date: run .venv/bin/python tests/test_component_package.py"
    )


# -- the rollout takes every input of TrustingAccountRole ---------------------------

ROLLOUT_MODULE = PACKAGE_DIR / "cross_account" / "rollout.py"
FORWARD_BEGIN = "    # forwarded-inputs:begin\n"
FORWARD_END = "    # forwarded-inputs:end\n"


def forwarded_inputs() -> str:
    """The fields of TrustingAccountRoleArgs (annotations, docstrings, comments), as trusting_args.py writes them."""
    source = (PACKAGE_DIR / "cross_account" / "trusting_args.py").read_text()
    args = next(
        node
        for node in ast.parse(source).body
        if isinstance(node, ast.ClassDef) and node.name == "TrustingAccountRoleArgs"
    )
    docstring, *fields = args.body
    assert isinstance(docstring, ast.Expr), "TrustingAccountRoleArgs starts with its docstring"
    lines = source.splitlines(keepends=True)
    return "".join(lines[fields[0].lineno - 1 : fields[-1].end_lineno])


def with_forwarded_inputs(module: str) -> str:
    """rollout.py with the block between its markers made of the fields of TrustingAccountRoleArgs."""
    head, rest = module.split(FORWARD_BEGIN)
    tail = rest.split(FORWARD_END)[1]
    return f"{head}{FORWARD_BEGIN}{forwarded_inputs()}{FORWARD_END}{tail}"


def test_the_rollout_declares_every_input_of_the_role_exactly_as_trusting_py_does() -> None:
    module = ROLLOUT_MODULE.read_text()
    assert module == with_forwarded_inputs(module), (
        "TrustingRoleRolloutArgs lacks inputs of TrustingAccountRoleArgs, or has old ones: "
        "run .venv/bin/python tests/test_component_package.py"
    )
    role = TrustingAccountRoleArgs.__annotations__
    rollout = TrustingRoleRolloutArgs.__annotations__
    assert {name: rollout[name] for name in role} == role
    assert set(rollout) - set(role) == {
        "target_account_ids",
        "rollout_mode",
        "deployment_role_name",
        "deployment_role_external_id",
        *STACKSET_INPUTS,
    }
    assert TrustingRoleRolloutArgs.__required_keys__ == TrustingAccountRoleArgs.__required_keys__ | {
        "target_account_ids"
    }
    role_docs = field_docstrings(TrustingAccountRoleArgs)
    assert {name: field_docstrings(TrustingRoleRolloutArgs)[name] for name in role_docs} == role_docs


def test_the_rollout_gives_every_output_of_the_role_shared_or_by_account() -> None:
    role = set(field_docstrings(TrustingAccountRole))
    rollout = set(field_docstrings(TrustingRoleRollout))
    by_account = {name for name in role if f"{name}s_by_account" in rollout}
    assert by_account == {"role_arn", "switch_role_url", "role_unique_id"}
    stackset = {"role_arn_pattern", "stack_set_name", "stack_set_arn", "covered_organizational_unit_ids"}
    assert rollout == (role - by_account) | {f"{name}s_by_account" for name in by_account} | stackset


PROBE = '''
from collections.abc import Sequence

import pulumi

from cross_account import TrustingAccountRoleArgs


class InheritingArgs(TrustingAccountRoleArgs):
    target_account_ids: Sequence[str]
    """12-digit ids of the accounts to create the role in."""


class Probe(pulumi.ComponentResource):
    """A component whose args extend TrustingAccountRoleArgs."""

    def __init__(self, name: str, args: InheritingArgs) -> None:
        super().__init__("probe:index:Probe", name)
'''


def test_a_subclass_would_lose_the_descriptions_of_what_it_inherits(tmp_path: Path) -> None:
    """Why the fields are copied: the analyzer reads types through inheritance, descriptions not."""
    (tmp_path / "probe.py").write_text(PROBE)
    sys.path.insert(0, str(tmp_path))
    try:
        probe = importlib.import_module("probe")
        schema = json.loads(ComponentProvider([probe.Probe], "probe", None, "1.0.0").schema)
    finally:  # the analyzer reads the module's source while it is imported
        sys.path.remove(str(tmp_path))
        sys.modules.pop("probe", None)
    resource = schema["resources"]["probe:index:Probe"]
    inputs = resource["inputProperties"]
    assert set(inputs) == {camel(name) for name in TrustingAccountRoleArgs.__annotations__} | {
        "targetAccountIds"
    }
    assert sorted(resource["requiredInputs"]) == ["targetAccountIds"]
    assert [name for name, prop in inputs.items() if "description" in prop] == ["targetAccountIds"]


# -- construction the way the provider host does it -----------------------------


def engine_inputs(args: Mapping[str, Any], secrets: tuple[str, ...] = ()) -> dict[str, Any]:
    """``args`` as the provider host receives them from another language's program.

    Keys are the schema's camelCase names; values cross the wire as a protobuf
    Struct (so every number is a double), and secret values arrive wrapped in a
    secret Output, as ``ProviderServicer._select_value`` does.
    """
    wire = struct_pb2.Struct()
    wire.update({camel(k): _wire(k, v) for k, v in args.items() if k not in secrets})
    inputs: dict[str, Any] = rpc.deserialize_properties(wire, keep_unknowns=True)
    for key in secrets:
        inputs[camel(key)] = pulumi.Output.secret(args[key])
    return inputs


def _wire(key: str, value: Any) -> Any:
    """The entries of a list of objects of a schema type (role_requirements, organizational_unit_grants, callers) with camelCase fields."""
    if key in ("role_requirements", "organizational_unit_grants", "callers"):
        return [{camel(field): v for field, v in entry.items()} for entry in value]
    return value


def canonical(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Registration inputs with JSON documents parsed: key order aside, exactly the same text."""
    out = {}
    for key, value in inputs.items():
        if isinstance(value, str) and value.startswith("{"):
            value = json.dumps(json.loads(value), sort_keys=True)
        out[key] = value
    return out


def summary(run: Run) -> list[tuple[Any, ...]]:
    """Every registration, by URN (children of one parent register in no fixed order)."""
    return sorted(
        (
            r.type,
            r.name,
            r.urn,
            r.parent,
            canonical(r.inputs),
            r.secret_inputs,
            r.delete_before_replace,
            r.additional_secret_outputs,
        )
        for r in run.registrations
    )


TRUSTING_ARGS: dict[str, Any] = {
    "trusted_account_ids": ["444455556666", "444466667777"],
    "role_name": "audit-read-only",
    "role_path": "/cross-account/",
    "role_description": "Audit access for the security account",
    "managed_policy_arns": ["ReadOnlyAccess", "arn:aws:iam::111122223333:policy/audit-extra"],
    "inline_policies": {
        "read-logs": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["logs:GetLogEvents", "logs:FilterLogEvents"],
                    "Resource": "*",
                    "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}},
                }
            ],
        }
    },
    "max_session_duration": 7200,
    "permissions_boundary_arn": "arn:aws:iam::111122223333:policy/boundary",
    "require_mfa": True,
    "mfa_max_age_seconds": 3600,
    "external_id": "partner-7f3a9c",
    "organization_id": "o-abcdefghij",
    "trusted_principal_arns": [
        "arn:aws:iam::444455556666:role/auditors-*",
        "arn:aws:iam::444455556666:user/auditors-*",
    ],
    "tags": {"team": "platform", "purpose": "audit"},
    "trust_policy_size_limit": 4096,
    "managed_policies_per_role_limit": 12,
    "allow_session_tags": True,
    "source_identity": "username",
    "session_name_is_username": True,
    "expires_at": "2099-12-31T23:59:59Z",
    "extra_trust_conditions": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "198.51.100.7"]}},
    "trusted_permission_sets": ["Auditor"],
    "force_detach_policies": False,
    "revoke_sessions_issued_before": "2026-01-05T09:30:00Z",
    "secret_inputs": ["role_description", "tags"],
}
TRUSTING_ROTATION_ARGS: dict[str, Any] = {
    **{k: v for k, v in TRUSTING_ARGS.items() if k != "external_id"},
    "external_ids": ["partner-7f3a9c", "partner-next-1"],
}
"""The inputs the first case cannot set with the others (external_ids goes without external_id)."""
TRUSTING_CALLERS_ARGS: dict[str, Any] = {
    "role_name": "shared",
    "organization_id": "o-abcdefghij",
    "managed_policy_arns": ["ReadOnlyAccess", "job-function/ViewOnlyAccess"],
    "callers": [
        {
            "name": "People",
            "trusted_account_ids": ["444455556666"],
            "trusted_principal_arns": ["arn:aws:iam::444455556666:user/*"],
            "require_mfa": True,
            "mfa_max_age_seconds": 3600,
            "session_name_is_username": True,
            "expires_at": "2099-01-01T00:00:00Z",
        },
        {
            "name": "Deploy",
            "trusted_account_ids": ["777788889999"],
            "trusted_permission_sets": ["Deployer"],
            "allow_session_tags": True,
            "source_identity": "allowed",
            "extra_trust_conditions": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}},
        },
        {"name": "Vendor", "trusted_account_ids": ["222233334444"], "external_ids": ["vendor-7f3a9c"]},
    ],
}
"""Caller entries, each with its own who and conditions (every key of an entry set once)."""
TRUSTED_ARGS: dict[str, Any] = {
    "role_arns": [
        "arn:aws:iam::111122223333:role/cross-account/audit-read-only",
        "arn:aws:iam::444477778888:role/reader",
    ],
    "user_names": ["alice", "bob"],
    "group_names": ["auditors"],
    "policy_name": "assume-audit",
    "policy_path": "/cross-account/",
    "require_mfa": True,
    "role_requires_external_id": True,
    "role_requires_mfa": True,
    "source_profile": "security",
    "managed_policies_per_principal_limit": 12,
    "role_names": ["ci-deployer"],
    "new_group_name": "release-team",
    "new_group_members": ["carol", "dave"],
    "new_group_path": "/teams/",
    "tags": {"team": "platform"},
    "expires_at": "2099-12-31T23:59:59Z",
    "role_requirements": [
        {
            "role_arn": "arn:aws:iam::444477778888:role/reader",
            "external_id_required": False,
            "session_name_required": True,
            "source_identity_required": True,
            "session_tags_allowed": True,
            "expires_at": "2098-06-30T00:00:00Z",
        }
    ],
    "session_duration_seconds": 7200,
    "region": "eu-west-1",
    "switch_role_color": "f2b0a9",
    "secret_inputs": ["policy_path"],
    "organizational_unit_grants": [
        {
            "role_arn_pattern": "arn:aws:iam::*:role/cross-account/audit-read-only",
            "organization_paths": [
                "o-abcdefghij/r-ab12/ou-ab12-cdefgh34/",
                "o-abcdefghij/*/ou-ab12-ijklmn56/",
            ],
            "session_tags_allowed": True,
            "source_identity_allowed": False,
            "expires_at": "2098-01-01T00:00:00Z",
        }
    ],
}
ROLLOUT_ARGS: dict[str, Any] = {
    **TRUSTING_ARGS,
    # The deploying account (through the component's provider) and two others (each through its own).
    "target_account_ids": ["555555555555", "111122223333", "444477778888"],
    "deployment_role_name": "OrganizationAdmin",
    "deployment_role_external_id": "deploy-2b8e41",
    "secret_inputs": ["role_description", "tags", "deployment_role_name"],
}
ROLLOUT_STACKSET_ARGS: dict[str, Any] = {
    **{
        k: v
        for k, v in TRUSTING_ARGS.items()
        if k not in ("external_id", "secret_inputs", "force_detach_policies")
    },
    "target_account_ids": ["555555555555", "444477778888"],
    "rollout_mode": "stackset",
    "organizational_unit_ids": ["ou-ab12-cdefgh34", "ou-ab12-ijklmn56"],
    "exclude_account_ids": [],  # any account is refused: automatic deployment ignores account filters
    "management_account_id": "777777777777",
    "stack_set_name": "audit-role",
    "call_as": "DELEGATED_ADMIN",
    "retain_stacks_on_account_removal": True,
    "max_concurrent_percentage": 50,
    "failure_tolerance_percentage": 20,
    "region_concurrency_type": "SEQUENTIAL",
    "stack_set_instance_region": "eu-west-1",
    "stack_set_recreate_roles": True,
}
"""The stackset mode's own inputs (and every role input it can express)."""
OUTPUT_NAMES = {
    TRUSTING: [camel(name) for name in field_docstrings(TrustingAccountRole)],
    ROLLOUT: [camel(name) for name in field_docstrings(TrustingRoleRollout)],
    TRUSTED: [camel(name) for name in field_docstrings(TrustedAccountAccess)],
}
CLASSES: dict[str, Callable[..., pulumi.ComponentResource]] = {
    TRUSTING: TrustingAccountRole,
    ROLLOUT: TrustingRoleRollout,
    TRUSTED: TrustedAccountAccess,
}


def from_python(token: str, args: Mapping[str, Any], secrets: tuple[str, ...], **kwargs: Any) -> Run:
    def body() -> dict[str, Any]:
        values = {k: pulumi.Output.secret(v) if k in secrets else v for k, v in args.items()}
        component = CLASSES[token]("acme", values)
        outputs = {
            name: getattr(component, re.sub("([A-Z])", r"_\1", name).lower()) for name in OUTPUT_NAMES[token]
        }
        if "principals" in outputs:
            # An output of a schema type: the host gives its fields their schema (camelCase) names.
            outputs["principals"] = outputs["principals"].apply(
                lambda value: {camel(field): v for field, v in value.items()}
            )
        return outputs

    return pulumi_run(body, **kwargs)


def through_the_host(token: str, args: Mapping[str, Any], secrets: tuple[str, ...], **kwargs: Any) -> Run:
    host = provider()

    def body() -> dict[str, Any]:
        result = host.construct("acme", token, engine_inputs(args, secrets), None)
        assert result.urn is not None
        return dict(result.state)

    return pulumi_run(body, **kwargs)


@pytest.mark.parametrize(
    ("token", "args", "secrets", "mocks"),
    [
        (TRUSTING, TRUSTING_ARGS, ("external_id",), RecordingMocks()),
        (TRUSTING, TRUSTING_ROTATION_ARGS, ("external_ids",), RecordingMocks()),
        (TRUSTING, TRUSTING_CALLERS_ARGS, (), RecordingMocks()),
        (ROLLOUT, ROLLOUT_ARGS, ("external_id", "deployment_role_external_id"), CrossAccountMocks()),
        (ROLLOUT, ROLLOUT_STACKSET_ARGS, (), CrossAccountMocks()),
        (TRUSTED, TRUSTED_ARGS, (), RecordingMocks(account_id=TRUSTED_ACCOUNT)),
    ],
    ids=[
        "TrustingAccountRole",
        "TrustingAccountRole-external-ids",
        "TrustingAccountRole-callers",
        "TrustingRoleRollout",
        "TrustingRoleRollout-stackset",
        "TrustedAccountAccess",
    ],
)
def test_the_host_builds_exactly_what_python_builds_from_every_input(
    token: str, args: dict[str, Any], secrets: tuple[str, ...], mocks: pulumi.runtime.Mocks
) -> None:
    python = from_python(token, args, secrets, mocks=mocks)
    hosted = through_the_host(token, args, secrets, mocks=mocks)
    assert summary(hosted) == summary(python)
    assert hosted.outputs == python.outputs
    assert hosted.secret_outputs == python.secret_outputs
    assert len(python.aws_resources) >= 3, "the case exercises the children, not an empty component"


@pytest.mark.parametrize(
    ("token", "fields"),
    [
        (TRUSTING, {**TRUSTING_ARGS, **TRUSTING_ROTATION_ARGS, **TRUSTING_CALLERS_ARGS}),
        (
            ROLLOUT,
            {**ROLLOUT_ARGS, **TRUSTING_ROTATION_ARGS, **ROLLOUT_STACKSET_ARGS, **TRUSTING_CALLERS_ARGS},
        ),
        (TRUSTED, TRUSTED_ARGS),
    ],
    ids=["TrustingAccountRole", "TrustingRoleRollout", "TrustedAccountAccess"],
)
def test_the_construct_cases_set_every_input_of_the_schema(
    schema: dict[str, Any], token: str, fields: dict[str, Any]
) -> None:
    assert sorted(camel(k) for k in fields) == sorted(schema["resources"][token]["inputProperties"])


def test_the_host_refuses_a_missing_required_input_before_constructing() -> None:
    with pytest.raises(InputPropertyError) as caught:
        provider().construct("acme", ROLLOUT, engine_inputs({"trusted_account_ids": ["444455556666"]}), None)
    assert caught.value.reason == "Missing required input 'targetAccountIds' on 'TrustingRoleRollout'"


def test_bad_input_through_the_host_names_the_input_the_value_and_the_rule() -> None:
    run = pulumi_run(
        lambda: dict(
            provider()
            .construct(
                "acme",
                TRUSTING,
                engine_inputs({"trusted_account_ids": ["444455556666"], "max_session_duration": 7200.5}),
                None,
            )
            .state
        ),
        expect_error=True,
    )
    assert isinstance(run.error, ComponentInitError)
    assert str(run.error.inner) == "max_session_duration: 7200.5 must be a whole number"
    assert run.aws_resources == []


def test_the_component_modules_keep_their_annotations_readable_at_run_time() -> None:
    """The analyzer reads annotations at run time: a module with postponed annotations breaks it."""
    for module in ("trusting.py", "trusting_args.py", "trusted.py", "trusted_args.py"):
        source = (PACKAGE_DIR / "cross_account" / module).read_text()
        assert "from __future__ import annotations" not in source, (
            f"{module}: postponed annotations turn the args type into a string the analyzer cannot read"
        )


if __name__ == "__main__":
    rollout_module = ROLLOUT_MODULE.read_text()
    if with_forwarded_inputs(rollout_module) != rollout_module:
        ROLLOUT_MODULE.write_text(with_forwarded_inputs(rollout_module))
        print(f"{ROLLOUT_MODULE}: the inputs of TrustingAccountRoleArgs copied", file=sys.stderr)
        os.execv(sys.executable, [sys.executable, *sys.argv])  # the schema of the rewritten module
    page = COMPONENTS_PAGE.read_text()
    tables = schema_tables(json.loads(provider().schema))
    head, rest = page.split(TABLES_BEGIN)
    COMPONENTS_PAGE.write_text(f"{head}{TABLES_BEGIN}\n\n{tables}\n{TABLES_END}{rest.split(TABLES_END)[1]}")
