"""The live page's paired batch (circsim.workbench.paired_batch): the settings split into a
baseline without levers and a package with them, both as ordinary experiment files; bad
settings refused before a folder is written; the runs paired (same seeds), the listener
told every run and able to stop the batch, which then resumes from the command line."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from circsim.cli.main import main
from circsim.errors import InputError
from circsim.sim.input_files import read_toml
from circsim.workbench.compare import MIN_PAIRS
from circsim.workbench.paired_batch import (
    MAX_REPLICATES,
    paired_comparison,
    plan_paired_batch,
    run_paired_batch,
)
from circsim.workbench.store import open_store

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "scenarios" / "contact_window.toml"
#: A world override (kept in both halves) and the run shortened to a few years.
WORLD = {"model.end_year": 2030, "countries.JP.renewal_prob": 0.5}
COARSE = 4000.0


def _plan(tmp_path: Path, base: dict | None = None, overrides: dict | None = None, replicates: int = MIN_PAIRS):
    base = read_toml(POLICY) if base is None else base
    return plan_paired_batch(base, str(POLICY), {**WORLD, **(overrides or {})}, scale=COARSE, seed=5,
                             replicates=replicates, results=tmp_path / "results")  # fmt: skip


def test_the_baseline_keeps_the_world_and_drops_every_lever(tmp_path: Path):
    extra = {"levers.overseas_fellowships.enabled": True, "levers.overseas_fellowships.start_year": 2027}
    batch = _plan(tmp_path, overrides=extra)
    read = {f: tomllib.loads((batch.folder / f).read_text()) for f in ("baseline.toml", "package.toml")}
    assert "levers" not in read["baseline.toml"]  # the file's contact window is off in the baseline
    assert read["baseline.toml"]["model"]["end_year"] == 2030
    assert read["baseline.toml"]["countries"]["JP"]["renewal_prob"] == 0.5
    assert set(read["package.toml"]["levers"]) == {"contact_window", "overseas_fellowships"}
    assert set(batch.levers) == {"overseas_fellowships", "contact_window"}
    assert batch.years == [2030]
    runs = batch.experiment.runs
    assert len(runs) == 2 * MIN_PAIRS
    seeds = {r.scenario: [x.seed for x in runs if x.scenario == r.scenario] for r in runs}
    assert seeds["baseline"] == seeds["package"]  # common random numbers


@pytest.mark.parametrize(
    ("overrides", "replicates", "message"),
    [
        ({"levers.contact_window.enabled": False}, MIN_PAIRS, r"key 'levers'.*no lever is on"),
        ({"levers.contact_window.start_year": 2031}, MIN_PAIRS, r"levers\.contact_window\.start_year.*2031"),
        ({}, MIN_PAIRS - 1, rf"replicates.*allowed: {MIN_PAIRS} to {MAX_REPLICATES}"),
        ({"levers.contact_window.visibility_gain": 7.0}, MIN_PAIRS, r"visibility_gain"),
    ],
)
def test_settings_that_cannot_make_a_paired_batch_are_refused_before_anything_is_written(
    tmp_path: Path, overrides: dict, replicates: int, message: str
):
    with pytest.raises(InputError, match=message):
        _plan(tmp_path, overrides=overrides, replicates=replicates)
    assert not (tmp_path / "results").exists() or not any((tmp_path / "results").iterdir())


def test_a_paired_batch_runs_compares_and_stops_and_resumes(tmp_path: Path):
    batch = _plan(tmp_path)
    told: list[tuple[int, int, int]] = []

    def stop_after_three(done: int, total: int, failed: int) -> None:
        told.append((done, total, failed))
        if done == 3:
            raise KeyboardInterrupt  # what the page's Stop raises, through the same path

    with pytest.raises(KeyboardInterrupt):
        run_paired_batch(batch, stop_after_three, workers=1)
    assert told[0] == (0, 2 * MIN_PAIRS, 0) and told[-1][0] == 3
    assert (open_store(batch.store_path).runs()["status"] == "done").sum() >= 3  # recorded runs stay
    # the folder is an ordinary experiment: the command line finishes it
    assert main(["batch", str(batch.folder / "experiment.toml"), "--out", str(batch.store_path), "--quiet"]) == 0
    store = open_store(batch.store_path)
    assert (store.runs()["status"] == "done").sum() == 2 * MIN_PAIRS
    comp = paired_comparison(batch, store, "JP")
    assert set(comp.effects["scenario"]) == {"package"}
    assert set(comp.effects["period"]) == {"2030", "cumulative"}
    assert (comp.effects["n_pairs"] == MIN_PAIRS).all()


def test_a_results_folder_that_cannot_be_written_is_one_message(tmp_path: Path):
    (tmp_path / "results").write_text("a file where the folder should be")
    with pytest.raises(
        InputError, match=r"results/page-[\d-]+: cannot be written \((FileExistsError|NotADirectoryError)"
    ):
        _plan(tmp_path)
    batch = _plan(tmp_path / "ok")
    with pytest.raises(InputError, match="cannot be written"):  # the same name twice: never mixed
        plan_paired_batch(read_toml(POLICY), str(POLICY), WORLD, scale=COARSE, seed=5, replicates=MIN_PAIRS,
                          results=batch.folder.parent, name=batch.folder.name)  # fmt: skip


def test_two_batches_in_the_same_second_get_two_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import circsim.workbench.paired_batch as pb

    class Frozen(pb.datetime):
        @classmethod
        def now(cls, tz=None):
            return pb.datetime(2026, 12, 6, 15, 0, 0)

    monkeypatch.setattr(pb, "datetime", Frozen)
    first, second = _plan(tmp_path), _plan(tmp_path)
    assert (first.folder.name, second.folder.name) == ("page-20261206-150000", "page-20261206-150000-2")
