"""The admin index's operator counts (templates/admin/index.html)."""

from django import template
from django.urls import reverse

from executions.admin_console import dashboard_counts

register = template.Library()


@register.simple_tag
def operator_dashboard(user):
    """The counts the user may see, each with the list it links to; [] without view permission."""
    see_executions = user.has_perm("executions.view_execution")
    see_inquiries = user.has_perm("executions.view_inquiry")
    if not (see_executions or see_inquiries):
        return []
    counts = dashboard_counts()
    executions = reverse("admin:executions_execution_changelist")
    tiles = []
    if see_executions:
        tiles += [
            ("running", "Running now", counts["running"], f"{executions}?status__exact=running"),
            (
                "failed",
                "Failed in the last 24 hours",
                counts["failed"],
                f"{executions}?finished=24h&status__exact=failed",
            ),
        ]
    if see_inquiries:
        inquiries = reverse("admin:executions_inquiry_changelist")
        tiles.append(
            ("waiting", "Waiting for approval", counts["waiting"], f"{inquiries}?status__exact=pending")
        )
    return [{"key": key, "label": label, "count": count, "url": url} for key, label, count, url in tiles]
