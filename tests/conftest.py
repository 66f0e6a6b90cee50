"""One Pulumi mocks harness for every test (docs/testing.md, "Pulumi mocks").

``pulumi_run`` runs a body (the real ``__main__.py``, or components built in
Python) under mocks that record every registration, and returns the resolved
outputs and the registrations. The outputs are gathered with
``Output.all(...).apply(...)`` returned from a ``@pulumi.runtime.test``
function, and the harness fails if that apply never ran, so no check can be
skipped silently.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import runpy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "cross-account-access"
ORGANIZATION = "organization"
TRUSTING_ACCOUNT = "111122223333"
TRUSTED_ACCOUNT = "444455556666"
SECRET_SIG = rpc._special_secret_sig  # noqa: SLF001 - the wire marker of a secret value
SIG_KEY = rpc._special_sig_key  # noqa: SLF001


@dataclass
class Registration:
    """One RegisterResource call as the engine would receive it."""

    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    secret_inputs: frozenset[str]
    delete_before_replace: bool
    additional_secret_outputs: tuple[str, ...]
    delete_before_replace_defined: bool = False
    """The program said delete_before_replace (True or False), which overrides the provider's choice."""
    provider: str = ""
    """The provider reference (``<provider urn>::<id>``) of a custom resource; "" for the default."""
    protect: bool = False


@dataclass
class Run:
    """What a program run under mocks produced."""

    outputs: dict[str, Any]
    secret_outputs: frozenset[str]
    registrations: list[Registration] = field(default_factory=list)
    invokes: list[str] = field(default_factory=list)
    error: Exception | None = None

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_]

    def one(self, type_: str) -> Registration:
        found = self.of_type(type_)
        assert len(found) == 1, f"expected one {type_}, got {[r.name for r in found]}"
        return found[0]

    @property
    def aws_resources(self) -> list[Registration]:
        return [r for r in self.registrations if r.type.startswith("aws:")]


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def _unwrap_secrets(value: Any) -> Any:
    if _is_secret(value):
        return _unwrap_secrets(value["value"])
    if isinstance(value, dict):
        return {k: _unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap_secrets(v) for v in value]
    return value


class RecordingMonitor(MockMonitor):
    """The mock monitor, keeping each request's options and secret markers."""

    def __init__(self, mocks: RecordingMocks) -> None:
        super().__init__(mocks)
        self.recorded: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            inputs = rpc.deserialize_properties(request.object)
            self.recorded.append(
                Registration(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    parent=request.parent,
                    custom=request.custom,
                    inputs=_unwrap_secrets(inputs),
                    secret_inputs=frozenset(k for k, v in inputs.items() if _is_secret(v)),
                    delete_before_replace=request.deleteBeforeReplace,
                    additional_secret_outputs=tuple(request.additionalSecretOutputs),
                    provider=request.provider,
                    protect=request.protect,
                    delete_before_replace_defined=request.deleteBeforeReplaceDefined,
                )
            )
        return response


class RecordingMocks(pulumi.runtime.Mocks):
    """Answers like AWS would for the few types and invokes the program uses."""

    def __init__(
        self,
        account_id: str = TRUSTING_ACCOUNT,
        partition: str = "aws",
        stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.account_id = account_id
        self.partition = partition
        self.stack_outputs = dict(stack_outputs or {})
        self.invokes: list[str] = []
        self.stack_references: list[str] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        state = dict(args.inputs)
        plain = _unwrap_secrets(state)  # a name set as a secret still names the resource
        prefix = f"arn:{self.partition}:iam::{self.account_id}"
        if args.typ == "aws:iam/role:Role":
            state["arn"] = f"{prefix}:role{plain.get('path', '/')}{plain['name']}"
            state["uniqueId"] = unique_id("AROA", state["arn"])
            return plain["name"], state
        if args.typ == "aws:iam/policy:Policy":
            state["arn"] = f"{prefix}:policy{plain.get('path', '/')}{plain['name']}"
            return state["arn"], state
        if args.typ == "pulumi:pulumi:StackReference":
            name = args.inputs["name"]
            self.stack_references.append(name)
            if name not in self.stack_outputs:
                raise Exception(f'unknown stack "{name}"')
            return name, {"name": name, "outputs": dict(self.stack_outputs[name])}
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
        self.invokes.append(args.token)
        if args.token == "aws:index/getPartition:getPartition":
            return {"partition": self.partition, "dnsSuffix": "amazonaws.com", "id": self.partition}
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": self.account_id,
                "arn": f"arn:{self.partition}:iam::{self.account_id}:user/deployer",
                "userId": "AIDADEPLOYER",
                "id": self.account_id,
            }
        raise NotImplementedError(f"unexpected invoke {args.token}")


def unique_id(prefix: str, arn: str) -> str:
    """An IAM unique id (AROA..., ANPA...) made from the ARN, so runs are repeatable."""
    return prefix + hashlib.sha256(arn.encode()).hexdigest()[:17].upper()


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


def stack_file_config(stack: str) -> dict[str, Any]:
    """Pulumi.yaml defaults overlaid with Pulumi.<stack>.yaml, as the CLI merges them."""
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    values = {f"{PROJECT}:{k}": v["default"] for k, v in project["config"].items()}
    values.update(yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"])
    return values


def pulumi_run(
    body: Callable[[], Mapping[str, Any] | None],
    *,
    stack: str = "trusting",
    config: Mapping[str, Any] | None = None,
    secret_keys: tuple[str, ...] = (),
    mocks: RecordingMocks | None = None,
    expect_error: bool = False,
    project: str = PROJECT,
) -> Run:
    """Run ``body`` under fresh mocks; return its outputs (the stack's exports if it returns None)."""
    mocks = mocks or RecordingMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.set_all_config(
        config_strings(config or {}, project), secret_keys=[f"{project}:{k}" for k in secret_keys]
    )
    pulumi.runtime.set_mocks(
        mocks,
        project=project,
        stack=stack,
        preview=False,
        organization=ORGANIZATION,
        monitor=monitor,
    )
    box: dict[str, Any] = {}

    @pulumi.runtime.test
    def program() -> Any:
        outputs = body()
        if outputs is None:
            outputs = pulumi.runtime.settings.get_root_resource().outputs  # type: ignore[union-attr]
        names = list(outputs)
        values = [pulumi.Output.from_input(outputs[n]) for n in names]
        secrets = pulumi.Output.from_input(asyncio.gather(*(v.is_secret() for v in values)))

        def keep(resolved: list[Any]) -> None:
            box["outputs"] = dict(zip(names, resolved[0], strict=True))
            box["secret"] = frozenset(n for n, s in zip(names, resolved[1], strict=True) if s)

        return pulumi.Output.all(pulumi.Output.all(*values), secrets).apply(keep)

    try:
        program()
    except Exception as error:
        if not expect_error:
            raise
        return Run({}, frozenset(), monitor.recorded, mocks.invokes, error=error)
    assert not expect_error, "the program was expected to fail, and it did not"
    assert "outputs" in box, "the outputs never resolved: the checks would not have run"
    urns = [r.urn for r in monitor.recorded]
    assert len(urns) == len(set(urns)), f"duplicate URNs, which the engine rejects: {urns}"
    return Run(box["outputs"], box["secret"], monitor.recorded, mocks.invokes)


def run_main(**kwargs: Any) -> Run:
    """Run the real __main__.py under mocks."""

    def main() -> None:
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")

    return pulumi_run(main, **kwargs)


def run_failing(**kwargs: Any) -> Run:
    """Run the real __main__.py expecting it to fail; ``run.error`` is the error."""
    return run_main(expect_error=True, **kwargs)


EXAMPLE_ACCOUNT_WARNING = "an account id AWS's documentation uses as an example, not an account of yours"
"""The words of the warning about an account id AWS documents as a placeholder (program/stacks.py)."""


@dataclass
class Warnings:
    every: list[str] = field(default_factory=list)
    """Every pulumi.log.warn message of the run, in order."""
    others: list[str] = field(default_factory=list)
    """The same but the warnings about placeholder account ids."""


@pytest.fixture
def _warnings(monkeypatch: pytest.MonkeyPatch) -> Warnings:
    found = Warnings()

    def warn(message: str, resource: Any = None, stream_id: Any = None, ephemeral: Any = None) -> None:
        found.every.append(message)
        if EXAMPLE_ACCOUNT_WARNING not in message:
            found.others.append(message)

    monkeypatch.setattr(pulumi.log, "warn", warn)
    return found


@pytest.fixture
def warnings_(_warnings: Warnings) -> list[str]:
    """Every pulumi.log.warn message of the run, in order, but those about the placeholder account ids
    the tests use as their accounts (``every_warning_`` has them too; tests/test_program.py tests them)."""
    return _warnings.others


@pytest.fixture
def every_warning_(_warnings: Warnings) -> list[str]:
    """Every pulumi.log.warn message of the run, in order."""
    return _warnings.every


@pytest.fixture(autouse=True)
def _fresh_pulumi_runtime() -> Any:
    """No test sees the root stack or config of the one before it."""
    yield
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.set_all_config({}, secret_keys=[])
