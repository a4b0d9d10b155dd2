"""Input limits checked before parsing or allocating: file size and kind, path length,
dotted keys, nesting depth, design size, experiment names, empty files, design tables
that are not CSV tables of numbers, and a scale too fine for the machine's memory. Each
is one InputError naming the file, quick, and never echoing the file's content."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from circsim.errors import InputError
from circsim.sim.input_files import MAX_DEPTH, MAX_FILE_BYTES, read_toml
from circsim.sim.model import CirculationModel
from circsim.sim.scenario import load_scenario
from circsim.workbench.experiment import MAX_RUNS, load_experiment

ROOT = Path(__file__).resolve().parents[2]
BASELINE = (ROOT / "scenarios" / "baseline.toml").as_posix()
SECRET = "TOP_SECRET_VALUE_42"


def _write(tmp_path: Path, text: str | bytes, name: str = "f.toml") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


HOSTILE_TOML = {
    "nested arrays": ("a = " + "[" * 1000 + "]" * 1000, "nested too deeply"),
    "nested tables": ("a = " + "{b = " * 40 + "1" + "}" * 40, "nested too deeply"),
    "long table header": ("[" + ".".join(["a"] * 200_000) + "]\n", "too many dotted parts"),
    "long dotted key": (".".join(["k"] * 40) + " = 1\n", "too many dotted parts"),
    "too large": ("x = 1\n" * (MAX_FILE_BYTES // 6 + 10), "too large"),
    "not utf-8": (b"name = '\xff\xfe'\n", "not UTF-8"),
    "not toml": (f"{SECRET} ::: [[\n", "not valid TOML"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_TOML))
def test_hostile_toml_is_one_quick_input_error(case, tmp_path):
    text, fragment = HOSTILE_TOML[case]
    path = _write(tmp_path, text)
    began = time.perf_counter()
    with pytest.raises(InputError) as err:
        read_toml(path)
    assert time.perf_counter() - began < 2.0
    assert fragment in str(err.value) and str(path) in str(err.value)
    assert SECRET not in str(err.value)


def test_nesting_up_to_the_limit_is_read(tmp_path):
    path = _write(tmp_path, "a = " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1))
    assert "a" in read_toml(path)


@pytest.mark.parametrize("path", ["/proc/self/environ", "/dev/zero", "/etc"])
def test_special_files_are_not_read(path):
    with pytest.raises(InputError, match="not a regular file"):
        read_toml(path)


def test_a_300_character_name_is_too_long(tmp_path):
    with pytest.raises(InputError, match="path too long") as err:
        read_toml(tmp_path / ("x" * 300 + ".toml"))
    assert len(str(err.value)) < 300


def test_an_empty_scenario_file_is_refused(tmp_path):
    with pytest.raises(InputError, match="is empty"):
        load_scenario(_write(tmp_path, "# nothing but a comment\n"))


EXP = f'baseline = "{BASELINE}"\nscale = 20000\nend_year = 2005\n'


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ('name = "../../x"\n[scenarios.a]\n', "name"),
        ('name = "/abs/path"\n[scenarios.a]\n', "name"),
        ('name = ".hidden"\n[scenarios.a]\n', "name"),
        ('[scenarios.a]\nfile = ""\n', "scenarios.a.file"),
        ('baseline = ""\n[scenarios.a]\n', "baseline"),
        ("[scenarios.a]\n[design]\nmethod = 'table'\nfile = ''\n", "design.file"),
    ],
)
def test_bad_names_and_empty_paths_in_experiments(body, fragment, tmp_path):
    head = EXP.replace(f'baseline = "{BASELINE}"\n', "") if "baseline =" in body else EXP
    path = _write(tmp_path, head + body)
    with pytest.raises(InputError) as err:
        load_experiment(path)
    assert fragment in str(err.value)


def test_an_empty_package_file_is_refused(tmp_path):
    _write(tmp_path, "", "empty.toml")
    path = _write(tmp_path, EXP + "[scenarios.a]\nfile = 'empty.toml'\n", "exp.toml")
    with pytest.raises(InputError, match="is empty"):
        load_experiment(path)


@pytest.mark.parametrize(
    "design",
    [
        "method = 'latin_hypercube'\nsamples = 100000\n",
        "method = 'sobol'\nsamples = 60000\n",
        "method = 'morris'\nsamples = 90000\n",
    ],
)
def test_designs_too_large_are_refused_before_sampling(design, tmp_path):
    body = EXP + "replicates = 100\n[scenarios.a]\n[uncertainties.return_logit_base]\nlow = -3\nhigh = -1\n"
    body += "[uncertainties.visit_logit_base]\nlow = -4\nhigh = -3\n[design]\n" + design
    path = _write(tmp_path, body)
    began = time.perf_counter()
    with pytest.raises(InputError, match=r"too large|too many runs") as err:
        load_experiment(path)
    assert time.perf_counter() - began < 2.0
    assert f"{MAX_RUNS:,}" in str(err.value) or "points" in str(err.value)


def test_ten_thousand_replicates_of_many_points_are_refused(tmp_path):
    body = EXP + "replicates = 10000\n[scenarios.a]\n[scenarios.b]\n"
    body += (
        "[uncertainties.return_logit_base]\nlow = -3\nhigh = -1\n[design]\nmethod = 'latin_hypercube'\nsamples = 50\n"
    )
    with pytest.raises(InputError, match="too many runs"):
        load_experiment(_write(tmp_path, body))


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        (f"{SECRET}=1,PATH=/usr/bin\n1,2\n", "column 1 is not named by a parameter path"),
        ("return_logit_base\nabc\n", "finite numbers"),
        (b"\x00\x01\x02\xff", "CSV"),
        ("", "CSV"),
    ],
)
def test_design_tables_must_be_csv_tables_of_numbers(table, fragment, tmp_path):
    _write(tmp_path, table, "t.csv")
    body = EXP + "[scenarios.a]\n[design]\nmethod = 'table'\nfile = 't.csv'\nsamples = 2\n"
    with pytest.raises(InputError) as err:
        load_experiment(_write(tmp_path, body))
    assert fragment in str(err.value)
    assert SECRET not in str(err.value)


@pytest.mark.parametrize("secret_file", ["/proc/self/environ", "/etc/passwd"])
def test_a_design_table_never_echoes_a_system_file(secret_file, tmp_path):
    body = EXP + f"[scenarios.a]\n[design]\nmethod = 'table'\nfile = '{secret_file}'\nsamples = 2\n"
    with pytest.raises(InputError) as err:
        load_experiment(_write(tmp_path, body))
    message = str(err.value)
    assert "root:" not in message and "PATH=" not in message and "HOME" not in message


@pytest.mark.parametrize("scale", [1e-6, 1e-300])
def test_a_scale_too_fine_for_the_memory_is_refused_before_allocating(scale):
    began = time.perf_counter()
    with pytest.raises(InputError) as err:
        CirculationModel(rng=0, scale=scale, end_year=2005)
    assert time.perf_counter() - began < 5.0
    assert "GiB" in str(err.value) and "model.scale" in str(err.value) and "scale >=" in str(err.value)


def test_an_experiment_at_a_scale_too_fine_fails_at_load(tmp_path):
    with pytest.raises(InputError, match="GiB"):
        load_experiment(_write(tmp_path, EXP.replace("scale = 20000", "scale = 1e-6") + "[scenarios.a]\n"))
