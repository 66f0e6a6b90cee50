"""One Pulumi mocks harness for every test (docs/testing.md, "Pulumi mocks").

``pulumi_run`` runs a body (the real ``__main__.py``, or components built in
Python) under mocks that record every registration, and returns the resolved
outputs and the registrations. The outputs are gathered with
``Output.all(...).apply(...)`` returned from a ``@pulumi.runtime.test``
function, and the harness fails if that apply never ran, so no check can be
skipped silently.
"""

from __future__ import annotations

import hashlib
import json
import runpy
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pytest

# Run as a script too (`.venv/bin/python tests/test_bad_inputs.py` rewrites the docs' tables), where
# pytest's pythonpath setting does not apply: the project's root is where `program` is imported from.
if str(Path(__file__).resolve().parent.parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The harness is the one `make plan` runs the program with (program/harness.py); the test modules
# import these names from here.
from program.harness import (  # noqa: F401, E402
    ORGANIZATION,
    PROJECT,
    ROOT,
    SECRET_SIG,
    SIG_KEY,
    RecordingMonitor,
    Registration,
    Run,
    _unwrap_secrets,
    execute,
)
from program.plan import stack_file_config  # noqa: F401, E402
from program.stackfile import config_strings  # noqa: E402

TRUSTING_ACCOUNT = "111122223333"
TRUSTED_ACCOUNT = "444455556666"
CUSTOMER_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::team-bucket/*"}],
}
"""The default version FakeMocks answers aws:iam/getPolicy with, for every customer-managed policy."""


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
        if args.token == "aws:iam/getPolicy:getPolicy":
            # A customer-managed policy the role gets: the program records its document (auditBaseline).
            return {"arn": args.args["arn"], "policy": json.dumps(CUSTOMER_POLICY), "id": args.args["arn"]}
        raise NotImplementedError(f"unexpected invoke {args.token}")


def unique_id(prefix: str, arn: str) -> str:
    """An IAM unique id (AROA..., ANPA...) made from the ARN, so runs are repeatable."""
    return prefix + hashlib.sha256(arn.encode()).hexdigest()[:17].upper()


def pulumi_run(
    body: Callable[[], Mapping[str, Any] | None],
    *,
    stack: str = "trusting",
    config: Mapping[str, Any] | None = None,
    secret_keys: tuple[str, ...] = (),
    mocks: pulumi.runtime.Mocks | None = None,
    expect_error: bool = False,
    project: str = PROJECT,
) -> Run:
    """Run ``body`` under fresh mocks; return its outputs (the stack's exports if it returns None)."""
    run = execute(
        body,
        mocks or RecordingMocks(),
        stack=stack,
        config=config_strings(config or {}, project),
        secret_keys=[f"{project}:{k}" for k in secret_keys],
        project=project,
    )
    if run.error is not None:
        if not expect_error:
            raise run.error
        return run
    assert not expect_error, "the program was expected to fail, and it did not"
    assert run.resolved, "the outputs never resolved: the checks would not have run"
    urns = [r.urn for r in run.registrations]
    assert len(urns) == len(set(urns)), f"duplicate URNs, which the engine rejects: {urns}"
    return run


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
