from __future__ import annotations

from xml.etree import ElementTree

from apps.reports.charts import Series, bar_chart, line_chart, pareto_chart, pareto_points

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)


def test_a_line_chart_draws_one_line_per_series() -> None:
    svg = parse(
        line_chart(
            title="t",
            labels=["a", "b", "c"],
            series=[Series("x", [1, 2, 3]), Series("y", [0, 0, 0])],
        )
    )
    lines = svg.findall(f"{NS}polyline")
    assert len(lines) == 2
    assert len(lines[0].attrib["points"].split()) == 3


def test_bars_are_as_tall_as_their_values() -> None:
    svg = parse(bar_chart(title="t", labels=["a", "b"], values=[10, 5]))
    heights = [
        float(r.attrib["height"]) for r in svg.findall(f"{NS}rect") if r.get("class") == "bar"
    ]
    assert heights[0] == 2 * heights[1] > 0


def test_labels_from_people_are_escaped() -> None:
    svg = bar_chart(title="<b>", labels=["<script>alert(1)</script>"], values=[1])
    assert "<script>" not in svg
    parse(svg)


def test_pareto_sorts_largest_first_and_climbs_to_100_percent() -> None:
    assert pareto_points([6, 3, 1]) == [60.0, 90.0, 100.0]
    svg = parse(pareto_chart(title="t", labels=["small", "big"], values=[1, 9]))
    bars = [r for r in svg.findall(f"{NS}rect") if r.get("class") == "bar"]
    assert bars[0].find(f"{NS}title").text.startswith("big")  # type: ignore[union-attr]


def test_an_empty_chart_still_renders() -> None:
    parse(bar_chart(title="t", labels=[], values=[]))
    parse(pareto_chart(title="t", labels=[], values=[]))
    parse(line_chart(title="t", labels=[], series=[]))
