"""`python -m bench`: every benchmark in turn."""

from bench import api

BENCHMARKS = [api.main]

for run in BENCHMARKS:
    run([])
