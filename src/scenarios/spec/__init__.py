"""The file format: facts, claims, outcomes and sources, validated and immutable.

Nothing here reads files or runs an engine: :mod:`scenarios.io` reads files into
these values and :mod:`scenarios.engines` updates them.
"""
