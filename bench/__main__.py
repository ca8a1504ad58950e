"""`python -m bench`: every benchmark in turn."""

import importlib

# `import` is a keyword, so that module is loaded by name.
BENCHMARKS = [
    importlib.import_module(f"bench.{name}").main for name in ("import", "plans", "documents")
]

for run in BENCHMARKS:
    run([])
