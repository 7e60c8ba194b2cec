"""Boundary shapes for the dashboard's maps: SVG paths projected from the shipped TopoJSON.

The boundaries (2011 MSOAs and 2021 LTLAs of England, WGS84) ship gzipped under
``boundaries/`` with their provenance in ``boundaries/SOURCES.md``. An area's shapes are
decoded from the shared arcs, projected (equirectangular, scaled by the cosine of the
middle latitude, which is close to true shape over a region) onto a 1000-unit-wide box and
written as SVG path data, so the browser needs no map library, tile server or CDN.
"""

from __future__ import annotations

import functools
import gzip
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BOUNDARIES = Path(__file__).parent / "boundaries"
WIDTH = 1000.0
PAD = 4.0

ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v.3.0. "
    "Contains OS data © Crown copyright and database right 2022. "
    'MSOA boundaries via "UK-GeoJSON" by Martin Chorley '
    "(https://github.com/martinjc/UK-GeoJSON), CC BY 4.0."
)

Ring = list[tuple[float, float]]


@dataclass(frozen=True, slots=True)
class Layer:
    """One TopoJSON layer: absolute arcs in lon/lat and each feature's polygons of arc ids."""

    arcs: tuple[tuple[tuple[float, float], ...], ...]
    features: dict[str, list[list[list[int]]]]


@functools.cache
def layer(name: str) -> Layer:
    """``msoa11`` or ``ltla21``, decoded once per process."""
    path = BOUNDARIES / f"{name}_england.topojson.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        topo: dict[str, Any] = json.load(f)
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(tuple(points))
    features: dict[str, list[list[list[int]]]] = {}
    for geometry in topo["objects"][name]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        features[str(geometry["id"])] = polygons
    return Layer(arcs=tuple(arcs), features=features)


def _ring(arcs: Sequence[Sequence[tuple[float, float]]], ids: Iterable[int]) -> Ring:
    points: Ring = []
    for i in ids:
        arc = list(arcs[i]) if i >= 0 else list(reversed(arcs[~i]))
        points.extend(arc if not points else arc[1:])
    return points


def rings(name: str, code: str) -> list[Ring]:
    """Every ring (outer and holes) of one feature, in lon/lat; empty when the code is unknown."""
    data = layer(name)
    return [_ring(data.arcs, ring) for poly in data.features.get(code, []) for ring in poly]


@dataclass(frozen=True, slots=True)
class Projection:
    """Lon/lat to SVG units for one map."""

    west: float
    north: float
    cos_lat: float
    scale: float
    height: float

    def point(self, lon: float, lat: float) -> tuple[int, int]:
        x = PAD + (lon - self.west) * self.cos_lat * self.scale
        y = PAD + (self.north - lat) * self.scale
        return round(x), round(y)

    @property
    def view_box(self) -> str:
        return f"0 0 {round(WIDTH)} {round(self.height)}"


def projection_for(all_rings: Iterable[Ring]) -> Projection:
    """The projection that fits these rings into a box 1000 units wide."""
    lons, lats = [], []
    for ring in all_rings:
        for lon, lat in ring:
            lons.append(lon)
            lats.append(lat)
    if not lons:
        return Projection(0.0, 0.0, 1.0, 1.0, WIDTH)
    west, east, south, north = min(lons), max(lons), min(lats), max(lats)
    cos_lat = math.cos(math.radians((south + north) / 2))
    span = max((east - west) * cos_lat, 1e-9)
    scale = (WIDTH - 2 * PAD) / span
    return Projection(west, north, cos_lat, scale, (north - south) * scale + 2 * PAD)


def svg_path(projection: Projection, shape: Iterable[Ring]) -> str:
    """SVG path data of one feature, integer units, repeated points dropped."""
    parts = []
    for ring in shape:
        points: list[tuple[int, int]] = []
        for lon, lat in ring:
            p = projection.point(lon, lat)
            if not points or p != points[-1]:
                points.append(p)
        if len(points) >= 3:
            parts.append("M" + "L".join(f"{x} {y}" for x, y in points) + "Z")
    return "".join(parts)


def map_of(name: str, codes: Sequence[str]) -> tuple[str, dict[str, str]]:
    """The view box and each code's path for a map of these features of one layer."""
    shapes = {code: rings(name, code) for code in codes}
    projection = projection_for(r for shape in shapes.values() for r in shape)
    return projection.view_box, {code: svg_path(projection, s) for code, s in shapes.items()}
