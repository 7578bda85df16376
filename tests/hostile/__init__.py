"""The hostile-input corpus of issue 14: every case found by hostile testing, as a fixture.

Each module covers one area (``test_cli``, ``test_sweeps``, ``test_files``,
``test_engines`` ...); fixture files live in ``corpus/<area>/``. Every case states its
expected outcome (a located error, an exit code, a warning, a right number) and counts
itself with :func:`tests.conftest.tally`, so the suite's tally of hostile inputs grows.
"""
