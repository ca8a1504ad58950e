"""`python -m bench` (`make bench`): every benchmark module's `main()`, one after another."""

import importlib
import pkgutil

import bench

for module_info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda m: m.name):
    if module_info.name.startswith("_"):
        continue
    module = importlib.import_module(f"bench.{module_info.name}")
    if hasattr(module, "main"):
        print(f"== bench.{module_info.name}")
        module.main([])
