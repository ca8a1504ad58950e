"""`python -m bench`: every benchmark in turn."""

import importlib

# `import` is a keyword, so the modules are loaded by name.
BENCHMARKS = [
    importlib.import_module(f"bench.{name}").main
    for name in ("import", "plans", "api", "documents")
]

for run in BENCHMARKS:
    run([])
