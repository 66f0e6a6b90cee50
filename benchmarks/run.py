"""Benchmark: the real program under Pulumi mocks, one fresh process per run.

    .venv/bin/python benchmarks/run.py [--repeat 5] [--max-count 1000] [--series stacks ...]
    .venv/bin/python benchmarks/run.py --root /tmp/before --root .    # compare two checkouts
    .venv/bin/python benchmarks/run.py --gc default --gc off           # what GC tuning would bring

Each run is a new Python process (``benchmarks/run.py --child <case>``) that
starts the mocks, sets the stack's config and runs the real ``__main__.py``
(of ``--root``, with that checkout's components), as the tests do but without
pytest. The parent measures the wall time from process start to exit; the
child reports its CPU time and peak RSS (``getrusage``) and what it
registered, and checks its own outputs (a run whose outputs do not match what
it registered fails the benchmark).

The floor is the cheapest possible Pulumi program on the same mocks: a process
that imports ``pulumi`` and ``pulumi_aws.iam`` and registers one ``aws.iam.Role``.
Every case is repeated and reported as the median; repeats are interleaved so
drift on the machine hits every case alike.

Cases:
- ``stacks N``: trusted side, ``trustingStacks`` with N stacks (one
  StackReference each, every stack exporting one roleArn), one user, one group;
- ``roleArns N``: trusted side, N ARNs in ``roleArns``, one user, one group;
- ``accounts N``: trusting side, N ``trustedAccountIds`` (``trustPolicySizeLimit``
  4096, the raised quota, so that 100 accounts fit);
- ``rollout N``: trusting side, N ``targetAccountIds`` (none of them the deploying
  account): one ``aws.Provider`` and one ``TrustingAccountRole`` (role and
  attachment) per account, as a stack run from the management account builds them;
- ``rolloutStackSet N``: trusting side, ``rolloutMode: stackset`` on one organizational
  unit whose organizations invoke lists N accounts: one StackSet and one instance, whatever N;
- ``rolloutFloor N``: the least any such rollout costs, for comparison: a program
  that registers, per account, one ``aws.Provider`` assuming a role there, and one
  ``aws.iam.Role`` and one ``aws.iam.RolePolicyAttachment`` through it, and nothing else.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "cross-account-access"
ORGANIZATION = "organization"
TRUSTED_ACCOUNT = "222222222222"
TRUSTING_ACCOUNT = "111111111111"
FIRST_ACCOUNT = 100000000000
UNIT = "ou-ab12-cdefgh34"
DESCENDANTS = (
    "aws:organizations/getOrganizationalUnitDescendantAccounts:getOrganizationalUnitDescendantAccounts"
)


@dataclass(frozen=True)
class Case:
    """One benchmark case: a series (floor, stacks, roleArns, accounts) and a size."""

    series: str
    count: int

    @property
    def spec(self) -> str:
        return f"{self.series}:{self.count}"


SERIES = {
    "stacks": (1, 10, 100, 1000),
    "roleArns": (1, 10, 100, 1000),
    "accounts": (1, 10, 100),
    "rollout": (1, 10, 100, 1000),
    "rolloutFloor": (1, 10, 100, 1000),
    "rolloutStackSet": (1, 10, 100, 1000, 5000),
}


def cases(max_count: int, series: Sequence[str] = tuple(SERIES)) -> list[Case]:
    """The floor, then each series asked for, smallest first."""
    found = [Case("floor", 1)]
    for name in series:
        found += [Case(name, n) for n in SERIES[name] if n <= max_count]
    return found


# The child: one run of the program (or of the floor) under mocks ------------


def account(index: int) -> str:
    return f"{FIRST_ACCOUNT + index:012d}"


def role_arn(index: int) -> str:
    return f"arn:aws:iam::{account(index)}:role/cross-account-role"


def stack_name(index: int) -> str:
    return f"{ORGANIZATION}/{PROJECT}/trusting-{index:04d}"


def case_config(case: Case) -> tuple[str, dict[str, Any], dict[str, dict[str, Any]]]:
    """The stack name, the config (short keys) and the referenced stacks' outputs."""
    n = case.count
    if case.series == "stacks":
        stacks = [stack_name(i) for i in range(n)]
        outputs = {s: {"roleArn": role_arn(i)} for i, s in enumerate(stacks)}
        return "trusted", {"trustingStacks": stacks, "userNames": ["alice"], "groupNames": ["ops"]}, outputs
    if case.series == "roleArns":
        arns = [role_arn(i) for i in range(n)]
        return "trusted", {"roleArns": arns, "userNames": ["alice"], "groupNames": ["ops"]}, {}
    if case.series == "accounts":
        ids = [account(i) for i in range(n)]
        return "trusting", {"trustedAccountIds": ids, "trustPolicySizeLimit": 4096}, {}
    if case.series == "rollout":
        targets = [account(i) for i in range(n)]
        return "trusting", {"trustedAccountIds": [TRUSTED_ACCOUNT], "targetAccountIds": targets}, {}
    if case.series == "rolloutFloor":
        return "trusting", {}, {}
    if case.series == "rolloutStackSet":
        config = {
            "trustedAccountIds": [TRUSTED_ACCOUNT],
            "targetOrganizationalUnitIds": [UNIT],
            "rolloutMode": "stackset",
        }
        return "trusting", config, {}
    return "floor", {}, {}


def config_strings(values: dict[str, Any]) -> dict[str, str]:
    return {
        f"{PROJECT}:{k}": json.dumps(v) if isinstance(v, (list, dict)) else str(v) for k, v in values.items()
    }


def child(case: Case, gc_mode: str = "default", root: Path = ROOT) -> dict[str, Any]:
    """Run one case of the program in ``root`` in this process under mocks; return what it registered."""
    started = time.perf_counter()
    import pulumi
    from pulumi.runtime.mocks import MockMonitor

    # pulumi.runtime.test is untyped: its type, named once, keeps the decorated body checked.
    run_under_mocks: Callable[[Callable[[], Any]], Callable[[], None]] = pulumi.runtime.test

    if gc_mode != "default":
        import gc

        gc.freeze() if gc_mode == "freeze" else gc.disable()

    stack, config, stack_outputs = case_config(case)

    class Mocks(pulumi.runtime.Mocks):
        def __init__(self) -> None:
            self.provider_accounts: dict[str, str] = {}
            """Provider id -> the account of the role it assumes."""

        def account_of(self, provider: str | None, default: str) -> str:
            return self.provider_accounts.get((provider or "").rsplit("::", 1)[-1], default)

        def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
            state = dict(args.inputs)
            if args.typ == "pulumi:providers:aws":
                role_arn = json.loads(state["assumeRoles"])[-1]["roleArn"]
                self.provider_accounts[f"{args.name}-id"] = role_arn.split(":")[4]
                return f"{args.name}-id", state
            default = TRUSTING_ACCOUNT if stack in ("trusting", "floor") else TRUSTED_ACCOUNT
            account_id = self.account_of(args.provider, default)
            prefix = f"arn:aws:iam::{account_id}"
            if args.typ == "aws:iam/role:Role":
                state["arn"] = f"{prefix}:role{state.get('path', '/')}{state['name']}"
                return state["name"], state
            if args.typ == "aws:iam/policy:Policy":
                state["arn"] = f"{prefix}:policy{state.get('path', '/')}{state['name']}"
                return state["arn"], state
            if args.typ == "pulumi:pulumi:StackReference":
                name = args.inputs["name"]
                return name, {"name": name, "outputs": stack_outputs[name]}
            if args.typ == "aws:cloudformation/stackSet:StackSet":
                state["arn"] = f"arn:aws:cloudformation:us-east-1:{account_id}:stackset/{state['name']}:1"
                return state["name"], state
            return f"{args.name}-id", state

        def call(self, args: pulumi.runtime.MockCallArgs) -> Any:
            if args.token == "aws:index/getPartition:getPartition":
                return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
            if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
                caller = self.account_of(args.provider, TRUSTED_ACCOUNT)
                arn = f"arn:aws:iam::{caller}:user/deployer"
                return {"accountId": caller, "arn": arn, "userId": "AIDA", "id": caller}
            if args.token == "aws:index/getRegion:getRegion":
                return {"name": "us-east-1", "region": "us-east-1", "id": "us-east-1"}
            if args.token == DESCENDANTS:
                organization = f"arn:aws:organizations::{TRUSTING_ACCOUNT}:account/o-abcdefghij"
                accounts = [
                    {
                        "id": account(i),
                        "arn": f"{organization}/{account(i)}",
                        "state": "ACTIVE",
                        "status": "ACTIVE",
                    }
                    for i in range(case.count)
                ]
                return {"accounts": accounts, "id": UNIT, "parentId": UNIT}
            raise NotImplementedError(args.token)

    class CountingMonitor(MockMonitor):
        """Counts registrations and reads (stack references) by type, and policy documents."""

        def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
            super().__init__(mocks)
            self.types: dict[str, int] = {}
            self.policies = 0

        def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
            if request.type != "pulumi:pulumi:Stack":
                self.types[request.type] = self.types.get(request.type, 0) + 1
                fields = request.object.fields
                if "policy" in fields or "assumeRolePolicy" in fields:
                    self.policies += 1
            return cast(Any, super()).RegisterResource(request)  # MockMonitor is untyped

        def ReadResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
            self.types[request.type] = self.types.get(request.type, 0) + 1
            return cast(Any, super()).ReadResource(request)

    mocks = Mocks()
    monitor = CountingMonitor(mocks)
    pulumi.runtime.set_all_config(config_strings(config))
    pulumi.runtime.set_mocks(
        mocks, project=PROJECT, stack=stack, preview=False, organization=ORGANIZATION, monitor=monitor
    )
    box: dict[str, Any] = {}

    @run_under_mocks
    def program() -> Any:
        if case.series == "floor":
            import pulumi_aws.iam as iam

            role = iam.Role(
                "floor",
                name="floor",
                assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []}),
            )
            outputs: dict[str, Any] = {"roleArn": role.arn}
        elif case.series == "rolloutFloor":
            outputs = {"roleArnsByAccount": rollout_floor(case.count)}
        else:
            import runpy

            # The checkout's own program and components (ahead of the editable install).
            sys.path[:0] = [str(root), str(root / "components")]
            runpy.run_path(str(root / "__main__.py"), run_name="__main__")
            outputs = pulumi.runtime.settings.get_root_resource().outputs  # type: ignore[union-attr]
        names = list(outputs)
        return pulumi.Output.all(*(outputs[n] for n in names)).apply(
            lambda values: box.update(outputs=dict(zip(names, values, strict=True)))
        )

    program()
    elapsed = time.perf_counter() - started
    if "outputs" not in box:
        raise SystemExit(f"{case.spec}: the outputs never resolved")
    check_outputs(case, box["outputs"], monitor.types, monitor.policies)
    return {
        "resources": sum(monitor.types.values()),
        "policies": monitor.policies,
        "types": monitor.types,
        "in_process_s": elapsed,
    }


def rollout_floor(count: int) -> Any:
    """Per account: an aws.Provider assuming a role there, a role and an attachment through it."""
    import pulumi
    import pulumi_aws as aws

    document = json.dumps({"Version": "2012-10-17", "Statement": []})
    arns = {}
    for index in range(count):
        target = account(index)
        provider = aws.Provider(
            f"floor-{target}",
            assume_roles=[
                aws.ProviderAssumeRoleArgs(
                    role_arn=f"arn:aws:iam::{target}:role/OrganizationAccountAccessRole"
                )
            ],
            opts=pulumi.ResourceOptions(),
        )
        through = pulumi.ResourceOptions(provider=provider)
        role = aws.iam.Role(
            f"floor-{target}-role", name="cross-account-role", assume_role_policy=document, opts=through
        )
        aws.iam.RolePolicyAttachment(
            f"floor-{target}-attachment",
            role=role.name,
            policy_arn="arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
            opts=through,
        )
        arns[target] = role.arn
    return pulumi.Output.all(**arns)


def check_outputs(case: Case, outputs: dict[str, Any], types: dict[str, int], policies: int) -> None:
    """Fail the run unless the outputs match what was registered for this case."""
    problems = []
    if case.series in ("stacks", "roleArns"):
        arns = outputs["policyArns"]
        if len(arns) != types.get("aws:iam/policy:Policy") or len(arns) != policies:
            problems.append(f"{len(arns)} policyArns for {policies} policies registered")
        if outputs["roleArns"] != [role_arn(i) for i in range(case.count)]:
            problems.append("roleArns differ from the ARNs given")
        attachments = types.get("aws:iam/userPolicyAttachment:UserPolicyAttachment", 0) + types.get(
            "aws:iam/groupPolicyAttachment:GroupPolicyAttachment", 0
        )
        if attachments != 2 * len(arns):
            problems.append(f"{attachments} attachments for {len(arns)} policies, one user and one group")
    elif case.series == "accounts":
        if outputs["roleArn"] != f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/cross-account-role":
            problems.append(f"roleArn is {outputs['roleArn']!r}")
    elif case.series == "rolloutStackSet":
        expected = {
            account(i): f"arn:aws:iam::{account(i)}:role/cross-account-role" for i in range(case.count)
        }
        if outputs["roleArnsByAccount"] != expected:
            problems.append("roleArnsByAccount differs from the accounts the unit lists")
        constant = {
            "cross-account:index:TrustingRoleRollout": 1,
            "aws:cloudformation/stackSet:StackSet": 1,
            "aws:cloudformation/stackSetInstance:StackSetInstance": 1,
        }
        if types != constant:
            problems.append(f"not one stack set and one instance whatever the accounts: {types}")
    elif case.series in ("rollout", "rolloutFloor"):
        expected = {
            account(i): f"arn:aws:iam::{account(i)}:role/cross-account-role" for i in range(case.count)
        }
        if outputs["roleArnsByAccount"] != expected:
            problems.append("roleArnsByAccount differs from the ARNs of the accounts' roles")
        per_account = ["pulumi:providers:aws", "aws:iam/role:Role"]
        if case.series == "rollout":
            per_account.append("cross-account:index:TrustingAccountRole")
        if any(types.get(t) != case.count for t in per_account) or policies != case.count:
            problems.append(f"not one provider, role and trust policy per account: {types}")
    elif outputs["roleArn"] != f"arn:aws:iam::{TRUSTING_ACCOUNT}:role/floor":
        problems.append(f"floor roleArn is {outputs['roleArn']!r}")
    if problems:
        raise SystemExit(f"{case.spec}: " + "; ".join(problems))


# The parent: run every case in fresh processes, print the table -------------


@dataclass
class Sample:
    """One run of one case, as the parent saw it and the child reported it."""

    wall_s: float
    report: dict[str, Any]


@dataclass(frozen=True)
class Variant:
    """What is measured: the program of one checkout, with one garbage collector setting."""

    root: Path
    gc: str

    def label(self, several_roots: bool) -> str:
        parts = [str(self.root)] if several_roots else []
        if self.gc != "default":
            parts.append(f"gc {self.gc}")
        return ", ".join(parts)


def run_once(case: Case, variant: Variant) -> Sample:
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).resolve()),
            "--child",
            case.spec,
            "--gc",
            variant.gc,
            "--root",
            str(variant.root),
        ],
        cwd=variant.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = process.communicate()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{case.spec} failed ({process.returncode}):\n{err.decode()[-3000:]}")
    return Sample(wall, json.loads(out.decode().strip().splitlines()[-1]))


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "pulumi": version("pulumi"),
        "pulumi-aws": version("pulumi-aws"),
        "os": platform.platform(),
    }


@dataclass
class Row:
    """The medians of one case."""

    case: Case
    wall_s: float
    cpu_s: float
    peak_mib: float
    resources: int
    policies: int


def measure(all_cases: Sequence[Case], repeat: int, variants: Sequence[Variant]) -> dict[Variant, list[Row]]:
    """Every case of every variant, ``repeat`` times, interleaved; the medians per variant."""
    samples: dict[tuple[Variant, Case], list[Sample]] = {(v, c): [] for v in variants for c in all_cases}
    for round_ in range(repeat):
        for case in all_cases:
            for variant in variants:
                samples[variant, case].append(run_once(case, variant))
        print(f"round {round_ + 1}/{repeat} done", file=sys.stderr)
    return {v: medians(all_cases, [samples[v, c] for c in all_cases]) for v in variants}


def medians(all_cases: Sequence[Case], samples: Sequence[list[Sample]]) -> list[Row]:
    rows = []
    for case, runs in zip(all_cases, samples, strict=True):
        counts = {(s.report["resources"], s.report["policies"]) for s in runs}
        if len(counts) != 1:
            raise SystemExit(f"{case.spec}: runs registered different things: {counts}")
        resources, policies = counts.pop()
        rows.append(
            Row(
                case,
                wall_s=statistics.median(s.wall_s for s in runs),
                cpu_s=statistics.median(s.report["cpu_s"] for s in runs),
                peak_mib=statistics.median(s.report["peak_rss_kib"] for s in runs) / 1024,
                resources=resources,
                policies=policies,
            )
        )
    return rows


def per_added(row: Row, before: Row | None, attr: str) -> str:
    """Milliseconds each role (account) added since the previous size of the same series costs."""
    if before is None:
        return "-"
    delta = getattr(row, attr) - getattr(before, attr)
    return f"{delta * 1000 / (row.case.count - before.case.count):.2f}"


def table(rows: Sequence[Row]) -> str:
    floor = rows[0]
    lines = [
        "| case | roles / accounts | wall ms | x floor | wall ms per added role | CPU ms | x floor "
        "| CPU ms per added role | peak RSS MiB | x floor | resources | policies |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    previous: dict[str, Row] = {}
    for row in rows:
        before = previous.get(row.case.series)
        previous[row.case.series] = row
        lines.append(
            f"| {row.case.series} | {row.case.count if row.case.series != 'floor' else '-'} "
            f"| {row.wall_s * 1000:.0f} | {row.wall_s / floor.wall_s:.2f} | {per_added(row, before, 'wall_s')} "
            f"| {row.cpu_s * 1000:.0f} | {row.cpu_s / floor.cpu_s:.2f} | {per_added(row, before, 'cpu_s')} "
            f"| {row.peak_mib:.1f} | {row.peak_mib / floor.peak_mib:.2f} "
            f"| {row.resources} | {row.policies} |"
        )
    return "\n".join(lines)


def summary(rows: Sequence[Row]) -> str:
    floor = rows[0]
    lines = []
    by_series: dict[str, list[Row]] = {}
    for row in rows[1:]:
        by_series.setdefault(row.case.series, []).append(row)
    for series, series_rows in by_series.items():
        first, last = series_rows[0], series_rows[-1]
        line = (
            f"- {series}: {first.case.count} -> {first.wall_s / floor.wall_s:.2f}x the floor's wall time, "
            f"{first.cpu_s / floor.cpu_s:.2f}x its CPU time"
        )
        if last is not first:
            wall = (last.wall_s - first.wall_s) * 1000 / (last.case.count - first.case.count)
            cpu = (last.cpu_s - first.cpu_s) * 1000 / (last.case.count - first.case.count)
            line += (
                f"; from {first.case.count} to {last.case.count}: {wall:.2f} ms wall, "
                f"{cpu:.2f} ms CPU per added one"
            )
        lines.append(line)
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=5, help="runs per case; the median is reported")
    parser.add_argument("--max-count", type=int, default=1000, help="skip cases larger than this")
    parser.add_argument(
        "--series", action="append", choices=tuple(SERIES), help="measure only these (default: all)"
    )
    parser.add_argument(
        "--gc",
        action="append",
        choices=("default", "freeze", "off"),
        help="what each child does to the cyclic garbage collector before the program runs "
        "(to measure whether tuning it would help); repeat to compare",
    )
    parser.add_argument(
        "--root",
        action="append",
        type=Path,
        help="the checkout whose program runs (default: this one); repeat to compare, e.g. with "
        "a `git worktree` of an earlier commit",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    gcs = args.gc or ["default"]
    roots = [r.resolve() for r in args.root or [ROOT]]
    if args.child:
        series, count = args.child.split(":")
        report = child(Case(series, int(count)), gcs[0], roots[0])
        import resource

        usage = resource.getrusage(resource.RUSAGE_SELF)
        report["peak_rss_kib"] = usage.ru_maxrss
        report["cpu_s"] = usage.ru_utime + usage.ru_stime
        print(json.dumps(report))
        return 0
    info = machine()
    variants = [Variant(root, gc) for root in roots for gc in gcs]
    results = measure(cases(args.max_count, args.series or tuple(SERIES)), args.repeat, variants)
    print(f"Machine: {info['cpus']} CPUs, {info['cpu']}, {info['os']}")
    print(f"Python {info['python']}, pulumi {info['pulumi']}, pulumi-aws {info['pulumi-aws']}")
    command = "benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    print(f"Command: .venv/bin/python {command.strip()} (median of {args.repeat} runs per case)")
    for variant, rows in results.items():
        label = variant.label(len(roots) > 1)
        print()
        if label:
            print(f"### {label}")
            print()
        print(table(rows))
        print()
        print(summary(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
