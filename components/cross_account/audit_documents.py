"""How cross-account-audit reads IAM policy documents: normalised as IAM reads them, compared, and asked
who they let assume a role. No pulumi, no boto3: plain documents in, plain answers out.

IAM reads a policy the same whatever the order of its statements or of the values in a list, whether a
single value is written alone or as a one-item list, and whatever the case of an action (``STS:assumerole``
is ``sts:AssumeRole``) or of a condition key (IAM User Guide, "IAM JSON policy elements": Action, and
"Condition element": condition key names are not case-sensitive). A ``Sid`` is a label IAM does not
evaluate. A document without ``Version`` is read as ``2008-10-17`` (IAM User Guide, "IAM JSON policy
elements: Version"), where policy variables are plain text: the version is compared too.

Also here: a document shown with its external ids hidden, a trust policy's statements compared with
the stack's (external ids by digest), the roles an identity policy grants, and the time before which
the console's "Revoke active sessions" deny revokes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from .connection import HIDDEN
from .documents import external_id_digest, with_external_ids
from .iam.grammar import ACCOUNT_ID_RE as ACCOUNT_RE

OLD_POLICY_VERSION = "2008-10-17"
"""The version IAM reads a document without ``Version`` as."""
ASSUME_ROLE = "sts:AssumeRole"
UNIQUE_ID_RE = re.compile(r"A(?:RO|ID|GP)A[A-Z0-9]{12,124}", re.ASCII)
"""A principal IAM shows by its unique id: the user or role it named was deleted (and maybe recreated)."""


def document_of(value: Any) -> Any:
    """A policy document as IAM returns it: boto3 gives an object, or URL-encoded JSON."""
    if isinstance(value, str):
        return json.loads(unquote(value))
    return value


def values_of(value: Any) -> list[Any]:
    """A policy element's values: a lone value is a one-item list."""
    return value if isinstance(value, list) else [value]


def statements_of(document: Any) -> list[Any]:
    if not isinstance(document, Mapping):
        return []
    return values_of(document.get("Statement", []))


def _sorted_unique(items: Iterable[Any]) -> list[Any]:
    unique = {json.dumps(i, sort_keys=True): i for i in items}
    return [unique[k] for k in sorted(unique)]


def _principal(value: Any, partition: str) -> Any:
    if value == "*":
        return {"AWS": ["*"]}  # "Principal": "*" is {"AWS": "*"} (IAM User Guide, Principal element)
    if not isinstance(value, Mapping):
        return value
    out = {}
    for kind, names in sorted(value.items()):
        items = []
        for name in values_of(names):
            if kind == "AWS" and isinstance(name, str) and ACCOUNT_RE.fullmatch(name):
                name = f"arn:{partition}:iam::{name}:root"  # an account id is its root ARN
            items.append(name)
        out[kind] = _sorted_unique(items)
    return out


def _condition(value: Any) -> Any:
    if not isinstance(value, Mapping):
        return value
    out: dict[str, Any] = {}
    for operator, block in sorted(value.items()):
        if not isinstance(block, Mapping):
            out[operator] = block
            continue
        keys: dict[str, Any] = {}
        for key, given in block.items():
            folded = key.lower() if isinstance(key, str) else key
            keys[folded] = _sorted_unique(
                [
                    *keys.get(folded, []),
                    *(v if isinstance(v, str) else json.dumps(v) for v in values_of(given)),
                ]
            )
        out[operator] = dict(sorted(keys.items()))
    return out


def normalised_statement(statement: Any, partition: str) -> Any:
    """One statement as IAM reads it: no Sid, actions in lower case, every list sorted and unique,
    a lone value a list, an account id principal its root ARN, condition keys in lower case, a number or
    boolean condition value the text it is written as (quotes are optional in a policy)."""
    if not isinstance(statement, Mapping):
        return statement
    out: dict[str, Any] = {}
    for key, value in statement.items():
        if key == "Sid":
            continue
        if key in ("Action", "NotAction"):
            out[key] = _sorted_unique(str(a).lower() for a in values_of(value))
        elif key in ("Resource", "NotResource"):
            out[key] = _sorted_unique(values_of(value))
        elif key in ("Principal", "NotPrincipal"):
            out[key] = _principal(value, partition)
        elif key == "Condition":
            out[key] = _condition(value)
        else:
            out[key] = value
    return dict(sorted(out.items()))


def statement_key(statement: Any, partition: str) -> str:
    return json.dumps(normalised_statement(statement, partition), sort_keys=True)


def version_of(document: Any) -> str:
    version = document.get("Version") if isinstance(document, Mapping) else None
    return str(version) if version else OLD_POLICY_VERSION


def differences(expected: Any, live: Any, partition: str) -> tuple[list[Any], list[Any]]:
    """(statements only ``live`` has, statements only ``expected`` has), each as it stands in its
    document, compared as IAM reads them. A different Version is every statement differing."""
    want = {statement_key(s, partition): s for s in statements_of(expected)}
    have = {statement_key(s, partition): s for s in statements_of(live)}
    if version_of(expected) != version_of(live):
        return [have[k] for k in sorted(have)], [want[k] for k in sorted(want)]
    return [have[k] for k in sorted(have) if k not in want], [want[k] for k in sorted(want) if k not in have]


def pattern_matches(pattern: Any, value: str, *, fold: bool) -> bool:
    """IAM's wildcard match (``*`` any run, ``?`` one character) of ``pattern`` against all of ``value``."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in str(pattern))
    flags = re.DOTALL | (re.IGNORECASE if fold else 0)
    return re.fullmatch(regex, value, flags) is not None


def _covers(patterns: list[Any], values: list[Any], *, fold: bool) -> bool:
    """Every value is matched by one of the patterns (a value that is itself a wildcard only by one
    that matches its text, so ``*`` is covered only by ``*``)."""
    return all(any(pattern_matches(p, str(v), fold=fold) for p in patterns) for v in values)


def _narrower_or_equal(live: Mapping[str, Any], expected: Mapping[str, Any]) -> bool:
    """Whether the Allow statement ``live`` grants no more than ``expected``: its actions and resources
    within the expected ones, and at least every condition of the expected statement."""
    for key in ("NotAction", "NotResource", "Principal", "NotPrincipal"):
        if live.get(key) != expected.get(key):
            return False
    if "Action" in live and not _covers(expected.get("Action", []), live["Action"], fold=True):
        return False
    if "Resource" in live and not _covers(expected.get("Resource", []), live["Resource"], fold=False):
        return False
    want = expected.get("Condition") or {}
    have = live.get("Condition") or {}
    for operator, block in want.items():
        if not isinstance(block, Mapping) or not isinstance(have.get(operator), Mapping):
            return False
        for key, values in block.items():
            if key not in have[operator] or not set(map(str, have[operator][key])) <= set(map(str, values)):
                return False
    return True


def widens(expected: Any, live: Any, partition: str) -> bool:
    """Whether ``live`` may grant more than ``expected``: an Allow statement not within one of the
    expected Allow statements (more actions or resources, fewer conditions, a NotAction or
    NotResource), or an expected Deny statement gone."""
    want = [normalised_statement(s, partition) for s in statements_of(expected)]
    have = [normalised_statement(s, partition) for s in statements_of(live)]
    allowed = [s for s in want if isinstance(s, Mapping) and s.get("Effect") == "Allow"]
    for statement in have:
        if not isinstance(statement, Mapping):
            return True
        if statement.get("Effect") == "Allow" and not any(_narrower_or_equal(statement, e) for e in allowed):
            return True
    denied = [s for s in want if isinstance(s, Mapping) and s.get("Effect") == "Deny"]
    return any(d not in have for d in denied)


def grants_everything(document: Any) -> bool:
    """Whether an Allow statement grants every action (* or *:*) on every resource."""
    for statement in statements_of(document):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        actions = values_of(statement.get("Action", []))
        resources = values_of(statement.get("Resource", []))
        if any(a in ("*", "*:*") for a in actions) and "*" in resources:
            return True
    return False


def allows_action(statement: Mapping[str, Any], action: str) -> bool:
    """Whether the statement's Action (or NotAction) takes in ``action``."""
    if "NotAction" in statement:
        return not any(pattern_matches(a, action, fold=True) for a in values_of(statement["NotAction"]))
    return any(pattern_matches(a, action, fold=True) for a in values_of(statement.get("Action", [])))


def _resource_in(statement: Mapping[str, Any], role_arn: str) -> bool:
    if "NotResource" in statement:
        return not any(pattern_matches(r, role_arn, fold=False) for r in values_of(statement["NotResource"]))
    return any(pattern_matches(r, role_arn, fold=False) for r in values_of(statement.get("Resource", [])))


def may_assume(documents: Iterable[Any], role_arn: str) -> bool:
    """Whether identity policies ``documents`` allow sts:AssumeRole on ``role_arn``: an Allow whose
    Action matches it (``sts:AssumeRole``, ``sts:*``, ``*``, ``sts:Assume*``) or whose NotAction leaves it
    out, on a Resource that matches the ARN (``*``, a pattern) or a NotResource that leaves it out; and
    no Deny of it without a condition. An Allow with conditions counts: it allows when they hold."""
    allowed = False
    for document in documents:
        for statement in statements_of(document):
            if not isinstance(statement, Mapping):
                continue
            if not allows_action(statement, ASSUME_ROLE) or not _resource_in(statement, role_arn):
                continue
            if statement.get("Effect") == "Deny" and not statement.get("Condition"):
                return False
            if statement.get("Effect") == "Allow":
                allowed = True
    return allowed


def principal_arn_patterns(trust: Any) -> list[str] | None:
    """The aws:PrincipalArn patterns every Allow statement of a trust policy requires (ArnLike,
    ArnEquals, StringLike or StringEquals), or None when a statement lets any principal of the
    trusted account in."""
    patterns: list[str] = []
    for statement in statements_of(trust):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        found = None
        for operator, block in (statement.get("Condition") or {}).items():
            if operator.split(":")[-1] not in ("ArnLike", "ArnEquals", "StringLike", "StringEquals"):
                continue
            for key, value in (block or {}).items() if isinstance(block, Mapping) else ():
                if str(key).lower() == "aws:principalarn":
                    found = [str(v) for v in values_of(value)]
        if found is None:
            return None
        patterns += found
    return patterns


def aws_principals(statement: Any) -> list[str]:
    principal = statement.get("Principal") if isinstance(statement, Mapping) else None
    if not isinstance(principal, Mapping):
        return [principal] if isinstance(principal, str) else []
    return [p for p in values_of(principal.get("AWS", [])) if isinstance(p, str)]


def without_unique_ids(document: Any) -> Any:
    """The document without unique-id principals (their own finding says what they are)."""
    statements = []
    for statement in statements_of(document):
        if not isinstance(statement, Mapping):
            statements.append(statement)
            continue
        principal = statement.get("Principal")
        if isinstance(principal, Mapping) and "AWS" in principal:
            kept = [
                p
                for p in values_of(principal["AWS"])
                if not (isinstance(p, str) and UNIQUE_ID_RE.fullmatch(p))
            ]
            principal = (
                {**principal, "AWS": kept} if kept else {k: v for k, v in principal.items() if k != "AWS"}
            )
            statement = {**statement, "Principal": principal}
        statements.append(statement)
    return {**document, "Statement": statements} if isinstance(document, Mapping) else document


def masked(document: Any) -> Any:
    """A document to show: every external id replaced by <hidden>."""
    return with_external_ids(document, lambda _: HIDDEN)


def external_ids(document: Any) -> list[str]:
    """The external id values of a document (to keep them out of every line printed)."""
    found: list[str] = []
    with_external_ids(document, found.append)
    return found


def statement_diff(expected: Any, live: Any, partition: str) -> tuple[list[Any], list[Any]]:
    """(statements only the live document has, statements only the expected one has), compared as IAM
    reads them (``audit_documents``), external ids by digest; each statement as it stands in its document."""

    def keyed(document: Any) -> dict[str, Any]:
        hashed = with_external_ids(document, external_id_digest)
        return {
            statement_key(s, partition): original
            for s, original in zip(statements_of(hashed), statements_of(document), strict=True)
        }

    want, have = keyed(expected), keyed(live)
    if version_of(expected) != version_of(live):
        return [have[k] for k in sorted(have)], [want[k] for k in sorted(want)]
    added = [have[k] for k in sorted(have) if k not in want]
    removed = [want[k] for k in sorted(want) if k not in have]
    return added, removed


def allows_assume_action(statement: Mapping[str, Any]) -> bool:
    return allows_action(statement, ASSUME_ROLE)


def _action_matches(pattern: Any, action: str) -> bool:
    """IAM's match of an action pattern (``*`` and ``?``, without case) against ``action``."""
    return pattern_matches(pattern, action, fold=True)


def granted_roles(document: Any) -> set[str]:
    """The resources of the Allow statements that grant sts:AssumeRole: by an Action pattern that
    matches it (``sts:Assume*`` too), or by a NotAction that leaves it out. A NotResource allow
    grants every role it does not name: it shows as ``NotResource: <its values>``."""
    roles: set[str] = set()
    for statement in statements_of(document):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        if "NotAction" in statement:
            grants = not any(_action_matches(a, ASSUME_ROLE) for a in values_of(statement["NotAction"]))
        else:
            grants = any(_action_matches(a, ASSUME_ROLE) for a in values_of(statement.get("Action", [])))
        if not grants:
            continue
        if "NotResource" in statement:
            roles.add("NotResource: " + ", ".join(str(r) for r in values_of(statement["NotResource"])))
        roles.update(str(r) for r in values_of(statement.get("Resource", [])))
    return roles


def revoked_before(document: Any) -> str | None:
    """The aws:TokenIssueTime before which sessions are denied, when ``document`` is the deny the console's
    "Revoke active sessions" writes (AWSRevokeOlderSessions) and nothing else: every statement a Deny of
    every action on every resource, under one DateLessThan aws:TokenIssueTime condition. Else None."""
    statements = statements_of(document)
    times = []
    for statement in statements:
        if not isinstance(statement, Mapping) or set(statement) - {
            "Sid",
            "Effect",
            "Action",
            "Resource",
            "Condition",
        }:
            return None
        if statement.get("Effect") != "Deny" or values_of(statement.get("Action")) != ["*"]:
            return None
        condition = statement.get("Condition")
        if (
            values_of(statement.get("Resource")) != ["*"]
            or not isinstance(condition, Mapping)
            or len(condition) != 1
        ):
            return None
        [(operator, block)] = condition.items()
        if operator != "DateLessThan" or not isinstance(block, Mapping) or len(block) != 1:
            return None
        [(key, value)] = block.items()
        if (
            key.lower() != "aws:tokenissuetime"
            or len(values_of(value)) != 1
            or not isinstance(values_of(value)[0], str)
        ):
            return None
        times.append(values_of(value)[0])
    return max(times) if times else None  # the latest: every session issued before it is denied


def instant(text: str) -> datetime:
    """An aws:TokenIssueTime bound as a time (one that does not parse sorts first: it revokes nothing)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def org_ids_of(document: Any) -> set[str]:
    """The aws:PrincipalOrgID values a document's conditions name."""
    found: set[str] = set()
    for statement in statements_of(document):
        condition = statement.get("Condition") if isinstance(statement, Mapping) else None
        for block in (condition or {}).values() if isinstance(condition, Mapping) else ():
            for key, value in block.items() if isinstance(block, Mapping) else ():
                if str(key).lower() == "aws:principalorgid":
                    found.update(str(v) for v in values_of(value))
    return found
