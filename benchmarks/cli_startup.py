"""Benchmark: how long each console script takes to answer ``--help``, and whether it loads pulumi.

    .venv/bin/python benchmarks/cli_startup.py [--repeat 7] [--source DIR]

Each script runs as its own process (``python -m cross_account.<module> --help``), as a user starts it;
the median wall time of ``--repeat`` runs is printed, with the number of ``pulumi`` modules the import
of that module loads (from a second process). ``--source DIR`` puts another checkout's ``components``
folder first on the path, to measure an earlier version with the same environment, for example:

    git worktree add /tmp/before <commit> && .venv/bin/python benchmarks/cli_startup.py --source /tmp/before
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

SCRIPTS = {
    "cross-account-verify": "verify",
    "cross-account-audit": "audit",
    "cross-account-console": "console",
}
COUNT = "import sys, cross_account.{module}; print(sum(m.split('.')[0] == 'pulumi' for m in sys.modules))"


def environment(source: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source / "components")
    return env


def exists(module: str, env: dict[str, str], source: Path | None) -> bool:
    if source is not None:  # the editable install would find this tree's module for the other's package
        return (source / "components" / "cross_account" / f"{module}.py").exists()
    probe = f"import importlib.util; print(importlib.util.find_spec('cross_account.{module}') is not None)"
    found = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    return found.stdout.strip() == "True"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--source", type=Path)
    args = parser.parse_args()
    env = environment(args.source)
    for script, module in SCRIPTS.items():
        if not exists(module, env, args.source):
            print(f"{script:24} (not in this version)")
            continue
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", f"cross_account.{module}", "--help"],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
            times.append(time.perf_counter() - start)
        loaded = subprocess.run(
            [sys.executable, "-c", COUNT.format(module=module)],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"{script:24} --help median {statistics.median(times):.3f} s, pulumi modules loaded: {loaded}")


if __name__ == "__main__":
    main()
