"""Reading back the task-graph SVG the picture draws: task boxes, edges (sampled along their
Bézier curves), clusters and texts, in the picture's own coordinates."""

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

SVG = "{http://www.w3.org/2000/svg}"


@dataclass
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def shrunk(self, by: float) -> "Box":
        return Box(self.x0 + by, self.y0 + by, self.x1 - by, self.y1 - by)

    def holds(self, point) -> bool:
        return self.x0 < point[0] < self.x1 and self.y0 < point[1] < self.y1

    def overlaps(self, other: "Box") -> bool:
        return self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1

    def contains(self, other: "Box") -> bool:
        return self.x0 <= other.x0 and self.y0 <= other.y0 and other.x1 <= self.x1 and other.y1 <= self.y1


@dataclass
class DrawnEdge:
    source: str
    target: str
    classes: list[str]
    title: str
    samples: list[tuple[float, float]]
    label: str | None


def parse(svg: str):
    return ET.fromstring(svg)  # noqa: S314 - the picture our own code drew


def _box(rect) -> Box:
    x, y = float(rect.get("x")), float(rect.get("y"))
    return Box(x, y, x + float(rect.get("width")), y + float(rect.get("height")))


def groups(root, kind: str):
    return [g for g in root.iter(f"{SVG}g") if kind in (g.get("class") or "").split()]


def task_boxes(root) -> dict[str, Box]:
    return {g.get("data-name"): _box(g.find(f"{SVG}rect")) for g in groups(root, "task")}


def cluster_boxes(root) -> dict[str, Box]:
    return {g.get("data-name"): _box(g.find(f"{SVG}rect")) for g in groups(root, "cluster")}


def title(group) -> str:
    return group.find(f"{SVG}title").text


def curve_points(d: str, per_segment: int = 40) -> list[tuple[float, float]]:
    """Points along an `M x y C ... C ...` path, `per_segment` per cubic segment."""
    numbers = [float(n) for n in re.findall(r"-?[\d.]+", d)]
    assert d.startswith("M") and set(re.findall(r"[A-Za-z]", d)) <= {"M", "C"}, d
    start, rest = (numbers[0], numbers[1]), numbers[2:]
    points = [start]
    for i in range(0, len(rest), 6):
        p1, p2, p3 = (rest[i], rest[i + 1]), (rest[i + 2], rest[i + 3]), (rest[i + 4], rest[i + 5])
        p0 = points[-1]
        for step in range(1, per_segment + 1):
            t = step / per_segment
            points.append(tuple(
                (1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t**2 * c + t**3 * e
                for a, b, c, e in zip(p0, p1, p2, p3, strict=True)
            ))  # fmt: skip
    return points


def drawn_edges(root) -> list[DrawnEdge]:
    edges = []
    for g in groups(root, "edge"):
        line = g.find(f"{SVG}path[@class='line']")
        label = g.find(f"{SVG}text[@class='label']")
        edges.append(
            DrawnEdge(
                g.get("data-from"),
                g.get("data-to"),
                g.get("class").split(),
                title(g),
                curve_points(line.get("d")) if line is not None else [],
                label.text if label is not None else None,
            )
        )
    return edges
