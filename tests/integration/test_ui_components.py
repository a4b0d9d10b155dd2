"""The interface without a browser: generated controls, each component's content, and
the pages rendered with ``solara.render`` (buttons clicked, fields typed into)."""

from __future__ import annotations

import json
import os
import re
import socket
import sys

import ipyvuetify as v
import pandas as pd
import pytest
import solara
from solara.widgets import VegaLite

from circsim.errors import InputError
from circsim.sim.indicators import PANELS, REGISTRY
from circsim.sim.levers import LEVER_NAMES, Levers
from circsim.sim.model import CirculationModel
from circsim.ui import app, indicator_plots
from circsim.ui.age_bands import AgeBands, age_band_spec, age_bands
from circsim.ui.career_inspector import CareerInspector, candidates, career_path
from circsim.ui.career_pipeline import CareerPipeline, pipeline_flows, pipeline_spec
from circsim.ui.common import with_data
from circsim.ui.controls import Settings, lever_controls, main_controls, parse_number, scenario_files, unit
from circsim.ui.flow_map import FlowMap, flow_map_spec, movers
from circsim.ui.indicator_plots import PANEL_MEMBERS, IndicatorPlots, how_to_read, observed, panel_spec
from circsim.ui.indicator_table import IndicatorTable, indicator_table
from circsim.ui.run_controls import YEAR_CLASS, RunControls, run_status
from circsim.ui.server import ENV_ROOT, ENV_STORE
from circsim.ui.server import main as ui_main
from circsim.ui.settings_panel import ControlWidget, SettingsPanel, amount, shown
from simkit import CODES
from uikit import page_text


@pytest.fixture(scope="module")
def stepped() -> CirculationModel:
    """A coarse model with a career panel, three years simulated."""
    m = CirculationModel(rng=2, scale=2000, end_year=2012, career_sample=3)
    for _ in range(3):
        m.step()
    return m


@pytest.fixture
def in_root(ui_root, monkeypatch):
    monkeypatch.setenv(ENV_ROOT, str(ui_root))
    monkeypatch.delenv(ENV_STORE, raising=False)
    return ui_root


def _png(fig) -> bytes:
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=50)
    return buf.getvalue()


# --- controls ---------------------------------------------------------------------


def test_every_lever_setting_has_a_control():
    controls = lever_controls()
    assert tuple(controls) == LEVER_NAMES
    for name, cs in controls.items():
        cls = type(getattr(Levers(**{name: {}}), name))
        assert [c.key.split(".")[-1] for c in cs] == list(cls.model_fields)
        assert cs[0].kind == "switch"  # enabled first
    fellows = {c.key: c for c in controls["overseas_fellowships"]}
    assert fellows["levers.overseas_fellowships.guarantee"].choices == ("none", "fixed", "permanent")
    assert fellows["levers.overseas_fellowships.fellows_per_year"].kind == "text"  # 0..1e6: typed, not slid
    assert fellows["levers.overseas_fellowships.duration_years"].kind == "slider_int"
    assert "(yen/year)" in fellows["levers.overseas_fellowships.cost_per_fellow_year_yen"].label


def test_a_list_of_partner_countries_is_a_multiple_choice(ui_root):
    members = next(c for c in lever_controls()["joint_programme"] if c.key.endswith(".members"))
    assert members.kind == "multiselect" and members.default == ["UK", "DE", "FR", "OHI"] and "US" in members.choices
    settings = Settings.from_file(ui_root / "scenarios" / "baseline.toml")
    seen = []
    _box, rc = solara.render(ControlWidget(members, members.default, lambda k, val: seen.append((k, val)), None),
                             handle_error=False)  # fmt: skip
    rc.find(v.Select).widget.v_model = ["UK", "US"]
    assert seen == [("levers.joint_programme.members", ["UK", "US"])]
    settings.set(*seen[0])
    settings.set("levers.joint_programme.enabled", True)
    assert settings.scenario.levers.joint_programme.members == ["UK", "US"]
    with pytest.raises(InputError, match=r"levers\.joint_programme\.members"):
        settings.set("levers.joint_programme.members", [])


def test_main_controls_and_units():
    keys = [c.key for c in main_controls()]
    assert "model.end_year" in keys and "model.enable_returns" in keys and "countries.JP.insider_preference" in keys
    assert unit("fellows_per_year") == "people/year" and unit("renewal_prob") == "share"
    assert unit("target_year") == "calendar year" and unit("duration_years") == "years"


def test_values_read_as_money_shares_and_years_never_in_e_notation():
    levers = {c.key: c for cs in lever_controls().values() for c in cs}
    cost = levers["levers.overseas_fellowships.cost_per_fellow_year_yen"]
    assert (shown(7e6), amount(cost, 7e6)) == ("7,000,000", "0.07 億円 a year")  # the report's format_level
    assert parse_number(cost, shown(7e6)) == 7e6  # the field reads back what it shows
    assert amount(levers["levers.joint_programme.membership_fee_yen"], 1.2e9) == "12 億円 a year"  # a yearly fee
    assert amount(levers["levers.university_fund.post_share"], 0.5) == "50.0%"
    assert amount(levers["levers.satreps.start_year"], 2026) == "2026"
    assert (shown(0.12345), shown(2000.0), shown(5)) == ("0.12345", "2,000", "5")


def test_typed_numbers_are_checked():
    c = next(c for c in lever_controls()["embassy_fellows"] if c.key.endswith(".fellows"))
    assert parse_number(c, "1,000") == 1000
    for bad in ("abc", "2.5"):
        with pytest.raises(InputError, match=r"embassy_fellows\.fellows.*allowed: an integer"):
            parse_number(c, bad)


def test_settings_keep_only_valid_values(ui_root):
    s = Settings.from_file(ui_root / "scenarios" / "baseline.toml")
    assert s.scale == 2000
    s.set("levers.contact_window.visibility_gain", 0.5)  # a setting of a lever that is off keeps it off
    assert s.scenario.levers.active() == {}
    s.set("levers.contact_window.enabled", True)
    assert s.scenario.levers.contact_window.visibility_gain == 0.5
    with pytest.raises(InputError, match=r"levers\.contact_window\.visibility_gain.*allowed: a number <= 1"):
        s.set("levers.contact_window.visibility_gain", 7.0)
    assert s.scenario.levers.contact_window.visibility_gain == 0.5  # unchanged
    with pytest.raises(InputError, match="scale"):
        s.set_scale(-1.0)
    with pytest.raises(InputError, match="seed"):
        s.set_seed(-3)
    assert (s.scale, s.seed) == (2000, 0)


def test_scenario_picker_leaves_out_experiment_files(ui_root):
    names = [p.name for p in scenario_files(ui_root / "scenarios")]
    assert names == ["baseline.toml", "contact_window.toml"]  # not levers.toml


# --- components -------------------------------------------------------------------


def test_flow_map_draws_this_years_and_mean_movers(stepped):
    flows = stepped.flows()
    last = movers(flows[flows["year"] == flows["year"].max()])
    moved = flows[(flows["origin"] != flows["destination"]) & (flows["year"] == flows["year"].max())]
    assert last.sum() == pytest.approx(moved["count"].sum())
    mean = movers(flows) / 3
    for measure, expected in (("latest", last), ("mean", mean)):
        arcs = pd.DataFrame(flow_map_spec(stepped, measure)["datasets"]["arcs"]).groupby("pair").first()
        top = expected.sort_values(ascending=False).head(len(arcs))
        assert sorted(arcs["people"]) == pytest.approx(sorted(top)) and (arcs["year"] == 2006).all()


def test_flow_map_component_draws_the_map_and_switches_measure(stepped):
    box, rc = solara.render(FlowMap(stepped), handle_error=False)
    (chart,) = rc.find(VegaLite).widgets
    assert chart.spec["datasets"]["arcs"] and "World flows of researchers: 2006" in page_text(box)
    assert chart.spec["layer"][1]["encoding"]["strokeWidth"]["legend"]["title"][1] == "(latest year)"
    rc.find(v.BtnToggle).widget.v_model = 1  # the second choice: the mean a year
    (chart,) = rc.find(VegaLite).widgets
    assert chart.spec["layer"][1]["encoding"]["strokeWidth"]["legend"]["title"][1] == "(mean a year since the start)"


def test_age_bands_add_up_to_the_academics(stepped):
    bands = age_bands(stepped)
    ind = stepped.indicators()
    now = ind[(ind["year"] == ind["year"].max()) & (ind["country"] == "JP")].set_index("indicator")["value"]
    assert bands["permanent"].sum() == pytest.approx(now["researchers_acad_perm"])
    assert bands["fixed_term"].sum() == pytest.approx(now["researchers_acad_fixed"])
    spec = age_band_spec(stepped)
    bars = pd.DataFrame(spec["datasets"]["bars"])
    assert bars.groupby("contract")["people"].sum().to_dict() == pytest.approx(
        {"permanent": bands["permanent"].sum(), "fixed-term": bands["fixed_term"].sum()}
    )
    # each share label sits on its bar (the text layer's y is the band's total) and reads as a share
    shares = bars[bars["contract"] == "fixed-term"].set_index("age")
    assert shares["total"].tolist() == pytest.approx((bands["permanent"] + bands["fixed_term"]).tolist())
    assert shares["share"].str.fullmatch(r"\d+\.\d%|").all()
    assert spec["layer"][1]["encoding"]["y"]["field"] == "total"
    assert spec["layer"][0]["encoding"]["y"]["title"] == "academics in JP (people)"
    sizes = [spec["config"]["axis"]["labelFontSize"], spec["config"]["axis"]["titleFontSize"],
             spec["layer"][1]["mark"]["fontSize"]]  # fmt: skip
    assert min(sizes) >= 12  # readable on a projector (the matplotlib figure had 7-8 px text)


def test_indicator_table_in_the_registrys_units(stepped):
    table = indicator_table(stepped)
    assert list(table.columns) == list(CODES) and "fixed_term_share_under40" in table.index
    assert table.loc["fixed_term_share", "JP"].endswith("%")
    assert table.loc["lever_cost_yen", "JP"].endswith("億円")  # the registry's formatting


def test_a_missing_value_goes_to_the_browser_as_null():
    table = pd.DataFrame({"value": [1.5, float("nan")], "shown": ["1.5", "n/a"]})
    spec = with_data({"mark": "line", "datasets": {"shapes": [1]}}, simulated=table)
    assert spec["datasets"] == {
        "shapes": [1],
        "simulated": [{"value": 1.5, "shown": "1.5"}, {"value": None, "shown": "n/a"}],
    }
    json.dumps(spec, allow_nan=False)  # NaN is not JSON: the widget could not send it


def test_indicator_charts_in_the_registrys_units_with_the_observed_points(stepped):
    ind = stepped.indicators()
    jp = ind[(ind["country"] == "JP") & (ind["year"] == 2006)].set_index("indicator")["value"]
    for panel in PANELS:
        spec = panel_spec(stepped, panel)
        sim = pd.DataFrame(spec["datasets"]["simulated"])
        assert set(sim["indicator"]) == {REGISTRY[n].label for n in PANEL_MEMBERS[panel]}
        assert sorted(set(sim["year"])) == [2004, 2005, 2006]
        assert len(spec["datasets"]["years"]) == 3  # a hover band a year
        config = spec["config"]
        assert (
            min(config["axis"]["labelFontSize"], config["axis"]["titleFontSize"], config["legend"]["labelFontSize"])
            >= 12
        )
        assert all("tooltip" in layer["encoding"] for i, layer in enumerate(spec["layer"]) if i != 2)  # not the bars
    careers = panel_spec(stepped, "careers and openness")
    share = (
        pd.DataFrame(careers["datasets"]["simulated"]).set_index(["indicator", "year"]).loc[("Fixed-term share", 2006)]
    )
    assert share["value"] == pytest.approx(100 * jp["fixed_term_share"]) and share["shown"].endswith("%")
    assert careers["layer"][1]["encoding"]["y"]["title"] == "%"
    assert panel_spec(stepped, "mobility")["layer"][1]["encoding"]["y"]["title"] == "people; visits a year"
    assert careers["layer"][1]["encoding"]["y"]["scale"]["domain"] == [0, 100]
    rank = panel_spec(stepped, "top-10% cited papers")["layer"][1]["encoding"]["y"]["scale"]
    assert rank["reverse"] and rank["domain"] == [0.5, 7.5]  # 1 = first at the top, 7 ranked countries


def test_observed_points_come_from_the_targets_file_with_their_sources():
    obs = observed(PANEL_MEMBERS["careers and openness"], "JP", (2004, 2012)).set_index(["indicator", "year"])
    row = obs.loc[("Fixed-term share", 2007)]  # targets.csv: 0.272 ± 0.05, NISTEP 2015
    assert (row["value"], row["low"], row["high"]) == pytest.approx((27.2, 22.2, 32.2))
    assert row["observed"] == "27.2% ±5 pp" and row["source"].startswith("NISTEP 2015") and row["status"] == "target"
    assert obs.index.get_level_values("year").max() <= 2012  # none past the horizon


def test_how_to_read_says_which_way_is_better():
    text = how_to_read(PANEL_MEMBERS["careers and openness"])
    assert "Squares: observed" in text and "Better lower: Fixed-term share; Fixed-term share, under 40." in text


def test_career_path_follows_the_panel(stepped):
    pool = candidates(stepped, country="JP", sector="acad_fixed", age="30-39")
    assert len(pool) and (pool["country"] == "JP").all() and pool["age"].between(30, 39).all()
    pid = int(pool["pid"].iloc[0])
    path = career_path(stepped, pid)
    assert list(path["year"]) == [2004, 2005, 2006]
    assert path["sector"].iloc[-1] == "acad_fixed" and path["contract until"].iloc[-1] != ""


def test_career_inspector_picks_a_researcher(stepped):
    box, rc = solara.render(CareerInspector(stepped), handle_error=False)
    rc.find(v.Btn, children=["Random researcher"]).widget.click()
    text = page_text(box)
    assert re.search(r"Researcher \d+\S*: nationality \w+; followed [1-3] years?", text) and "long visit to" in text


def test_age_band_component_draws_a_chart_with_how_to_read_it(stepped):
    box, rc = solara.render(AgeBands(stepped), handle_error=False)
    (chart,) = rc.find(VegaLite).widgets
    assert len(chart.spec["datasets"]["bars"]) == 2 * len(age_bands(stepped))  # a row a band and kind of post
    text = page_text(box)
    assert "Academia by age band, JP: 2006" in text and "the figure on a bar is its fixed-term share" in text


def test_pipeline_is_the_models_flows_of_the_focal_nationality(stepped):
    flows = stepped.flows()
    pairs = pipeline_flows(flows, "JP", 2004).set_index(["source", "target"])
    jp = flows[(flows["nationality"] == "JP") & (flows["year"] == 2006)]
    leaving = jp[(jp["origin"] == "JP") & (jp["from_sector"] == "industry")
                 & jp["to_sector"].isin(["left", "exit"])]["count"].sum()  # fmt: skip
    assert pairs.loc[("industry", "left"), "latest"] == leaving > 0  # out of research, wherever they go
    spec = pipeline_spec(stepped)
    nodes = pd.DataFrame(spec["datasets"]["nodes"])
    assert nodes.groupby("side")["people"].sum().to_dict() == pytest.approx(
        {"from": pairs["latest"].sum(), "to": pairs["latest"].sum()}
    )
    headers = {h["side"]: h["text"] for h in spec["datasets"]["headers"]}
    assert headers["unit"] == "people a year (latest year, 2006)"
    assert pipeline_spec(stepped, "mean")["datasets"]["headers"][1]["text"] == "people a year (mean a year, 2004-2006)"
    assert pipeline_spec(CirculationModel(rng=2, scale=2000, end_year=2012)) is None  # no year yet


def test_pipeline_component_switches_between_the_year_and_the_run_so_far(stepped):
    box, rc = solara.render(CareerPipeline(stepped), handle_error=False)
    (chart,) = rc.find(VegaLite).widgets
    text = page_text(box)
    assert "Career pipeline of JP researchers: 2006" in text and "back home" in text
    assert chart.spec["datasets"]["headers"][1]["text"].endswith("(latest year, 2006)")
    rc.find(v.BtnToggle).widget.v_model = 1  # the second choice: the mean a year
    (chart,) = rc.find(VegaLite).widgets
    assert chart.spec["datasets"]["headers"][1]["text"].endswith("(mean a year, 2004-2006)")


def test_indicator_component_draws_a_chart_a_panel_with_how_to_read_it(stepped):
    box, rc = solara.render(IndicatorPlots(stepped), handle_error=False)
    charts = rc.find(VegaLite).widgets
    assert [c.spec["datasets"]["simulated"][0]["year"] for c in charts] == [2004] * len(PANELS)
    text = page_text(box)
    assert "Careers and openness, JP" in text and text.count("Squares: observed") == len(PANELS)


def test_a_damaged_targets_file_is_one_message(stepped, monkeypatch):
    def damaged():
        raise InputError("line 3: bad value", source="targets.csv", key="value", value="x")

    monkeypatch.setattr(indicator_plots, "read_targets", damaged)
    indicator_plots.panel_template.cache_clear()  # made again, so the file is read again
    try:
        box, rc = solara.render(IndicatorPlots(stepped), handle_error=False)
        assert "The indicator charts cannot be drawn: targets.csv: key 'value': line 3: bad value" in page_text(box)
        assert not rc.find(VegaLite).widgets
    finally:
        indicator_plots.panel_template.cache_clear()


def test_indicator_table_component(stepped):
    box, _ = solara.render(IndicatorTable(stepped), handle_error=False)
    text = page_text(box)
    assert "Indicators in 2006" in text and "fixed_term_share_under40" in text
    countries, regions = (re.findall(r">([A-Z]{2,3})</th>", part) for part in text.split("Rest of the world"))
    assert countries == ["JP", "US", "CN", "UK", "DE", "FR", "KR"]  # two tables: each fits the page
    assert regions == ["SEA", "SAS", "AFR", "LAM", "OHI", "OTH"]


def test_settings_panel_component(ui_root):
    files = scenario_files(ui_root / "scenarios")
    settings = Settings.from_file(files[0])
    box, rc = solara.render(SettingsPanel(settings, files, solara.reactive(0)), handle_error=False)
    assert "Next Reset: baseline, seed 0, scale 2,000, levers on: none" in page_text(box)
    rc.find(v.Select, label="scenario file").widget.v_model = "contact_window"
    assert settings.scenario.levers.active().keys() == {"contact_window"}
    assert "levers on: contact_window" in page_text(box)


# --- pages ------------------------------------------------------------------------


def _simulated(rc) -> str:
    """The year the sidebar shows in large type."""
    (text,) = rc.find(v.Html, class_=YEAR_CLASS).widget.children
    return text


def _open_section(rc, name: str) -> None:
    """Open the settings tab and one of its sections (closed sections render no controls)."""
    rc.find(v.Tabs).widget.v_model = app.TABS.index("Scenario and levers")
    rc.find(v.ExpansionPanels, class_=f"section-{name}").widget.v_model = 0


def _live(in_root):
    return solara.render(solara.AppLayout(children=[app.LivePage()]), handle_error=False)


def test_live_page_steps_and_resets_with_the_settings(in_root):
    box, rc = _live(in_root)
    step = rc.find(v.Btn, children=["Step"]).widget
    assert not rc.find(VegaLite).widget.spec["datasets"]["arcs"]  # the flow map, before any year
    for _ in range(2):
        step.click()
    assert _simulated(rc) == "2005"
    arcs = rc.find(VegaLite).widget.spec["datasets"]["arcs"]
    assert arcs and {a["year"] for a in arcs} == {2005}  # drawn again after the steps
    # switch a lever on, then reset: the new model has it
    _open_section(rc, "overseas_fellowships")
    rc.find(v.Switch, label="enabled").widget.v_model = True
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert _simulated(rc) == "not started"
    assert "levers on: overseas_fellowships" in page_text(box)


def test_a_value_out_of_range_gets_a_message_not_a_crash(in_root):
    _, rc = _live(in_root)
    _open_section(rc, "overseas_fellowships")
    field = rc.find(v.TextField, label="fellows per year (people/year)").widget
    field.v_model = "-5"
    field.fire_event("keyup.enter", None)
    errors = [w for w in rc.find(v.Alert).widgets if "not applied" in str(w.children)]
    assert errors and "allowed: a number >= 0" in str(errors[0].children)
    field = rc.find(v.TextField, label="fellows per year (people/year)").widget
    assert field.error and field.v_model == "-5"  # the field keeps what was typed, in red
    field.v_model = "many"
    field.fire_event("keyup.enter", None)
    assert "is not a number" in str([w.children for w in rc.find(v.Alert).widgets])
    rc.find(v.Btn, children=["Step"]).widget.click()  # the model still runs
    assert _simulated(rc) == "2004"


def test_live_page_shows_the_year_not_mesas_controls(in_root):
    box, rc = _live(in_root)
    text = page_text(box)
    for leftover in ("Model Parameters", "Use Threads", "Time:", "Play Interval", "Render Interval"):
        assert leftover not in text
    assert "run 2004-2012: press Step or Play" in text
    step = rc.find(v.Btn, children=["Step"]).widget
    for _ in range(9):  # to the end year of the coarse baseline
        step.click()
    assert _simulated(rc) == "2012" and "run 2004-2012 complete (9 years): Reset to start again" in page_text(box)
    assert step.disabled and rc.find(v.Btn, children=["Play"]).widget.disabled


def test_a_reset_that_fails_leaves_the_model_and_says_why(stepped):
    def broken() -> CirculationModel:
        raise InputError("needs more memory than this machine has", key="model.scale", value=1)

    box, rc = solara.render(RunControls(solara.reactive(stepped), broken), handle_error=False)
    rc.find(v.Btn, children=["Reset"]).widget.click()
    text = page_text(box)
    assert "Reset failed, the model is unchanged: key 'model.scale': needs more memory" in text and "2006" in text


def test_run_status_names_the_simulated_year(stepped):
    assert run_status(stepped) == ("2006", "3 of 9 years simulated (2004-2012)")


def test_two_sessions_have_two_models(in_root):
    (_, rc_a), (_, rc_b) = _live(in_root), _live(in_root)
    for _ in range(3):
        rc_a.find(v.Btn, children=["Step"]).widget.click()
    rc_b.find(v.Btn, children=["Step"]).widget.click()
    assert (_simulated(rc_a), _simulated(rc_b)) == ("2006", "2004")
    rc_a.find(v.Btn, children=["Reset"]).widget.click()
    assert (_simulated(rc_a), _simulated(rc_b)) == ("not started", "2004")


# --- python -m circsim.ui (what circsim ui hands over to) --------------------------


def _error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    return err


def test_ui_command_rejects_bad_options(tmp_path, capsys):
    assert ui_main(["--store", str(tmp_path)]) == 2
    assert _error(capsys).startswith(f"circsim: error: {tmp_path}: is not a result store")
    assert ui_main(["--port", "70000"]) == 2
    assert "must be an integer from 0 to 65535" in _error(capsys)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert ui_main(["--port", str(port)]) == 2
    assert f"circsim: error: --port: cannot listen there: Address already in use (got '127.0.0.1:{port}')" in _error(
        capsys
    )


def test_ui_command_serves_the_app_offline(ui_root, monkeypatch, capsys):
    calls = []
    # serve() replaces the process with the server: record the exec instead of doing it
    monkeypatch.setattr(os, "execve", lambda exe, cmd, env: calls.append((exe, cmd, env)))
    store = ui_root / "experiments" / "tiny" / "store"
    assert ui_main(["--port", "0", "--store", str(store)]) == 0
    ((exe, cmd, env),) = calls
    assert exe == cmd[0] == sys.executable
    assert cmd[1:5] == ["-m", "solara", "run", "circsim.ui.app"] and cmd[cmd.index("--host") + 1] == "127.0.0.1"
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False" and env[ENV_STORE] == str(store.resolve())
    assert env["SOLARA_THEME_SHOW_BANNER"] == "False"  # the "runs on Solara" badge covers the page
    port = cmd[cmd.index("--port") + 1]
    assert int(port) > 0 and f"http://127.0.0.1:{port}/" in capsys.readouterr().out
