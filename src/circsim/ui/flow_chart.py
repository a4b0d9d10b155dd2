"""The world flow map as a Vega-Lite chart (built with Altair, drawn in the page by
solara's VegaLite widget): the countries filled by model region, the focal country
highlighted, flows between regions as curved arcs whose width is people a year, a width
legend, and the numbers of each arc on hover.

The projection is equirectangular, cropped to the inhabited latitudes, so that a pixel
is the same number of degrees everywhere: the arcs, their arrowheads and the label
offsets are computed here in degrees and land where they should on the screen.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import altair as alt
import pandas as pd

from ..sim.inputs import Region
from .common import with_data
from .world_shapes import countries_json

#: Chart width in pixels; the height follows from the latitudes shown.
WIDTH = 900
#: Latitudes shown: Tierra del Fuego to the north of Scandinavia (no Antarctica, no polar sea).
LAT_TOP, LAT_BOTTOM = 75.0, -56.0
PX_PER_DEGREE = WIDTH / 360
HEIGHT = round(PX_PER_DEGREE * (LAT_TOP - LAT_BOTTOM))
#: Width of the arc of the largest flow, in pixels (an arc of no one is 0 wide).
MAX_STROKE = 14.0
#: How far an arc bends to the right of its direction, as a share of its length: the two
#: directions between a pair of regions run on either side of the straight line.
BEND = 0.18
#: Points drawn along each arc, and the one the arrowhead sits on (three quarters of the way).
ARC_POINTS, HEAD_POINT = 17, 12
#: An arc can be hovered this many pixels wide, however thin it is drawn.
HOVER_STROKE = 12

#: Fill of each model region: muted, neighbours distinguishable; the focal country's own.
REGION_FILLS = {
    "JP": "#fbb4ae", "US": "#b3cde3", "CN": "#fed9a6", "UK": "#ccebc5", "DE": "#decbe4", "FR": "#fff2ae",
    "KR": "#b3e2cd", "SEA": "#e6f5c9", "SAS": "#fdcdac", "AFR": "#f1e2cc", "LAM": "#f4cae4", "OHI": "#cbd5e8",
    "OTH": "#e0e0e0", "ROW": "#e0e0e0",
}  # fmt: skip
OTHER_FILL = "#e0e0e0"
FOCAL_FILL = "#d6604d"
FOCAL_ARC, OTHER_ARC = "#b2182b", "#2166ac"
#: Where each code's label sits from its region's anchor, in pixels (right, down): the
#: codes of close regions (JP and KR; the UK, FR, DE and OHI) must not touch.
LABEL_OFFSETS = {
    "JP": (17, -2), "KR": (-15, 9), "CN": (0, -11), "US": (0, -11), "UK": (-15, -7), "FR": (-15, 7),
    "DE": (2, -12), "OHI": (17, 5), "OTH": (15, -6),
}  # fmt: skip
DEFAULT_OFFSET = (0, 11)


@dataclass(frozen=True)
class Flows:
    """People moving between regions a year, by (origin, destination): in the latest
    year and on average since the start, with the years they cover."""

    latest: pd.Series
    mean: pd.Series
    year: int
    first_year: int


#: Columns of :func:`arc_table` (named, so that a year with no flows has them too).
ARC_COLUMNS = ("pair", "origin", "destination", "year", "latest", "mean", "people", "focal", "angle", "lon", "lat", "t")
#: What the arcs' width shows: the key of :class:`Flows` and its words in the page.
MEASURES = {"latest": "latest year", "mean": "mean a year since the start"}


def projection() -> alt.Projection:
    """Equirectangular, the whole width of the world, cropped to LAT_TOP..LAT_BOTTOM."""
    scale = WIDTH / (2 * math.pi)
    return alt.Projection(
        type="equirectangular",
        scale=scale,
        translate=[WIDTH / 2, scale * math.radians(LAT_TOP)],
        clipExtent=[[0, 0], [WIDTH, HEIGHT]],
    )


def _control(a: Region, b: Region) -> tuple[float, float]:
    """Control point of the arc from ``a`` to ``b``: off the middle, to the right of the way."""
    dx, dy = b.lon - a.lon, b.lat - a.lat
    return (a.lon + b.lon) / 2 + BEND * dy, (a.lat + b.lat) / 2 - BEND * dx


def arc_points(a: Region, b: Region) -> list[tuple[float, float]]:
    """:data:`ARC_POINTS` points (lon, lat) along the arc from ``a`` to ``b``: a quadratic
    curve bending to the right of the direction of travel."""
    cx, cy = _control(a, b)
    out = []
    for i in range(ARC_POINTS):
        t = i / (ARC_POINTS - 1)
        u = 1 - t
        out.append((u * u * a.lon + 2 * u * t * cx + t * t * b.lon, u * u * a.lat + 2 * u * t * cy + t * t * b.lat))
    return out


def head_angle(a: Region, b: Region) -> float:
    """Screen angle (degrees clockwise from pointing right) of the arc from ``a`` to ``b``
    at its arrowhead (point :data:`HEAD_POINT`): the direction of travel there."""
    cx, cy = _control(a, b)
    t = HEAD_POINT / (ARC_POINTS - 1)
    tx = 2 * (1 - t) * (cx - a.lon) + 2 * t * (b.lon - cx)
    ty = 2 * (1 - t) * (cy - a.lat) + 2 * t * (b.lat - cy)
    return math.degrees(math.atan2(-ty, tx))  # the screen's y runs down


def arc_table(flows: Flows, measure: str, regions: dict[str, Region], focal: str, top: int) -> pd.DataFrame:
    """One row per point of each drawn arc (the ``top`` largest flows by ``measure``): its
    pair, position and order, both numbers of the pair and the one the width shows."""
    shown = getattr(flows, measure)
    shown = shown[shown > 0].sort_values(ascending=False).head(top)
    rows = []
    for (o, d), people in shown.items():
        a, b = regions[o], regions[d]
        common = {
            "pair": f"{o}>{d}",
            "origin": a.name,
            "destination": b.name,
            "year": flows.year,
            "latest": float(flows.latest.get((o, d), 0.0)),
            "mean": float(flows.mean.get((o, d), 0.0)),
            "people": float(people),
            "focal": focal in (o, d),
            "angle": head_angle(a, b),
        }
        rows += [{**common, "lon": lon, "lat": lat, "t": i} for i, (lon, lat) in enumerate(arc_points(a, b))]
    return pd.DataFrame(rows, columns=[*ARC_COLUMNS])


def legend_values(biggest: float) -> list[float]:
    """Three round widths for the legend: about the largest flow, its half and its quarter."""
    if biggest <= 0:
        return []
    step = 10 ** math.floor(math.log10(biggest))
    top = max(round(biggest / step) * step, step)
    return sorted({v for v in (top / 4, top / 2, top) if v > 0})


def label_table(regions: Sequence[Region], focal: str) -> pd.DataFrame:
    """Each code at its anchor (the region's centroid in ``regions.csv``) and its label's
    place, moved by :data:`LABEL_OFFSETS` pixels."""
    rows = []
    for r in regions:
        dx, dy = LABEL_OFFSETS.get(r.code, DEFAULT_OFFSET)
        rows.append(
            {
                "code": r.code,
                "name": r.name,
                "lon": r.lon,
                "lat": r.lat,
                "label_lon": r.lon + dx / PX_PER_DEGREE,
                "label_lat": r.lat - dy / PX_PER_DEGREE,
                "focal": r.code == focal,
            }
        )
    return pd.DataFrame(rows)


def _project(chart: alt.Chart) -> alt.Chart:
    """``chart`` on the map's projection (every layer needs it)."""
    return chart.project(**projection().to_dict())


@cache
def map_template(regions: tuple[Region, ...], focal: str, measure: str, first_year: int) -> dict:
    """The map's Vega-Lite spec without its flows: made with Altair once per model and
    measure (``regions``: the model's, in its order; ``measure``: a key of
    :data:`MEASURES`). The arcs read the named datasets ``arcs`` and ``heads``, which
    :func:`map_spec` fills every year: building the chart anew with Altair each year
    would cost more than the model's step."""
    codes = [r.code for r in regions]
    fills = [FOCAL_FILL if c == focal else REGION_FILLS.get(c, OTHER_FILL) for c in codes]
    shapes = alt.InlineData(
        values=countries_json(tuple(codes)), format=alt.DataFormat(type="json", property="features")
    )
    countries = (
        alt.Chart(shapes)
        .mark_geoshape(stroke="white", strokeWidth=0.4)
        .encode(
            color=alt.Color("properties.code:N", scale=alt.Scale(domain=codes, range=fills), legend=None),
            tooltip=[
                alt.Tooltip("properties.name:N", title="country"),
                alt.Tooltip("properties.code:N", title="model region"),
            ],
        )
    )
    width = alt.StrokeWidth(
        "people:Q",
        scale=alt.Scale(domain=[0, 1], range=[0, MAX_STROKE]),  # domain: [0, largest flow], set each year
        legend=alt.Legend(
            title=["people a year", f"({MEASURES[measure]})"],  # two lines: a narrow box, clear of South America
            format=",.0f",
            orient="bottom-left",
            fillColor="white",
            padding=6,
            symbolStrokeColor=OTHER_ARC,
        ),
    )
    colour = alt.Color("focal:N", scale=alt.Scale(domain=[True, False], range=[FOCAL_ARC, OTHER_ARC]), legend=None)
    tooltip = [
        alt.Tooltip("origin:N", title="from"),
        alt.Tooltip("destination:N", title="to"),
        alt.Tooltip("year:O", title="latest year"),
        alt.Tooltip("latest:Q", format=",.0f", title="people in the latest year"),
        alt.Tooltip("mean:Q", format=",.0f", title=f"people a year, mean since {first_year}"),
    ]
    line = alt.Chart(alt.NamedData("arcs")).encode(
        longitude="lon:Q", latitude="lat:Q", detail="pair:N", order="t:Q", tooltip=tooltip
    )
    arcs = line.mark_line(strokeCap="round", opacity=0.65).encode(strokeWidth=width, color=colour)
    heads = (
        alt.Chart(alt.NamedData("heads"))
        .mark_point(shape="triangle-right", filled=True, opacity=0.9)
        .encode(
            longitude="lon:Q",
            latitude="lat:Q",
            angle=alt.Angle("angle:Q", scale=None),
            size=alt.Size("head_size:Q", scale=None),
            color=colour,
            tooltip=tooltip,
        )
    )
    # all but invisible and above the arcs: a wide stroke over each, so a thin arc can be hovered
    hover = line.mark_line(strokeWidth=HOVER_STROKE, strokeOpacity=0.01, stroke="black")
    labels = label_table(regions, focal)
    anchors = (
        alt.Chart(labels).mark_circle(size=22, color="#333333", opacity=0.9).encode(longitude="lon:Q", latitude="lat:Q")
    )
    text = alt.Chart(labels).encode(
        longitude="label_lon:Q", latitude="label_lat:Q", text="code:N", tooltip=alt.Tooltip("name:N", title="region")
    )
    halo = text.mark_text(fontSize=12, fontWeight="bold", stroke="white", strokeWidth=3.5, strokeJoin="round")
    codes_text = text.mark_text(fontSize=12, fontWeight="bold").encode(
        color=alt.Color("focal:N", scale=alt.Scale(domain=[True, False], range=[FOCAL_ARC, "#222222"]), legend=None)
    )
    named = {"countries": countries, "arcs": arcs, "heads": heads, "arc_hover": hover, "anchors": anchors,
             "label_halo": halo, "labels": codes_text}  # fmt: skip
    chart = (
        alt.layer(*(_project(c.properties(name=n)) for n, c in named.items()))
        .properties(width=WIDTH, height=HEIGHT)
        .configure_view(stroke=None, fill="#f4f8fb")
        .configure_legend(labelFontSize=11, titleFontSize=11)
        .resolve_scale(color="independent")
    )
    return chart.to_dict()


def map_spec(template: dict, flows: Flows, measure: str, regions: Sequence[Region], focal: str, top: int) -> dict:
    """The template with this year's arcs: the ``top`` largest flows by ``measure``, the
    width scale from 0 to the largest and round legend values."""
    arcs = arc_table(flows, measure, {r.code: r for r in regions}, focal, top)
    biggest = float(arcs["people"].max()) if len(arcs) else 0.0
    heads = arcs[arcs["t"] == HEAD_POINT].copy()
    # an arrowhead a little wider than its arc (size: the area in square pixels)
    heads["head_size"] = (5 + 1.6 * MAX_STROKE * heads["people"] / (biggest or 1)) ** 2
    layers = []
    for layer in template["layer"]:
        if layer.get("name") == "arcs":
            width = layer["encoding"]["strokeWidth"]
            width = {**width, "scale": {**width["scale"], "domain": [0, biggest or 1]},
                     "legend": {**width["legend"], "values": legend_values(biggest)}}  # fmt: skip
            layer = {**layer, "encoding": {**layer["encoding"], "strokeWidth": width}}
        layers.append(layer)
    return with_data({**template, "layer": layers}, arcs=arcs, heads=heads)
