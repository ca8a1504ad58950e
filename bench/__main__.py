"""`python -m bench` (`make bench`): every benchmark, then one table of all their figures.

Quick by default (small sizes, the whole run in about two minutes on a 2-core machine);
`--full` runs the sizes the issues name (a million-entry book, 20,000-row imports, …).
Each figure stands beside a baseline measured in the same run, so that the ratio means
something on a busy machine; the absolute figures move with the machine's load.

    python -m bench [--full] [--only scale,api] [--postgres URL] [--output FILE]
"""

import argparse
import importlib
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

from bench.common import postgres_server_url, scratch_data_key
from bench.figures import Figure, table
from carefund import clock

BENCHMARKS = ("posting", "import", "plans", "api", "documents", "peer", "scale", "pg_workers")
"""In the order they run. `import` is a keyword, so modules are loaded by name."""
NEEDS_POSTGRES = {"pg_workers"}
"""Benchmarks that measure PostgreSQL alone; skipped (and said so) when none answers."""
NEEDS_PROGRAM = {"peer": "hledger"}
"""Benchmarks against another program; skipped (and said so) when it is not installed."""


def machine() -> str:
    """The machine and the run, for the report: CPUs, memory, Python, date."""
    memory = ""
    try:
        memory = subprocess.run(["free", "-h"], capture_output=True, text=True, check=True).stdout
        memory = " ".join(memory.splitlines()[1].split()[1:2])
    except (OSError, subprocess.CalledProcessError, IndexError):
        memory = "?"
    return (
        f"load: {load()}; "
        f"{os.cpu_count()} CPUs (nproc), {memory} memory, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, {clock.now().isoformat(timespec='minutes')}"
    )


def load() -> str:
    """`uptime`: the machine's load while measured (on a shared machine it decides what the
    absolute figures mean; the same-run ratios mean something whatever it is)."""
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the large sizes (takes long)")
    parser.add_argument("--only", help="comma-separated benchmarks, e.g. scale,api")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="a PostgreSQL server to make scratch databases on "
        "(default: CAREFUND_BENCH_POSTGRES_URL, else 127.0.0.1:5432)",
    )
    parser.add_argument("--output", type=Path, help="also write the table (Markdown) here")
    options = parser.parse_args(argv)
    chosen = options.only.split(",") if options.only else list(BENCHMARKS)
    unknown = sorted(set(chosen) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {BENCHMARKS}")
    if options.postgres:
        os.environ["CAREFUND_BENCH_POSTGRES_URL"] = options.postgres
    postgres = postgres_server_url()
    scratch_data_key()
    mode = "full" if options.full else "quick"

    figures: list[Figure] = []
    problems: list[str] = []
    started = time.perf_counter()
    for name in chosen:
        if name in NEEDS_POSTGRES and postgres is None:
            problems.append(f"{name}: skipped, no PostgreSQL answers")
            continue
        if name in NEEDS_PROGRAM and shutil.which(NEEDS_PROGRAM[name]) is None:
            problems.append(f"{name}: skipped, {NEEDS_PROGRAM[name]} is not installed")
            continue
        print(f"\n=== bench.{name} ({mode}), {load()} ===", flush=True)
        began = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            figures += module.run(quick=not options.full)
        except Exception:  # noqa: BLE001 (one broken benchmark must not hide the others)
            traceback.print_exc()
            problems.append(f"{name}: FAILED (traceback above)")
        print(f"--- bench.{name}: {time.perf_counter() - began:.0f} s", flush=True)

    report = [
        f"carefund benchmarks ({mode}), {time.perf_counter() - started:.0f} s in all",
        f"machine: {machine()}",
        "",
        table(figures),
        *([""] + problems if problems else []),
    ]
    print("\n" + "\n".join(report))
    if options.output:
        options.output.write_text("\n".join(report) + "\n", encoding="utf-8")
    return 1 if any("FAILED" in problem for problem in problems) else 0


if __name__ == "__main__":
    sys.exit(main())
