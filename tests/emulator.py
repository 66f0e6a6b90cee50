"""The small adapter that makes the Pulumi mocks provision into the moto AWS emulator.

``EmulatorMocks`` is a ``RecordingMocks`` (so it still runs through
``pulumi_run`` / ``run_main`` of conftest, the one mocks harness) whose
``new_resource`` creates each AWS resource in moto, in the account it was
built for, and answers with the state moto returns. It maps only the resource
types and invokes the program uses, and raises on any other.

moto (5.2) does not evaluate a role's trust policy when the caller is in
another account, nor its conditions. ``assume_role_as`` therefore
checks the trust side itself with ``trust_allows``, a deliberately small
evaluator of the documents the program writes, and leaves the identity side
(the caller's own policies) and the session's permissions to moto.

An ``aws.Provider`` with ``assumeRoles`` is replayed as the AWS provider would
configure itself: ``sts:AssumeRole`` on the last role, with its session name
and external id, from the credentials of the mocks' own account (moto lets the
management account of an organization assume ``OrganizationAccountAccessRole``
in its member accounts), then ``allowedAccountIds`` checked against the
session's account. Every resource and invoke made through that provider uses
the session's credentials, so moto creates it in the assumed role's account.
"""

from __future__ import annotations

import fnmatch
import json
import os
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pulumi
from botocore.exceptions import ClientError
from conftest import SECRET_SIG, SIG_KEY, RecordingMocks
from moto.core import disable_iam_authentication

REGION = "us-east-1"
ACCOUNT_HEADER = "x-moto-account-id"
MANAGED_POLICIES_ENV = "MOTO_IAM_LOAD_MANAGED_POLICIES"
S3_READ_ONLY_ARN = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
COMPONENTS = frozenset(
    {
        "cross-account:index:TrustingAccountRole",
        "cross-account:index:TrustingRoleRollout",
        "cross-account:index:TrustedAccountAccess",
    }
)
PROVIDER = "pulumi:providers:aws"
GET_POLICY = "aws:iam/getPolicy:getPolicy"
"""The program reads each customer-managed policy a role gets, for the audit baseline."""
DESCENDANT_ACCOUNTS = (
    "aws:organizations/getOrganizationalUnitDescendantAccounts:getOrganizationalUnitDescendantAccounts"
)


class UnknownResourceTypeError(NotImplementedError):
    """The program registered a type the emulator adapter does not map."""


_BOTO3_SESSION = boto3.Session
"""boto3's own Session class, whatever a test puts in its place."""
_MODELS = botocore.loaders.create_loader()
"""One botocore loader for every session the tests make: a new boto3.Session reads and parses the
service models (IAM's, STS's, the endpoints) again, about 25 s of CPU over the suite (cProfile)."""


def new_session(**kwargs: Any) -> boto3.Session:
    """``boto3.Session(**kwargs)`` whose service models come from the tests' one loader."""
    core = kwargs.pop("botocore_session", None) or botocore.session.Session()
    core.register_component("data_loader", _MODELS)
    session = _BOTO3_SESSION(botocore_session=core, **kwargs)
    _MODELS.search_paths[:] = dict.fromkeys(_MODELS.search_paths)  # boto3 adds its folder per session
    return session


def account_session(account_id: str, region: str = REGION) -> boto3.Session:
    """A boto3 session that acts in ``account_id`` of the emulator (setup calls, auth off)."""
    session = new_session(aws_access_key_id="setup", aws_secret_access_key="setup", region_name=region)

    def add_account_header(request: Any, **_: Any) -> None:
        request.headers[ACCOUNT_HEADER] = account_id

    session.events.register("before-sign.*.*", add_account_header)
    return session


@contextmanager
def _loading_managed_policies() -> Iterator[None]:
    previous = os.environ.get(MANAGED_POLICIES_ENV)
    os.environ[MANAGED_POLICIES_ENV] = "true"
    try:
        yield
    finally:
        if previous is None:
            del os.environ[MANAGED_POLICIES_ENV]
        else:
            os.environ[MANAGED_POLICIES_ENV] = previous


def _load_managed_policies(accounts: tuple[str, ...], endpoint_url: str | None = None) -> None:
    """Create these accounts' IAM in moto with AWS's managed policies, and no other account's.

    moto loads them into every IAM backend it creates while
    ``MOTO_IAM_LOAD_MANAGED_POLICIES`` is on, and with IAM authentication on it
    creates one backend per account and partition it looks an access key up
    in: about 7 s for the end-to-end scenario. Only the accounts that attach
    AWS managed policies need them.
    """
    with _loading_managed_policies():
        for account in accounts:
            iam = account_session(account).client("iam", endpoint_url=endpoint_url)
            iam.get_policy(PolicyArn=S3_READ_ONLY_ARN)


@contextmanager
def aws_managed_policies(*accounts: str) -> Iterator[None]:
    """In-process moto (``mock_aws``) with AWS's managed policies in these accounts."""
    from moto import mock_aws

    with mock_aws():
        _load_managed_policies(accounts)
        yield


@contextmanager
def moto_server() -> Iterator[str]:
    """moto as an HTTP server on 127.0.0.1 (a free port), in this process; yields its URL.

    moto's in-process mock and this server share one state: never use both in one module.
    """
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        yield url
    finally:
        reset_moto_server(url)
        server.stop()


def prepare_moto_server(url: str, *managed_policies_in: str) -> None:
    """An empty server, IAM authentication off, AWS managed policies in these accounts."""
    reset_moto_server(url)
    _load_managed_policies(managed_policies_in, endpoint_url=url)


def reset_moto_server(url: str) -> None:
    """IAM authentication off, every account emptied."""
    post(f"{url}/moto-api/reset-auth", b"inf")
    post(f"{url}/moto-api/reset", b"")


def post(url: str, body: bytes) -> None:
    """POST to moto's own API (a form content type would hide the body from it)."""
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(request, timeout=10).close()


def key_session(access_key: Mapping[str, str], region: str = REGION) -> boto3.Session:
    """A session with an IAM user's (or an assumed role's) own credentials: moto finds the account from the key."""
    return new_session(
        aws_access_key_id=access_key["AccessKeyId"],
        aws_secret_access_key=access_key["SecretAccessKey"],
        aws_session_token=access_key.get("SessionToken"),
        region_name=region,
    )


def _tags(inputs: Mapping[str, Any]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in (inputs.get("tags") or {}).items()]


def _unsecret(value: Any) -> Any:
    """Inputs as the provider gets them: a secret (an external id in a trust policy) as its value."""
    while isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        value = value["value"]
    if isinstance(value, dict):
        return {k: _unsecret(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unsecret(v) for v in value]
    return value


def _provider_list(value: Any) -> list[Any]:
    """A provider input list: it reaches the mocks as a JSON string (in a secret wrapper when secret)."""
    while isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG:
        value = value["value"]
    if value is None:
        return []
    return list(json.loads(value) if isinstance(value, str) else value)


@dataclass
class ProviderSession:
    """An aws.Provider as the emulator configured it: its credentials, account and region."""

    name: str
    session: boto3.Session
    account_id: str
    region: str
    assumed: dict[str, str] = field(default_factory=dict)
    """What was assumed: roleArn, sessionName, and whether an externalId was sent ("externalId": "set")."""


class EmulatorMocks(RecordingMocks):
    """Pulumi mocks that create the program's IAM resources in moto, in one account."""

    def __init__(
        self,
        account_id: str,
        stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
        region: str = REGION,
        session: boto3.Session | None = None,
        endpoint_url: str | None = None,
    ) -> None:
        """Calls go to ``account_id`` by moto's account header, or with ``session``'s own keys when given."""
        super().__init__(account_id=account_id, stack_outputs=stack_outputs)
        self.region = region
        self.session = session or account_session(account_id, region)
        self.endpoint_url = endpoint_url
        self.iam = self.session.client("iam", endpoint_url=endpoint_url)
        self.created: list[tuple[str, str]] = []
        """(type, id) of every resource created through the default provider, in order."""
        self.created_in: dict[str, list[tuple[str, str]]] = {}
        """Account id -> (type, id) of every resource created in it through an aws.Provider."""
        self.providers: dict[str, ProviderSession] = {}
        """Provider id -> its session."""
        self.handlers: dict[str, Callable[[Any, dict[str, Any]], tuple[str, dict[str, Any]]]] = {
            "aws:iam/role:Role": self._role,
            "aws:iam/rolePolicyAttachment:RolePolicyAttachment": self._role_policy_attachment,
            "aws:iam/rolePolicy:RolePolicy": self._role_policy,
            "aws:iam/policy:Policy": self._policy,
            "aws:iam/userPolicyAttachment:UserPolicyAttachment": self._user_policy_attachment,
            "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": self._group_policy_attachment,
            "aws:iam/group:Group": self._group,
            "aws:iam/userGroupMembership:UserGroupMembership": self._user_group_membership,
        }

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        if args.typ == "pulumi:pulumi:StackReference" or (not args.custom and args.typ in COMPONENTS):
            return super().new_resource(args)
        if args.typ == PROVIDER:
            return self._provider(args.name, dict(args.inputs))
        handler = self.handlers.get(args.typ)
        if handler is None:
            raise UnknownResourceTypeError(
                f"the emulator adapter does not map {args.typ} ({args.name}); "
                f"it maps {sorted(self.handlers)}, {PROVIDER} and the components {sorted(COMPONENTS)}"
            )
        provider = self._provider_of(args.provider)
        iam = self.iam if provider is None else provider.session.client("iam", endpoint_url=self.endpoint_url)
        id_, state = handler(iam, dict(_unsecret(args.inputs)))
        if provider is None:
            self.created.append((args.typ, id_))
        else:
            self.created_in.setdefault(provider.account_id, []).append((args.typ, id_))
        return id_, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        provider = self._provider_of(args.provider)
        session = self.session if provider is None else provider.session
        region = self.region if provider is None else provider.region
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            self.invokes.append(args.token)
            identity = session.client("sts", endpoint_url=self.endpoint_url).get_caller_identity()
            return {
                "accountId": identity["Account"],
                "arn": identity["Arn"],
                "userId": identity["UserId"],
                "id": identity["Account"],
            }
        if args.token == "aws:index/getRegion:getRegion":
            self.invokes.append(args.token)
            return {"name": region, "region": region, "id": region}
        if args.token == GET_POLICY:
            # As pulumi-aws's aws.iam.getPolicy reads it: GetPolicy, then its default version's document.
            self.invokes.append(args.token)
            iam = session.client("iam", endpoint_url=self.endpoint_url)
            arn = str(args.args["arn"])
            policy = iam.get_policy(PolicyArn=arn)["Policy"]
            version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])
            document = version["PolicyVersion"]["Document"]
            text = document if isinstance(document, str) else json.dumps(document)
            return {
                "arn": arn,
                "name": policy["PolicyName"],
                "path": policy["Path"],
                "policy": text,
                "id": arn,
            }
        if args.token == DESCENDANT_ACCOUNTS:
            self.invokes.append(args.token)
            parent = str(args.args["parentId"])
            organizations = session.client("organizations", endpoint_url=self.endpoint_url)
            try:
                accounts = _descendant_accounts(organizations, parent)
            except ClientError as error:
                # As the engine reports a provider's refusal: a failed invoke the program can catch.
                return {}, [("parentId", str(error))]
            return {"accounts": accounts, "id": parent, "parentId": parent}
        return super().call(args)  # getPartition; anything else raises

    # aws.Provider: the credentials its resources are created with ---------------

    def _provider(self, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Configure a provider as the AWS provider would: assume its role, check the account it lands in."""
        region = inputs.get("region") or self.region
        session, assumed = self.session, {}
        roles = [role for role in _provider_list(inputs.get("assumeRoles")) if role.get("roleArn")]
        if roles:
            role = roles[-1]
            request = {"RoleArn": role["roleArn"], "RoleSessionName": role.get("sessionName") or "pulumi"}
            if role.get("externalId"):
                request["ExternalId"] = role["externalId"]
            sts = self.session.client("sts", endpoint_url=self.endpoint_url)
            credentials = sts.assume_role(**request)["Credentials"]
            session = key_session(credentials, region)
            assumed = {
                "roleArn": role["roleArn"],
                "sessionName": request["RoleSessionName"],
                **({"externalId": "set"} if "ExternalId" in request else {}),
            }
        account = session.client("sts", endpoint_url=self.endpoint_url).get_caller_identity()["Account"]
        allowed = _provider_list(inputs.get("allowedAccountIds"))
        if allowed and account not in allowed:
            raise ValueError(
                f"provider {name}: account {account} is not one of its allowedAccountIds {allowed}"
            )
        provider_id = f"{name}-id"
        self.providers[provider_id] = ProviderSession(name, session, account, region, assumed)
        return provider_id, inputs

    def _provider_of(self, reference: str | None) -> ProviderSession | None:
        """The provider of a reference ``<urn>::<id>``; None for the default provider."""
        if not reference:
            return None
        provider_id = reference.rsplit("::", 1)[-1]
        if provider_id not in self.providers:
            if "::pulumi:providers:aws::default" in reference:
                return None
            raise ValueError(f"the emulator adapter knows no provider {reference}")
        return self.providers[provider_id]

    # One function per resource type: the AWS call the provider would make.

    def _role(self, iam: Any, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        request: dict[str, Any] = {
            "RoleName": inputs["name"],
            "Path": inputs.get("path", "/"),
            "AssumeRolePolicyDocument": inputs["assumeRolePolicy"],
            "Description": inputs.get("description", ""),
            "MaxSessionDuration": int(inputs.get("maxSessionDuration", 3600)),  # numbers arrive as floats
            "Tags": _tags(inputs),
        }
        if inputs.get("permissionsBoundary"):
            request["PermissionsBoundary"] = inputs["permissionsBoundary"]
        role = iam.create_role(**request)["Role"]
        return role["RoleName"], {**inputs, "arn": role["Arn"], "uniqueId": role["RoleId"]}

    def _role_policy_attachment(self, iam: Any, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        iam.attach_role_policy(RoleName=inputs["role"], PolicyArn=inputs["policyArn"])
        return f"{inputs['role']}/{inputs['policyArn']}", inputs

    def _role_policy(self, iam: Any, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        iam.put_role_policy(
            RoleName=inputs["role"], PolicyName=inputs["name"], PolicyDocument=inputs["policy"]
        )
        return f"{inputs['role']}:{inputs['name']}", inputs

    def _policy(self, iam: Any, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        request: dict[str, Any] = {
            "PolicyName": inputs["name"],
            "Path": inputs.get("path", "/"),
            "PolicyDocument": inputs["policy"],
            "Description": inputs.get("description", ""),
        }
        if inputs.get("tags"):
            request["Tags"] = _tags(inputs)
        policy = iam.create_policy(**request)["Policy"]
        return policy["Arn"], {**inputs, "arn": policy["Arn"], "policyId": policy["PolicyId"]}

    def _user_policy_attachment(self, iam: Any, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        iam.attach_user_policy(UserName=inputs["user"], PolicyArn=inputs["policyArn"])
        return f"{inputs['user']}/{inputs['policyArn']}", inputs

    def _group_policy_attachment(self, iam: Any, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        iam.attach_group_policy(GroupName=inputs["group"], PolicyArn=inputs["policyArn"])
        return f"{inputs['group']}/{inputs['policyArn']}", inputs

    def _group(self, iam: Any, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        group = iam.create_group(GroupName=inputs["name"], Path=inputs.get("path", "/"))["Group"]
        return group["GroupName"], {**inputs, "arn": group["Arn"], "uniqueId": group["GroupId"]}

    def _user_group_membership(self, iam: Any, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Adds the user to each group, leaving their other groups alone (never the exclusive GroupMembership)."""
        for group in inputs["groups"]:
            iam.add_user_to_group(GroupName=group, UserName=inputs["user"])
        return f"{inputs['user']}/{'/'.join(inputs['groups'])}", inputs


def _descendant_accounts(organizations: Any, parent: str) -> list[dict[str, Any]]:
    """Every account under ``parent``, at any depth, as getOrganizationalUnitDescendantAccounts returns them."""
    found = []
    parents = [parent]
    while parents:
        current = parents.pop(0)
        for account in organizations.list_accounts_for_parent(ParentId=current)["Accounts"]:
            found.append(
                {
                    "id": account["Id"],
                    "arn": account["Arn"],
                    "email": account["Email"],
                    "name": account["Name"],
                    "status": account["Status"],
                    "state": account.get("State", account["Status"]),
                    "joinedMethod": account["JoinedMethod"],
                    "joinedTimestamp": account["JoinedTimestamp"].isoformat(),
                }
            )
        units = organizations.list_organizational_units_for_parent(ParentId=current)["OrganizationalUnits"]
        parents += [unit["Id"] for unit in units]
    return found


# The trust side, which moto does not check across accounts -----------------


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _principal_matches(pattern: str, caller_arn: str) -> bool:
    caller_account = caller_arn.split(":")[4]
    if pattern == "*":
        return True
    if pattern.isdigit():
        return pattern == caller_account
    if pattern.endswith(":root"):
        return pattern.split(":")[4] == caller_account
    return pattern == caller_arn


def _instant(text: str) -> datetime:
    """An RFC 3339 time as IAM's date operators compare it: by the instant, fractions of a second included."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, str]) -> bool:
    """The few condition operators the program writes, as IAM evaluates them (a key the request
    lacks fails the condition; no ...IfExists here)."""
    return _condition_holds(operator, key, expected, context)


def _condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, str]) -> bool:
    """The few condition operators the program writes for today's callers, as IAM evaluates them."""
    values = _as_list(expected)
    actual = context.get(key)
    if operator == "Null":
        return (actual is None) == (values == ["true"])
    if actual is None:
        return False  # a condition on a key the request does not have fails (no ...IfExists here)
    if operator == "ArnEquals":
        return actual in values
    if operator == "Bool":  # aws:MultiFactorAuthPresent: present only when the caller signed in with MFA
        return actual.lower() in [value.lower() for value in values]
    if operator == "StringEquals":  # sts:ExternalId: any of the listed values, case-sensitive
        return actual in values
    if operator == "ArnLike":
        return any(fnmatch.fnmatchcase(actual, value) for value in values)
    if operator == "DateLessThan":
        return any(_instant(actual) < _instant(value) for value in values)
    if operator == "StringLike":
        username = context.get("aws:username", "")
        return any(
            fnmatch.fnmatchcase(actual, value.replace("${aws:username}", username)) for value in values
        )
    raise NotImplementedError(f"trust_allows does not evaluate the condition {operator} {key}")


def _conditions_hold(statement: Mapping[str, Any], context: Mapping[str, str] | None) -> bool:
    conditions = statement.get("Condition")
    if not conditions:
        return True
    if context is None:
        raise NotImplementedError(
            f"trust_allows does not evaluate conditions without a request context: {statement}"
        )
    return all(
        _condition_holds(operator, key, expected, context)
        for operator, block in conditions.items()
        for key, expected in block.items()
    )


def trust_allows(
    document: Mapping[str, Any],
    caller_arn: str,
    actions: tuple[str, ...] = ("sts:AssumeRole",),
    context: Mapping[str, str] | None = None,
) -> bool:
    """Whether the trust policy lets ``caller_arn`` call every one of ``actions``, with IAM's rules.

    For each action an explicit Deny wins, then any Allow. Only AWS principals
    are read. Conditions are evaluated only with a request ``context`` (condition
    key -> value) and only for the operators the program writes for today's
    callers (ArnLike, Bool, DateLessThan, StringEquals, StringLike with
    ${aws:username}, Null); any other raises, so a document this evaluator
    cannot judge never passes silently.
    """
    if document.get("Version") != "2012-10-17":
        raise ValueError(f"trust policy without Version 2012-10-17: {document}")
    return all(_allows(document, caller_arn, action, context) for action in actions)


def _allows(
    document: Mapping[str, Any], caller_arn: str, action: str, context: Mapping[str, str] | None
) -> bool:
    allowed = False
    for statement in document["Statement"]:
        if not any(fnmatch.fnmatchcase(action, a) for a in _as_list(statement.get("Action", []))):
            continue
        principals = _as_list(statement.get("Principal", {}).get("AWS", []))
        if not any(_principal_matches(p, caller_arn) for p in principals):
            continue
        if not _conditions_hold(statement, context):
            continue
        if statement["Effect"] == "Deny":
            return False
        allowed = allowed or statement["Effect"] == "Allow"
    return allowed


def trust_policy_of(role_arn: str) -> dict[str, Any]:
    """The role's trust policy as stored in the emulator (read with auth off, in the role's account)."""
    account, name = role_arn.split(":")[4], role_arn.rsplit("/", 1)[1]
    with disable_iam_authentication():
        role = account_session(account).client("iam").get_role(RoleName=name)["Role"]
    document = role["AssumeRolePolicyDocument"]
    return json.loads(document) if isinstance(document, str) else dict(document)


def principal_arn(caller_arn: str) -> str:
    """aws:PrincipalArn of a caller: a user's ARN, or for a role session the role's ARN (without its
    path, which GetCallerIdentity does not show)."""
    parts = caller_arn.split(":")
    if parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        return f"arn:{parts[1]}:iam::{parts[4]}:role/{parts[5].split('/')[1]}"
    return caller_arn


def request_context(
    caller_arn: str, request: Mapping[str, Any], now: str | None = None
) -> tuple[tuple[str, ...], dict[str, str]]:
    """The actions an sts:AssumeRole request (its API parameters) needs, and the condition keys IAM
    sees with it: tags need sts:TagSession, a source identity sts:SetSourceIdentity; MFA is present
    when the request carries SerialNumber and TokenCode, and absent otherwise (as for a user's
    long-term keys); sts:ExternalId is the ExternalId sent. ``now`` (RFC 3339 UTC) is aws:CurrentTime."""
    actions = ("sts:AssumeRole",)
    actions += ("sts:TagSession",) if request.get("Tags") else ()
    actions += ("sts:SetSourceIdentity",) if request.get("SourceIdentity") is not None else ()
    context = {
        "aws:CurrentTime": now or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "sts:RoleSessionName": str(request["RoleSessionName"]),
        "aws:PrincipalArn": principal_arn(caller_arn),
    }
    if ":user/" in caller_arn:
        context["aws:username"] = caller_arn.rsplit("/", 1)[1]
    if request.get("SourceIdentity") is not None:
        context["sts:SourceIdentity"] = str(request["SourceIdentity"])
    if request.get("ExternalId") is not None:
        context["sts:ExternalId"] = str(request["ExternalId"])
    if request.get("SerialNumber") and request.get("TokenCode"):
        context["aws:MultiFactorAuthPresent"] = "true"
    return actions, context


def refuse_untrusted(caller_arn: str, request: Mapping[str, Any], now: str | None = None) -> None:
    """Raise AccessDenied, as STS does, when the role's trust policy refuses this AssumeRole request."""
    role_arn = str(request["RoleArn"])
    actions, context = request_context(caller_arn, request, now)
    if not trust_allows(trust_policy_of(role_arn), caller_arn, actions, context):
        raise ClientError(
            {
                "Error": {
                    "Code": "AccessDenied",
                    "Message": f"{caller_arn} is not trusted by the trust policy of {role_arn} for {', '.join(actions)}",
                }
            },
            "AssumeRole",
        )


def trust_checking_session(**kwargs: Any) -> boto3.Session:
    """A boto3 session whose sts:AssumeRole calls the trust evaluator judges first (for a console
    script such as cross-account-verify, whose requests moto would not judge across accounts: a test
    may put it in place of ``boto3.Session``)."""
    session = new_session(**kwargs)

    def judge(params: Mapping[str, Any], **_: Any) -> None:
        caller_arn = session.client("sts").get_caller_identity()["Arn"]
        refuse_untrusted(caller_arn, params)

    session.events.register("before-parameter-build.sts.AssumeRole", judge)
    return session


def assume_role_as(
    caller: boto3.Session,
    role_arn: str,
    session_name: str = "e2e",
    *,
    tags: Mapping[str, str] | None = None,
    source_identity: str | None = None,
    external_id: str | None = None,
    mfa_serial: str | None = None,
    now: str | None = None,
) -> dict[str, str]:
    """sts:AssumeRole as ``caller``: the trust side checked here, the identity side by moto.

    With ``tags`` the call also needs sts:TagSession, with ``source_identity``
    sts:SetSourceIdentity, as in AWS; ``external_id`` is sent as ExternalId, and
    ``mfa_serial`` with a token code as MFA. ``now`` (RFC 3339 UTC) is the time the
    trust policy's conditions see, the current time by default. Raises
    botocore's ClientError with code AccessDenied when either side refuses.
    """
    caller_arn = caller.client("sts").get_caller_identity()["Arn"]
    request: dict[str, Any] = {"RoleArn": role_arn, "RoleSessionName": session_name}
    if tags:
        request["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    if source_identity is not None:
        request["SourceIdentity"] = source_identity
    if external_id is not None:
        request["ExternalId"] = external_id
    if mfa_serial is not None:
        request["SerialNumber"], request["TokenCode"] = mfa_serial, "123456"
    refuse_untrusted(caller_arn, request, now)
    response = caller.client("sts").assume_role(**request)
    return dict(response["Credentials"])


# IAM's resources, as AWS authorizes them -----------------------------------------


def _first(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return str(value[0]) if value else None


@contextmanager
def iam_resources_as_aws() -> Iterator[None]:
    """moto authorizes an IAM call against the resource AWS authorizes it against.

    moto 5.2 resolves the resource of an IAM request only from ``RoleName`` and only when that role
    exists; every other request (``CreateRole`` itself, ``CreatePolicy``, ``AttachUserPolicy``,
    ``AddUserToGroup``, ...) is checked against ``*``, which a policy scoped to ARNs never matches.
    AWS checks each action against its resource type in the Service Authorization Reference: the
    role, group or user the request names (the group for ``AddUserToGroup``, the role for
    ``PutRolePolicy`` and ``AttachRolePolicy``), else the policy (``PolicyArn``, or for
    ``CreatePolicy`` the ARN it will have). A request with a ``Path`` (the Create calls) is checked
    against the ARN it asks for, a name not found yet against its ARN at the root path.
    """
    from moto.iam.responses import IamResponse

    original = IamResponse._determine_resource

    def determine(self: Any) -> str:
        data = self.data
        partition, account = self.partition, self.current_account
        given_path = _first(data, "Path")  # CreateRole, CreatePolicy, ...: the ARN the request asks for
        path = given_path or "/"
        for kind, key, find in (
            ("role", "RoleName", self.backend.get_role),
            ("group", "GroupName", self.backend.get_group),
            ("user", "UserName", self.backend.get_user),
        ):
            name = _first(data, key)
            if name is not None:
                if given_path is not None:
                    return f"arn:{partition}:iam::{account}:{kind}{path}{name}"
                try:
                    return str(find(name).arn)
                except Exception:  # moto's NotFound errors differ per entity
                    return f"arn:{partition}:iam::{account}:{kind}{path}{name}"
        if (policy_arn := _first(data, "PolicyArn")) is not None:
            return policy_arn
        if (policy_name := _first(data, "PolicyName")) is not None:
            return f"arn:{partition}:iam::{account}:policy{path}{policy_name}"
        return str(original(self))

    IamResponse._determine_resource = determine  # type: ignore[method-assign]
    try:
        yield
    finally:
        IamResponse._determine_resource = original  # type: ignore[method-assign]


def deployer_session(
    account_id: str, stack: str, config: Mapping[str, Any], user: str = "deployer"
) -> boto3.Session:
    """A user of ``account_id`` holding only the policy `python -m program.deployer` generates for this
    stack config (set up with authentication off), as a session with its own access key."""
    from conftest import config_strings

    from program.deployer import for_settings
    from program.settings import load

    policy = for_settings(load(config_strings(config), stack), "aws", account_id)
    iam = account_session(account_id).client("iam")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="deploy", PolicyDocument=json.dumps(policy))
    return key_session(iam.create_access_key(UserName=user)["AccessKey"])


@contextmanager
def as_deployers() -> Iterator[None]:
    """IAM authentication on, each IAM call checked against the resource AWS checks it against."""
    from moto.core import enable_iam_authentication

    with enable_iam_authentication(), iam_resources_as_aws():
        yield
