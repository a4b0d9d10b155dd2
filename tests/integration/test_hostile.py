"""A sample of the hostile inputs of tests/hostile.py: every one ends with status 0, 1
or 2 within the time limit, never a traceback, and a failing one with one error line."""

from __future__ import annotations

from pathlib import Path

import pytest

from hostile import all_cases, check, split

SAMPLE = 250
#: A hang detector, not a speed test: the slowest case takes about 4.5 s on a quiet
#: machine (docs/reliability.md, where the full run holds every case to 10 s); a loaded
#: test machine must not turn a slow case into a failure.
LIMIT_S = 30.0


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> list:
    work = tmp_path_factory.mktemp("hostile")
    return [check(case, LIMIT_S) for case in all_cases(20261204, split(SAMPLE), work)]


def test_no_hostile_input_gives_a_traceback_a_hang_or_a_bad_message(outcomes):
    problems = [f"{o.case.kind}: {o.case.label}: {o.error}" for o in outcomes if not o.ok]
    assert not problems, "\n".join(problems)


def test_the_sample_covers_every_kind_and_is_mostly_refused(outcomes):
    kinds = {o.case.kind for o in outcomes}
    assert kinds == set(split(SAMPLE))
    assert len(outcomes) == SAMPLE
    refused = sum(o.status == 2 for o in outcomes)
    assert refused > 0.7 * SAMPLE  # hostile inputs: most are bad input, not silently accepted


def test_nothing_is_written_outside_the_scratch_directory(outcomes, tmp_path_factory):
    assert not (Path.cwd() / "results" / "hostile").exists()
