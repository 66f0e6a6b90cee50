"""Stack files and stack outputs, read one way by every tool that reads them.

``python -m program.plan``, ``python -m program.deployer``, the tests' harness
(``stack_file_config``) and ``make local`` read a stack's config here: Pulumi.yaml's
``default:`` values, then the stack file, as the Pulumi CLI merges them and hands them to
the program. They accept and refuse the same files with the same one line
(``StackFileError``), before the program runs:

- a file that is missing, not UTF-8, not YAML, or not a map with a ``config:`` map;
- a config key that is not a ``<namespace>:<name>`` string (an integer key, say);
- a value nested deeper than any IAM document needs, or larger than a stack file holds
  (the message is the program's own, naming the key);
- a key set twice (the CLI's YAML reader refuses it too).

A ``{secure: <ciphertext>}`` value (``pulumi config set --secret``) is never decrypted: it
is read as a stand-in (``plan-secret-<n>``, valid as an external id) and its key is marked
secret. The values of secure keys and of keys named like a secret or a credential
(``aws:secretKey``, ``aws:token``, ``externalId``, ...) are ``hidden_values``, which no
tool prints. Dates stay text, as the CLI gives them (``expiresAt: 2027-03-31T23:59:59Z``
unquoted is the string, not a datetime).

``read_json`` reads a JSON outputs file (``--outputs``) as ``cross-account-audit --stack-outputs``
does, with ``cross_account.stack_outputs.read_outputs_file``: one line for a file that is missing,
larger than 64 MiB, not UTF-8, not JSON, nested thousands deep or not a JSON object. Nothing here talks to AWS,
and importing it loads no pulumi module (the checks it shares with the program are loaded when a
value needs them), so a console script can read files with it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from cross_account.iam.grammar import SECRET_NAME_RE
from cross_account.limits import MAX_NESTING
from cross_account.stack_outputs import (
    MAX_JSON_NESTING as MAX_JSON_NESTING,
    MAX_NODES as MAX_NODES,
    OutputsFileError,
    json_size,
    read_outputs_file,
)

PROJECT = "cross-account-access"
SECURE_PLACEHOLDER = "plan-secret-{}"
"""The value a secure config value is read as (valid as an external id); never shown."""
ALWAYS_SECRET_KEYS = ("externalId", "externalIds", "deploymentRoleExternalId")
"""Keys of the project whose values the program makes secret even when the stack file holds them in plain text."""
ALLOWED_ACCOUNTS_KEY = "aws:allowedAccountIds"
"""The AWS provider's own guard: the accounts ``pulumi up`` may deploy the stack in (pulumi_aws/config/vars.py)."""


class StackFileError(Exception):
    """A stack file, or a JSON file, no tool can read: the message is one line (exit code 2)."""


# -- reading a file -------------------------------------------------------------------------------


def read_text(path: Path, missing: str) -> str:
    """The file as UTF-8 text; ``missing`` is the one line for a file that is not there."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise StackFileError(missing) from None
    except OSError as error:
        raise StackFileError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise StackFileError(
            f"{path} is not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None


class _Loader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    """YAML as the Pulumi CLI reads a stack file: a date stays text, a key set twice is an error.

    On libyaml (in PyYAML's wheels) where it is there: Pulumi.yaml parses in 3 ms instead of 27, and
    every run of the program, the plan and the deployer reads it."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _SetTwice(Exception):
    def __init__(self, key: Any, first: int, again: int) -> None:
        super().__init__(f"key {key!r} is set twice (lines {first} and {again})")


def _mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if not isinstance(key, (str, int, float, bool)):
            continue  # a map or list as a key: refused as not <namespace>:<name> where it matters
        if key in seen:
            raise _SetTwice(key, seen[key], key_node.start_mark.line + 1)
        seen[key] = key_node.start_mark.line + 1
    mapping: dict[Any, Any] = loader.construct_mapping(node)
    return mapping


LIBYAML_TOO_DEEP = "exceeded maximum nesting depth"
"""libyaml's own refusal of a document nested over 1,000 levels."""

_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def read_yaml(path: Path, missing: str) -> Any:
    """The YAML document of ``path``; a file that is not YAML (or nests past reason) is one line."""
    text = read_text(path, missing)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except _SetTwice as error:
        raise StackFileError(f"{path}: {error}: keep one") from None
    except yaml.YAMLError as error:
        if getattr(error, "problem", None) != LIBYAML_TOO_DEEP:
            mark = getattr(error, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark is not None else ""
            raise StackFileError(f"{path} is not valid YAML{where}") from None
    except RecursionError:  # the constructor recurses once per level: a few hundred levels stop it
        pass
    raise StackFileError(
        f"{path} nests maps and lists hundreds of levels deep, deeper than any stack file needs "
        f"({MAX_NESTING} levels)"
    ) from None


def read_json(path: Path, flag: str) -> dict[str, Any]:
    """The JSON object of an outputs file (``flag`` names where it was given); every failure is one line,
    the one ``cross-account-audit --stack-outputs`` gives for the same file, after its own flag."""
    try:
        return read_outputs_file(path, flag)
    except OutputsFileError as error:
        raise StackFileError(str(error)) from None


# -- a stack's config ---------------------------------------------------------------------------------


def _is_secure(value: Any) -> bool:
    """A value the CLI stores encrypted (``pulumi config set --secret``): ``{secure: <ciphertext>}``."""
    return isinstance(value, dict) and set(value) == {"secure"}


def project_defaults(project_file: Path) -> dict[str, Any]:
    """The ``default:`` of every key of Pulumi.yaml's ``config:`` block, under the project's namespace."""
    project = read_yaml(project_file, f"no project file {project_file}")
    if not isinstance(project, dict):
        raise StackFileError(f"{project_file} is not a Pulumi project file: expected a map")
    name = project_name(project)
    return {
        (key if ":" in key else f"{name}:{key}"): spec["default"]
        for key, spec in (project.get("config") or {}).items()
        if isinstance(spec, dict) and "default" in spec
    }


def project_name(project: Mapping[str, Any]) -> str:
    name = project.get("name", PROJECT)
    return name if isinstance(name, str) else PROJECT


def shown_key(key: str, project: str = PROJECT) -> str:
    """A key as the program's errors name it: without the project's namespace."""
    return key.removeprefix(f"{project}:")


def named_secret(key: str) -> bool:
    """A key whose name says it holds a secret or a credential (``aws:secretKey``, ``externalId``, ...)."""
    return SECRET_NAME_RE.search(key.rpartition(":")[2]) is not None


@dataclass(frozen=True)
class StackConfig:
    """A stack file over Pulumi.yaml's defaults: what the program would read."""

    values: dict[str, Any]
    """Every key, namespaced; each secure value replaced by a placeholder."""
    secret_keys: frozenset[str]
    """The keys (namespaced) that hold a secure value."""
    stack_keys: tuple[str, ...]
    """The keys the stack file sets, in its order."""
    placeholders: tuple[str, ...] = ()
    """The values read in place of the secure values."""
    secure_key_of: dict[str, str] = field(default_factory=dict)
    """The key each placeholder stands in for."""
    project: str = PROJECT

    @property
    def hidden_keys(self) -> frozenset[str]:
        """The keys no tool shows the value of: secure, made secret by the program, or named like a secret."""
        always = {f"{self.project}:{k}" for k in ALWAYS_SECRET_KEYS}
        return frozenset(k for k in self.values if k in self.secret_keys or k in always or named_secret(k))

    @property
    def hidden_values(self) -> list[str]:
        """Every string no tool prints: the placeholders and each string inside a hidden key's value
        (a JSON text's strings too)."""
        return [*self.placeholders, *(s for key in self.hidden_keys for s in string_leaves(self.values[key]))]

    def allowed_account_ids(self) -> tuple[str, ...]:
        """``aws:allowedAccountIds`` checked (12-digit ids, quoted), or () when the stack file sets none."""
        value = self.values.get(ALLOWED_ACCOUNTS_KEY)
        if value is None:
            return ()
        from cross_account import validation as check  # loads pulumi: only when the key is set

        try:
            return check.string_list(ALLOWED_ACCOUNTS_KEY, value, check.account_id)
        except check.InvalidInputError as error:
            raise StackFileError(str(error)) from None


def read_stack_file(stack_file: Path, missing: str | None = None, project: str = PROJECT) -> dict[str, Any]:
    """The ``config:`` of a stack file as written (secure values as they are), checked; {} when empty."""
    document = read_yaml(stack_file, missing or f"no stack file {stack_file}")
    if document is None:
        document = {}  # an empty stack file: no config of its own, as the CLI reads it
    if not isinstance(document, dict) or not isinstance(document.get("config") or {}, dict):
        raise StackFileError(f"{stack_file} is not a Pulumi stack file: expected a map with a config: map")
    values: dict[Any, Any] = document.get("config") or {}
    for key, value in values.items():
        if not isinstance(key, str) or not key.partition(":")[0] or not key.partition(":")[2]:
            raise StackFileError(
                f"{stack_file}: config key {key!r} is not <namespace>:<name>, as `pulumi config set` "
                f"writes it (e.g. {project}:roleName)"
            )
        depth, nodes = json_size(value, MAX_NESTING)
        if depth > MAX_NESTING or nodes > MAX_NODES:
            from cross_account.validation import too_deep  # loads pulumi: only for this error

            raise StackFileError(str(too_deep(shown_key(key, project))))
    return values


def read_stack_config(stack_file: Path, project_file: Path, *, missing: str | None = None) -> StackConfig:
    """Pulumi.yaml's defaults overlaid with the stack file; secure values become placeholders (never decrypted)."""
    defaults = project_defaults(project_file)
    project = project_name(read_yaml(project_file, f"no project file {project_file}"))
    stack_values = read_stack_file(stack_file, missing, project)
    placeholders: list[str] = []
    secure_key_of: dict[str, str] = {}
    secret: set[str] = set()

    def unsecure(key: str, value: Any) -> Any:
        if _is_secure(value):
            secret.add(key)
            placeholders.append(SECURE_PLACEHOLDER.format(len(placeholders) + 1))
            secure_key_of[placeholders[-1]] = key
            return placeholders[-1]
        if isinstance(value, dict):
            return {k: unsecure(key, v) for k, v in value.items()}
        if isinstance(value, list):
            return [unsecure(key, v) for v in value]
        return value

    values = dict(defaults)
    for key, value in stack_values.items():
        values[key] = unsecure(key, value)
    return StackConfig(
        values, frozenset(secret), tuple(stack_values), tuple(placeholders), secure_key_of, project
    )


def string_leaves(value: Any) -> list[str]:
    """Every string inside ``value``, and inside each string that is a JSON array or object."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):
            return [value]
        return [value, *(string_leaves(parsed) if isinstance(parsed, (list, dict)) else [])]
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in string_leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in string_leaves(v)]
    return []


def stack_file(root: Path, stack: str) -> Path:
    return root / f"Pulumi.{stack}.yaml"


def no_stack_file(
    root: Path, stack: str, path: Path, other_file: str = "--config FILE names another file"
) -> str:
    """The one line for a stack without a stack file: which stacks have one."""
    stacks = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))
    return (
        f"no stack file {path}: stack {stack!r} has no config here "
        f"(stacks with one: {', '.join(stacks) or 'none'}; {other_file})"
    )


def read_stack(root: Path, stack: str, config_file: Path | None = None) -> StackConfig:
    """The config of ``stack`` of the project in ``root``: its stack file, or ``config_file`` instead."""
    path = config_file if config_file is not None else stack_file(root, stack)
    return read_stack_config(path, root / "Pulumi.yaml", missing=no_stack_file(root, stack, path))


def config_strings(values: Mapping[str, Any], project: str = PROJECT) -> dict[str, str]:
    """Config values as the CLI hands them to a program: arrays/objects as JSON, bools lowercase."""
    out = {}
    for key, value in values.items():
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(value, bool):
            out[full] = "true" if value else "false"
        elif isinstance(value, (list, dict)):
            out[full] = json.dumps(value)
        else:
            out[full] = str(value)
    return out
