"""Benchmarks of the scenarios library (not tests: nothing here fails on speed).

Run them all with ``.venv/bin/python -m benchmarks.run`` from the repository root; see
``benchmarks/README.md``.
"""
