"""The dashboard's map boundaries: every area of a council drawn, inside its box, tiling it."""

from __future__ import annotations

import re

from services.api.map_shapes import map_of, rings
from services.reference.areas import load_areas

HAMMERSMITH = "E09000013"
LONDON = "E12000007"


def _points(path: str) -> list[tuple[int, int]]:
    return [(int(x), int(y)) for x, y in re.findall(r"(-?\d+) (-?\d+)", path)]


def test_every_neighbourhood_of_a_borough_is_drawn_inside_the_map() -> None:
    areas = load_areas()
    msoas = areas.msoas_in(HAMMERSMITH)
    view_box, paths = map_of("msoa11", msoas)
    _, _, width, height = (int(v) for v in view_box.split())
    assert width == 1000 and 1000 < height < 2000  # H&F is taller than it is wide
    assert set(paths) == set(msoas) and len(paths) == 25
    for code, path in paths.items():
        points = _points(path)
        assert len(points) >= 3, code
        assert path.startswith("M") and path.endswith("Z"), code
        assert all(0 <= x <= width and 0 <= y <= height for x, y in points), code
    # The box is filled: the borough touches all four edges (4 units of padding).
    every = [p for path in paths.values() for p in _points(path)]
    assert min(x for x, _ in every) == 4 and max(x for x, _ in every) == 996
    assert min(y for _, y in every) == 4 and max(y for _, y in every) in (height - 4, height - 3)


def test_a_regions_districts_share_their_borders() -> None:
    areas = load_areas()
    ltlas = areas.ltla_codes_in(LONDON)
    _, paths = map_of("ltla21", ltlas)
    assert len(paths) == 33
    # Shared arcs: H&F and Kensington and Chelsea have common boundary points.
    shared = set(_points(paths[HAMMERSMITH])) & set(_points(paths["E09000020"]))
    assert len(shared) > 10


def test_an_unknown_code_has_no_shape() -> None:
    assert rings("msoa11", "E02999999") == []
    assert map_of("ltla21", ["E06999999"])[1] == {"E06999999": ""}
