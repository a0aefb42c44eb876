"""SVG charts drawn on the server: valid SVG, escaped labels, the body font, proportions."""

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from evaluations import charts

SVG = "{http://www.w3.org/2000/svg}"


def test_radar_has_one_axis_per_aspect_and_one_polygon_per_series():
    svg = charts.radar_svg(
        ["A1", "A2", "A3", "A4"],
        [("Mandiri", [Decimal("3.00")] * 4), ("Validasi", [2, 2, None, 5])],
    )
    root = ET.fromstring(svg)  # noqa: S314
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"A1", "A2", "A3", "A4", "Mandiri", "Validasi"} <= set(texts)
    filled = [p for p in root.iter(f"{SVG}polygon") if p.get("fill") != "none"]
    assert len(filled) == 2
    assert all(t.get("font-family") == charts.FONT_FAMILY for t in root.iter(f"{SVG}text"))


def test_radar_needs_three_axes():
    with pytest.raises(ValueError):
        charts.radar_svg(["A1", "A2"], [("x", [1, 2])])


def test_bar_lengths_are_proportional_and_labels_escaped():
    svg = charts.bar_svg([("Kota <A> & B", 4), ("Kota C", 2)], maximum=4, width=400)
    root = ET.fromstring(svg)  # noqa: S314 - fails on an unescaped "<" or "&"
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert widths[0] == pytest.approx(2 * widths[1])
    assert "Kota <A> & B" in [t.text for t in root.iter(f"{SVG}text")]


def test_column_chart_writes_each_count():
    root = ET.fromstring(charts.column_svg([("Baik", 3), ("Cukup", 0), ("Kurang", 1)]))  # noqa: S314
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert texts.count("3") == 1 and "Cukup" in texts and "0" in texts


def test_format_index():
    assert charts.format_index(None) == "–"
    assert charts.format_index(Decimal("2.5")) == "2.50"
