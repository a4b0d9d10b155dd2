"""The sealed result store: damaged parts are refused by every reader and re-run by a
resume, the journal survives a torn line, one writer at a time, the user's umask, a full
disk leaves the store intact, an unreachable Dask scheduler leaves nothing behind, and
pool workers end with the batch process."""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from circsim.errors import InputError, ResourceError
from circsim.sim.fingerprint import model_fingerprint
from circsim.workbench import store as store_module
from circsim.workbench.experiment import load_experiment
from circsim.workbench.runner import make_executor, run_experiment
from circsim.workbench.store import JOURNAL, ResultStore, open_store
from storekit import tree_digest

ROOT = Path(__file__).resolve().parents[2]

#: 2 scenarios x 2 replicates = 4 runs of a few tenths of a second
TINY = f"""
baseline = "{(ROOT / "scenarios" / "baseline.toml").as_posix()}"
name = "tiny"
replicates = 2
seed = 11
scale = 20000
end_year = 2007

[scenarios.baseline]
[scenarios.fellows]
levers.overseas_fellowships = {{ enabled = true, start_year = 2005, fellows_per_year = 20000 }}
"""


def _experiment(directory: Path, body: str = TINY) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "exp.toml"
    path.write_text(body, encoding="utf-8")
    return path


def _tables(store: ResultStore) -> dict[str, pd.DataFrame]:
    out = {}
    for name in ("indicators", "flows"):
        df = store.table(name)
        out[name] = df.sort_values(list(df.columns)).reset_index(drop=True)
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The tiny experiment's file and an intact serial store of it."""
    base = tmp_path_factory.mktemp("sealed")
    exp = _experiment(base)
    run_experiment(load_experiment(exp), base / "store", executor="serial", progress=False)
    return exp, base / "store"


@pytest.fixture
def copy(reference: tuple[Path, Path], tmp_path: Path) -> Path:
    """A copy of the intact store to damage."""
    shutil.copytree(reference[1], tmp_path / "store")
    return tmp_path / "store"


def _part(store_dir: Path, table: str = "indicators") -> Path:
    return sorted((store_dir / f"{table}.parquet").glob("*.parquet"))[0]


def _delete(part: Path) -> None:
    part.unlink()


def _nan(part: Path) -> None:
    df = pd.read_parquet(part)
    df["value"] = float("nan")
    df.to_parquet(part)


def _other_run(part: Path) -> None:
    other = sorted(part.parent.glob("*.parquet"))[-1]
    shutil.copyfile(other, part)


def _truncate(part: Path) -> None:
    part.write_bytes(part.read_bytes()[:100])


def _symlink(part: Path) -> None:
    target = part.with_name("elsewhere.bin")
    part.rename(target)
    part.symlink_to(target)


DAMAGE = {"deleted": _delete, "nan values": _nan, "another run's content": _other_run, "truncated": _truncate}
DAMAGE["symlinked"] = _symlink


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_a_damaged_part_is_refused_by_readers_and_rerun_by_resume(damage, reference, copy):
    exp, intact = reference
    part = _part(copy)
    run_id = part.stem
    DAMAGE[damage](part)
    with pytest.raises(InputError) as err:
        open_store(copy).indicators()
    assert run_id in str(err.value) and "indicators.parquet" in str(err.value)
    assert open_store(copy).verify()[run_id]
    # a resume runs exactly the damaged run again, and the store is whole again
    store = run_experiment(load_experiment(exp), copy, executor="serial", progress=False)
    assert all(problem is None for problem in store.verify().values())
    again, ref = _tables(open_store(copy)), _tables(open_store(intact))
    for name in again:
        pd.testing.assert_frame_equal(again[name], ref[name])
    journal = [json.loads(line) for line in (copy / JOURNAL).read_text().splitlines()]
    assert [e["run_id"] for e in journal if e["event"] == "invalidated"] == [run_id]


def test_a_torn_last_journal_line_is_a_run_not_finished(reference, copy):
    exp, _ = reference
    journal = copy / JOURNAL
    lines = journal.read_text().splitlines()
    runs = [json.loads(line) for line in lines if json.loads(line)["event"] == "run"]
    # keep all but the last run's line, and half of it, as a writer killed mid-write leaves it
    last = json.dumps(runs[-1])
    kept = [
        line
        for line in lines
        if json.loads(line).get("run_id") != runs[-1]["run_id"] and json.loads(line)["event"] != "finished"
    ]
    journal.write_text("\n".join(kept) + "\n" + last[: len(last) // 2])
    store = open_store(copy)
    assert runs[-1]["run_id"] not in store.done()
    assert len(store.done()) == len(runs) - 1
    run_experiment(load_experiment(exp), copy, executor="serial", progress=False)
    assert len(open_store(copy).done()) == len(runs)


def test_a_damaged_journal_line_in_the_middle_is_refused(copy):
    journal = copy / JOURNAL
    lines = journal.read_text().splitlines()
    lines[1] = "{not json"
    journal.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="damaged journal at line 2"):
        open_store(copy)


@pytest.mark.parametrize("bad", ["[]", '{"runs": []}', '{"runs": {"a": 1}}', "", "\x00\x01"])
def test_a_damaged_manifest_is_one_input_error(bad, copy):
    (copy / "manifest.json").write_text(bad)
    with pytest.raises(InputError, match="manifest"):
        open_store(copy)


def test_a_second_writer_is_refused_while_the_first_holds_the_store(reference, copy):
    exp, _ = reference
    first = ResultStore(copy)
    experiment = load_experiment(exp)
    first.open_for(experiment.text, str(exp), experiment.points, [], model_fingerprint(experiment.spec.calibrated))
    try:
        with pytest.raises(InputError, match="being written by another circsim batch"):
            run_experiment(experiment, copy, executor="serial", progress=False)
    finally:
        first.close()
    run_experiment(experiment, copy, executor="serial", progress=False)  # free again


def test_files_follow_the_umask_and_temporary_files_are_cleaned(reference, tmp_path):
    exp, _ = reference
    old = os.umask(0o027)
    try:
        store = run_experiment(load_experiment(exp), tmp_path / "s", executor="serial", progress=False)
    finally:
        os.umask(old)
    for path in (store.path / "manifest.json", store.path / "runs.parquet", _part(store.path)):
        assert path.stat().st_mode & 0o777 == 0o640, path
    left = store.path / "indicators.parquet" / f"{store_module.TMP_PREFIX}x.parquet.abc"
    left.write_bytes(b"half a part")
    run_experiment(load_experiment(exp), store.path, executor="serial", progress=False)
    assert not left.exists()


def test_a_full_disk_stops_the_batch_and_keeps_the_store(reference, tmp_path, monkeypatch):
    exp, _ = reference
    experiment = load_experiment(exp)
    out = tmp_path / "full"
    calls = {"n": 0}
    real = pd.DataFrame.to_parquet

    def filling(self, path, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 3:  # the disk fills up during the second run
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", filling)
    with pytest.raises(ResourceError, match="no space left"):
        run_experiment(experiment, out, executor="serial", progress=False)
    monkeypatch.undo()
    store = open_store(out)
    assert len(store.done()) == 1  # the first run is kept and intact
    assert all(problem is None for problem in store.verify().values())
    assert not list(out.rglob(f"{store_module.TMP_PREFIX}*"))
    run_experiment(experiment, out, executor="serial", progress=False)
    assert len(open_store(out).done()) == len(experiment.runs)


def test_an_unreachable_scheduler_is_bad_input_and_leaves_nothing(reference, tmp_path):
    exp, _ = reference
    began = time.monotonic()
    with (
        pytest.raises(InputError, match="cannot reach the Dask scheduler"),
        make_executor("dask", scheduler="tcp://127.0.0.1:1", connect_timeout=1.0),
    ):
        pass
    assert time.monotonic() - began < 10
    out = tmp_path / "never"
    with pytest.raises(InputError):
        run_experiment(load_experiment(exp), out, executor="dask", scheduler="tcp://127.0.0.1:1")
    assert not out.exists()


def _children(pid: int) -> set[int]:
    kids = set()
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        ppid = next((line.split()[1] for line in text.splitlines() if line.startswith("PPid:")), None)
        if ppid == str(pid):
            kids.add(int(status.parent.name))
    return kids


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "State:\tZ" not in state


def test_pool_workers_end_with_a_killed_batch(tmp_path):
    slow = TINY.replace("scale = 20000", "scale = 1000").replace("end_year = 2007", "end_year = 2020")
    exp = _experiment(tmp_path, slow)
    proc = subprocess.Popen(
        [sys.executable, "-m", "circsim.cli", "batch", str(exp), "--out", str(tmp_path / "s"), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        journal = tmp_path / "s" / JOURNAL
        while time.monotonic() < deadline and not (journal.is_file() and journal.read_text().count("\n") >= 1):
            time.sleep(0.1)  # the workers are up once a run has finished
        workers = {k for k in _children(proc.pid) if "spawn_main" in Path(f"/proc/{k}/cmdline").read_text()}
        assert len(workers) == 2, "the pool did not start"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_verify_compare_and_resume_on_the_command_line(reference, copy, capsys):
    from circsim.cli.main import main

    exp, _ = reference
    assert main(["verify", str(copy)]) == 0
    assert "4 of 4 finished runs intact" in capsys.readouterr().out
    part = _part(copy)
    _nan(part)
    assert main(["verify", str(copy)]) == 1
    out = capsys.readouterr().out
    assert f"damaged: {part.stem}: indicators.parquet/{part.name} was altered" in out
    assert "3 of 4 finished runs intact" in out
    assert main(["compare", str(copy), "--out", str(copy.parent / "report")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("circsim: error:") and part.stem in err[0]
    assert not (copy.parent / "report").exists()
    assert main(["batch", str(exp), "--out", str(copy), "--resume", "--executor", "serial", "--quiet"]) == 0
    assert "4 of 4 runs done" in capsys.readouterr().out
    assert main(["verify", str(copy)]) == 0


@pytest.mark.parametrize("table", ["indicators", "flows"])
def test_a_part_folder_that_is_a_file_is_refused_before_a_resume_says_anything(reference, copy, capsys, table):
    from circsim.cli.main import main

    exp, _ = reference
    folder = copy / f"{table}.parquet"
    shutil.rmtree(folder)
    folder.write_bytes(b"not a folder")
    assert main(["batch", str(exp), "--out", str(copy), "--resume", "--executor", "serial"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("circsim: error:") and "is not a directory of parts" in err[0]
    assert captured.out == "" and folder.read_bytes() == b"not a folder"  # nothing run, nothing touched
    for command in (["verify", str(copy)], ["compare", str(copy), "--out", str(copy.parent / "r")]):
        assert main(command) == 2
        assert "is not a directory of parts" in capsys.readouterr().err


def test_a_manifest_planning_other_runs_is_refused_before_a_resume_says_anything(reference, copy, capsys):
    """A run added to the plan by hand: one error line, no plan line before it, nothing run."""
    from circsim.cli.main import main

    exp, _ = reference
    manifest = copy / "manifest.json"
    plan = json.loads(manifest.read_text())
    first = next(iter(plan["runs"].values()))
    extra = {**first, "run_id": f"{first['run_id']}-x", "replicate": 50}
    manifest.write_text(json.dumps({**plan, "runs": {**plan["runs"], extra["run_id"]: extra}}))
    before = tree_digest(copy)
    assert main(["batch", str(exp), "--out", str(copy), "--resume", "--executor", "serial"]) == 2
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and "planned runs are not those of the experiment" in err[0]
    assert captured.out == "" and tree_digest(copy) == before


def test_a_store_made_by_another_model_is_not_resumed(reference, copy, monkeypatch, capsys):
    """Runs of an older model (its code, data or calibrated values changed since) are never
    mixed with new ones: resuming is refused in one line naming the store, before anything
    is written, and the store is left as it was."""
    from circsim.cli.main import main
    from circsim.workbench import runner

    exp, _ = reference
    before = tree_digest(copy)
    assert json.loads((copy / "manifest.json").read_text())["model"] == runner.model_fingerprint(True)
    monkeypatch.setattr(runner, "model_fingerprint", lambda calibrated: "0123456789abcdef")
    with pytest.raises(InputError, match="another version of the model"):
        run_experiment(load_experiment(exp), copy, executor="serial", progress=False)
    assert main(["batch", str(exp), "--out", str(copy), "--resume", "--executor", "serial", "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "another version of the model" in err[0] and str(copy) in err[0]
    assert tree_digest(copy) == before


def test_the_model_fingerprint_covers_the_calibrated_values():
    from circsim.sim.fingerprint import model_fingerprint
    from circsim.sim.inputs import calibrated_values

    assert model_fingerprint(False) == model_fingerprint(False)
    assert (model_fingerprint(True) != model_fingerprint(False)) == bool(calibrated_values())
