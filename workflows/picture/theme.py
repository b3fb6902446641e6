"""The picture's colours, per theme: the canvas, tasks, task states, edge kinds, the legend.

Every text colour is chosen for a contrast of at least 4.5:1 (WCAG AA) against each
background it is drawn on (tests/workflows/test_picture_theme.py computes them all), in the
light theme and in the dark one (the Django admin's own dark theme, or a dark system scheme).
"""

THEME_NAMES = ("light", "dark")

# Edge kinds (workflows.validation.graph.edge_kind) in legend order, with what the legend says.
EDGE_KINDS = {
    "success": "succeeded()",
    "failure": "failed()",
    "timeout": "timed_out()",
    "complete": "always",
    "conditional": "other condition",
}
EDGE_DASHES = {"conditional": "6,4"}

# Task states (executions/conductor's statuses) in legend order, with what the legend says.
STATE_LABELS = {
    "succeeded": "succeeded",
    "failed": "failed",
    "timed_out": "timed out",
    "skipped": "skipped",
    "running": "running",
    "waiting_join": "waiting",
    "not_run": "not run",
    "pending": "pending",
    "cancelled": "cancelled",
}
# waiting for an inquiry looks like waiting for a join: both wait on something outside the task.
STATE_ALIASES = {"waiting_inquiry": "waiting_join", "collecting": "running"}

THEMES = {
    "light": {
        "canvas": "#ffffff",
        "text": "#1c2529",
        "muted": "#3f525b",
        "node_fill": "#ffffff",
        "node_stroke": "#263238",
        "unreachable_fill": "#ffebee",
        "unreachable_stroke": "#c62828",
        "cluster_fill": "#eef3f7",
        "cluster_stroke": "#78909c",
        "link": "#0d47a1",
        "edges": {
            "success": "#2e7d32",
            "failure": "#c62828",
            "timeout": "#a84b00",
            "complete": "#555f63",
            "conditional": "#1558b0",
        },
        "states": {
            "succeeded": "#c8e6c9",
            "failed": "#ffcdd2",
            "timed_out": "#ffe0b2",
            "skipped": "#cfd8dc",
            "running": "#bbdefb",
            "waiting_join": "#fff9c4",
            "not_run": "#f5f5f5",
            "pending": "#ffffff",
            "cancelled": "#d7ccc8",
        },
    },
    "dark": {
        "canvas": "#121212",
        "text": "#eceff1",
        "muted": "#c2ccd1",
        "node_fill": "#263238",
        "node_stroke": "#b0bec5",
        "unreachable_fill": "#3e1f22",
        "unreachable_stroke": "#ef7070",
        "cluster_fill": "#1b2429",
        "cluster_stroke": "#78909c",
        "link": "#90caf9",
        "edges": {
            "success": "#66bb6a",
            "failure": "#f07070",
            "timeout": "#ffa040",
            "complete": "#b8c2c7",
            "conditional": "#6cb4f5",
        },
        "states": {
            "succeeded": "#1e4620",
            "failed": "#5f1d1d",
            "timed_out": "#5a3300",
            "skipped": "#37434a",
            "running": "#0d3a66",
            "waiting_join": "#4d4300",
            "not_run": "#2a2a2a",
            "pending": "#263238",
            "cancelled": "#4a3b35",
        },
    },
}


def state_colour(palette: dict, status: str) -> str:
    """The fill of a task in `status`; an unknown status is drawn as pending."""
    status = STATE_ALIASES.get(status, status)
    return palette["states"].get(status, palette["states"]["pending"])


def state_style(palette: dict) -> str:
    """CSS rules filling each state's task box (CSS outranks the rect's fill attribute)."""
    statuses = {**{s: s for s in STATE_LABELS}, **STATE_ALIASES}
    rules = "".join(
        f".state-{status} rect{{fill:{state_colour(palette, colour)}}}" for status, colour in statuses.items()
    )
    return f"<style>{rules}</style>"


def contrast(foreground: str, background: str) -> float:
    """The WCAG 2 contrast ratio of two #rrggbb colours, from 1 to 21."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
