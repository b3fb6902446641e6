from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from actions.rules import CORE_PACK_REF
from attune.admin_forms import PrettyJSONField, TagsFormField, WriteOnlyTextarea
from attune.admin_guard import RevisionGuardedAdmin, RevisionGuardedForm
from attune.admin_readonly import PrettyReadOnlyJSON, preformatted
from attune.validators import secret_keys
from packs.admin_sync import plan_items, problems_of, sync_packs
from packs.models import Pack
from packs.ondisk import operations as disk
from packs.ondisk.archive import ArchiveRejected
from packs.ondisk.loader import PackInvalid
from packs.secrets import SECRET_MASK, has_secret_values, masked_config
from packs.serializers import JSON_ARRAY_FIELDS, JSON_OBJECT_FIELDS
from workflows.models import Workflow

JSON_FIELDS = (*JSON_OBJECT_FIELDS, *JSON_ARRAY_FIELDS)
_MISSING = object()


class PackForm(RevisionGuardedForm):
    """Secret config values are shown masked, as in the API; they change only through the
    write-only `secret_values` field (offered to superusers), and a masked value sent back
    keeps the stored one."""

    tags = TagsFormField()
    secret_values = forms.JSONField(
        required=False,
        widget=WriteOnlyTextarea(attrs={"rows": 3, "cols": 100, "style": "font-family: monospace"}),
        help_text=(
            'Secret config values to set, as a JSON object such as {"token": "..."}; never shown '
            "again. Leave blank to keep the stored ones."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored_config = dict(self.instance.config or {}) if self.instance.pk else {}
        self.initial["config"] = masked_config(self.instance.conf_schema, self.initial.get("config"))

    def clean(self):
        cleaned = super().clean()
        config, new_values = cleaned.get("config"), cleaned.get("secret_values") or {}
        if not isinstance(config, dict):
            return cleaned
        conf_schema = cleaned.get("conf_schema", self.instance.conf_schema)
        # A key secret before or after this change: its real value was never shown.
        for key in (secret_keys(conf_schema) | secret_keys(self.instance.conf_schema)) & config.keys():
            stored = self.stored_config.get(key, _MISSING)
            if config[key] == SECRET_MASK:  # sent back as shown: keep the stored value
                if stored is _MISSING:
                    del config[key]
                else:
                    config[key] = stored
            elif config[key] != stored:
                self.add_error(
                    "config", f"'{key}' is secret: set it in “Secret values”, where it is not shown."
                )
        if not isinstance(new_values, dict):
            self.add_error("secret_values", "Must be a JSON object of secret config values.")
        elif not_secret := sorted(new_values.keys() - secret_keys(conf_schema)):
            self.add_error(
                "secret_values", f"Not marked secret in conf_schema (set them in config): {not_secret}"
            )
        else:
            config.update(new_values)
        return cleaned

    class Meta:
        model = Pack
        fields = (
            "ref",
            "label",
            "description",
            "version",
            "tags",
            "is_standard",
            *JSON_FIELDS,
        )
        field_classes = {name: PrettyJSONField for name in JSON_FIELDS}


def as_list(head: str, items: list[str]):
    """A message with its items as a list (escaped: refs and problems come from files)."""
    return format_html(
        "{}<ul>{}</ul>", head, format_html_join("", "<li>{}</li>", ((item,) for item in items))
    )


def is_row_id(value: str) -> bool:
    """A primary key as a form sends it: ASCII digits that fit a bigint (else no row, not a 500)."""
    return value.isascii() and value.isdigit() and len(value) <= 18


def archive_refusal(exc: ArchiveRejected) -> str:
    """Why an archive was refused; the unpacking library's own words are left out."""
    reason = str(exc)
    if reason.startswith(("not a readable", "the archive could not be read")):
        return "The file could not be read as a .tar.gz, .tgz or .zip archive: is it damaged?"
    return f"The archive was refused: {reason}."


class UploadForm(forms.Form):
    file = forms.FileField(help_text="A .tar.gz, .tgz or .zip archive of the pack.")
    force = forms.BooleanField(
        required=False, label="Force", help_text="Replace the pack if it is registered already."
    )


class WorkflowInline(admin.TabularInline):
    """The pack's workflows, read-only, each linking to its own change page."""

    model = Workflow
    fields = ("ref", "label", "version", "enabled", "source_path", "source_sha256", "metadata_path")
    readonly_fields = fields
    show_change_link = True
    can_delete = False
    extra = 0
    max_num = 0
    ordering = ("label", "ref")


@admin.register(Pack)
class PackAdmin(PrettyReadOnlyJSON, RevisionGuardedAdmin):
    form = PackForm
    pretty_json_fields = JSON_FIELDS

    @staticmethod
    def pretty_json_value(pack, name):
        # Viewers see secret config values masked, as editors do (PackForm) and as in the API.
        if name == "config":
            return masked_config(pack.conf_schema, pack.config)
        return getattr(pack, name)

    list_display = ("ref", "label", "version", "workflow_count", "is_standard", "updated")
    list_filter = ("is_standard",)
    search_fields = ("ref", "label", "description")
    readonly_fields = ("source_dir", "manifest_sha256", "manifest", "created", "updated")
    inlines = [WorkflowInline]
    actions = ["sync_from_disk"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if not request.user.is_superuser:
            form.base_fields.pop("secret_values", None)
        return form

    def has_delete_permission(self, request, obj=None):
        # Also checked per row by the bulk "delete selected" action.
        if obj is not None and obj.ref == CORE_PACK_REF:
            return False  # shipped with the server (actions.rules.protect_core)
        return super().has_delete_permission(request, obj)

    @admin.display(description="Manifest text")
    def manifest(self, pack):
        # pack.yaml may carry the secret values themselves; the file is not masked, so not shown.
        if has_secret_values(pack.conf_schema, pack.config):
            return "(not shown: this pack has secret config values)"
        return preformatted(pack.manifest_text)  # pack.yaml as read, its indentation kept

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(workflow_count=Count("workflows"))

    @admin.display(description="Workflows", ordering="workflow_count")
    def workflow_count(self, pack):
        return pack.workflow_count

    @admin.action(description="Sync selected packs from disk", permissions=["change"])
    def sync_from_disk(self, request, queryset):
        """Open the preview of the plan (nothing is written until Confirm)."""
        query = urlencode([("pack", pk) for pk in queryset.order_by("ref").values_list("pk", flat=True)])
        return redirect(f"{reverse('admin:packs_pack_sync')}?{query}")

    def sync_view(self, request):
        """The plan of a sync from disk, with Confirm / Cancel; Confirm applies exactly that plan."""
        if request.method not in ("GET", "POST"):
            return HttpResponseNotAllowed(["GET", "POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        chosen = (request.POST if request.method == "POST" else request.GET).getlist("pack")
        packs = list(
            self.get_queryset(request).filter(pk__in=[pk for pk in chosen if is_row_id(pk)]).order_by("ref")
        )
        if not packs:
            self.message_user(request, "Select the packs to sync from disk first.", messages.WARNING)
            return redirect("admin:packs_pack_changelist")
        if not all(self.has_change_permission(request, pack) for pack in packs):
            raise PermissionDenied
        confirmed = request.POST.get("plan_digest", "") if request.method == "POST" else ""
        run = sync_packs(packs, request.user, confirmed)
        if run.applied:
            for outcome in run.outcomes:
                self._report(request, outcome)
            return redirect("admin:packs_pack_changelist")
        if request.method == "POST":
            self.message_user(
                request,
                "The files on disk changed since the plan was shown, so nothing was synced. "
                "Check the new plan below and confirm again.",
                messages.WARNING,
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "Sync from disk: the plan",
            "outcomes": run.outcomes,
            "plan_digest": run.digest,
        }
        return TemplateResponse(request, "admin/packs/pack/sync_preview.html", context)

    def _report(self, request, outcome):
        if outcome.problems:
            head, items, level = (
                f"{outcome.pack.ref}: not synced, nothing written:",
                outcome.problems,
                messages.ERROR,
            )
        else:
            head, items, level = f"{outcome.pack.ref}: synced.", outcome.items, messages.SUCCESS
        self.message_user(request, as_list(head, items or ["nothing changed"]), level)

    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        sync = self.admin_site.admin_view(self.sync_view)
        return [
            path("upload/", upload, name="packs_pack_upload"),
            path("sync/", sync, name="packs_pack_sync"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        pack = self.get_object(request, unquote(object_id))
        if pack is not None and pack.source_dir and self.has_change_permission(request, pack):
            sync_url = f"{reverse('admin:packs_pack_sync')}?{urlencode({'pack': pack.pk})}"
            extra_context = {**(extra_context or {}), "sync_url": sync_url}
        return super().change_view(request, object_id, form_url, extra_context)

    def upload_view(self, request):
        """Upload an archive: the same code path as POST /api/v1/packs/upload."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = UploadForm(request.POST or None, request.FILES or None)
        problems = []
        if request.method == "POST" and form.is_valid():
            if form.cleaned_data["force"] and not self.has_change_permission(request):
                raise PermissionDenied
            upload = form.cleaned_data["file"]
            try:
                plan = disk.upload(
                    upload, upload.name, form.cleaned_data["force"], disk.deletion_guard(request.user)
                )
            except PackInvalid as exc:
                problems = [str(problem) for problem in exc.problems]
            except disk.PackExists:
                form.add_error(
                    "file",
                    "This pack is registered already, or its folder exists in the packs directory. "
                    "Tick “Force” to replace it.",
                )
            except ArchiveRejected as exc:
                form.add_error("file", archive_refusal(exc))
            except disk.PruneNotAllowed as exc:
                form.add_error("file", problems_of(exc)[0])
            else:
                items = plan_items(plan) or ["nothing changed"]
                self.message_user(
                    request, as_list(f"{plan.ref}: uploaded and registered.", items), messages.SUCCESS
                )
                return redirect("admin:packs_pack_change", Pack.objects.get(ref=plan.ref).pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "problems": problems,
            "title": "Upload pack",
        }
        return TemplateResponse(request, "admin/packs/pack/upload.html", context)
