"""The program run under Pulumi mocks, every registration recorded: the machinery of ``make plan``
(program/plan.py) and of the tests (tests/conftest.py imports it through program.plan).

``execute`` runs a body (the real ``__main__.py``: ``run_main_py``) under fresh mocks with a
stack's config, and returns its resolved outputs (gathered with ``Output.all(...).apply(...)``),
every RegisterResource request with its options and secret markers, and the error that ended
it; ``error_line`` is the one line ``pulumi up`` ends with for that error.
"""

from __future__ import annotations

import asyncio
import logging
import runpy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "cross-account-access"
ORGANIZATION = "organization"
"""The organization of a DIY backend (and of stack reference names such as organization/<project>/<stack>)."""
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
    provider: str = ""
    """The provider reference (``<provider urn>::<id>``) of a custom resource; "" for the default."""
    protect: bool = False
    delete_before_replace_defined: bool = False
    """The program said delete_before_replace (True or False), which overrides the provider's choice."""
    ignore_changes: tuple[str, ...] = ()
    """Inputs whose changes the engine ignores (it keeps the deployed values)."""


@dataclass
class Run:
    """What a program run under mocks produced."""

    outputs: dict[str, Any]
    secret_outputs: frozenset[str]
    registrations: list[Registration] = field(default_factory=list)
    invokes: list[str] = field(default_factory=list)
    error: Exception | None = None
    resolved: bool = True
    """The outputs were gathered (False: the run ended before they resolved)."""

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

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.recorded: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
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
                    ignore_changes=tuple(request.ignoreChanges),
                )
            )
        return response


def execute(
    body: Callable[[], Mapping[str, Any] | None],
    mocks: pulumi.runtime.Mocks,
    *,
    stack: str,
    config: Mapping[str, str],
    secret_keys: Iterable[str] = (),
    project: str = PROJECT,
    logger: logging.Logger | None = None,
) -> Run:
    """Run ``body`` under fresh mocks with ``config`` (full keys, CLI strings); an error ends in ``Run.error``.

    The outputs are the stack's exports (or what ``body`` returns), resolved with
    ``Output.all(...).apply(...)``; ``logger`` receives what the program logs.
    """
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.settings.ROOT.set(None)
    pulumi.runtime.set_all_config(dict(config), secret_keys=list(secret_keys))
    pulumi.runtime.set_mocks(
        mocks,
        project=project,
        stack=stack,
        preview=False,
        organization=ORGANIZATION,
        monitor=monitor,
        logger=logger,
    )
    box: dict[str, Any] = {}

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program() -> Any:
        outputs = body()
        if outputs is None:
            outputs = pulumi.runtime.settings.get_root_resource().outputs  # type: ignore[union-attr]
        names = list(outputs)
        values = [pulumi.Output.from_input(outputs[n]) for n in names]
        secrets: pulumi.Output[list[bool]] = pulumi.Output.from_input(
            asyncio.gather(*(v.is_secret() for v in values))
        )

        def keep(resolved: list[Any]) -> None:
            box["outputs"] = dict(zip(names, resolved[0], strict=True))
            box["secret"] = frozenset(n for n, s in zip(names, resolved[1], strict=True) if s)

        return pulumi.Output.all(pulumi.Output.all(*values), secrets).apply(keep)

    invokes: list[str] = getattr(mocks, "invokes", [])
    try:
        program()
    except Exception as error:  # noqa: BLE001 - the caller decides what a failure means
        return Run({}, frozenset(), monitor.recorded, invokes, error=error, resolved=False)
    return Run(
        box.get("outputs", {}),
        box.get("secret", frozenset()),
        monitor.recorded,
        invokes,
        resolved="outputs" in box,
    )


def run_main_py(root: Path = ROOT) -> Callable[[], None]:
    """A body that runs the real ``__main__.py`` of ``root``."""

    def main() -> None:
        runpy.run_path(str(root / "__main__.py"), run_name="__main__")

    return main


def error_line(error: BaseException) -> str:
    """The one line pulumi up ends with: the program's own error, not the wrapper of an input it failed."""
    seen: list[BaseException] = []
    queue: list[BaseException | None] = [error]
    while queue:  # both links of each error: a wrapper is its own cause, the program's error its context
        cause = queue.pop(0)
        if cause is None or any(cause is e for e in seen):
            continue
        if isinstance(cause, pulumi.RunError):
            error = cause
            break
        seen.append(cause)
        queue += [cause.__cause__, cause.__context__]
    lines = [line for line in str(error).splitlines() if line.strip()] or [type(error).__name__]
    return lines[-1].split("has risen: ")[-1]
