from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from attune.admin_forms import PrettyJSONField, TagsFormField
from packs import disk
from packs.archive import ArchiveRejected
from packs.loader import PackInvalid
from packs.models import Pack
from packs.serializers import JSON_ARRAY_FIELDS, JSON_OBJECT_FIELDS
from workflows.models import Workflow

JSON_FIELDS = (*JSON_OBJECT_FIELDS, *JSON_ARRAY_FIELDS)


class PackForm(forms.ModelForm):
    tags = TagsFormField()

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


class UploadForm(forms.Form):
    file = forms.FileField(help_text="A .tar.gz, .tgz or .zip archive of the pack.")
    force = forms.BooleanField(required=False, help_text="Replace the pack if it is registered already.")


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
class PackAdmin(admin.ModelAdmin):
    form = PackForm
    list_display = ("ref", "label", "version", "workflow_count", "is_standard", "updated")
    list_filter = ("is_standard",)
    search_fields = ("ref", "label", "description")
    readonly_fields = ("source_dir", "manifest_sha256", "manifest_text", "created", "updated")
    inlines = [WorkflowInline]
    actions = ["sync_from_disk"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(workflow_count=Count("workflows"))

    @admin.display(description="Workflows", ordering="workflow_count")
    def workflow_count(self, pack):
        return pack.workflow_count

    @admin.action(description="Sync selected packs from disk", permissions=["change"])
    def sync_from_disk(self, request, queryset):
        for pack in queryset:
            try:
                plan = disk.sync(pack, check=disk.deletion_guard(request.user))
            except PackInvalid as exc:
                problems = "; ".join(str(p) for p in exc.problems[:10])
                self.message_user(
                    request, f"{pack.ref}: not synced, nothing written: {problems}", messages.ERROR
                )
            except (disk.PathNotAllowed, disk.PruneNotAllowed) as exc:
                self.message_user(request, f"{pack.ref}: not synced: {exc}", messages.ERROR)
            else:
                self.message_user(request, " | ".join(plan.lines()), messages.SUCCESS)

    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        return [path("upload/", upload, name="packs_pack_upload"), *super().get_urls()]

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
            except (ArchiveRejected, disk.PackExists, disk.PruneNotAllowed) as exc:
                form.add_error("file", str(exc))
            else:
                self.message_user(request, " | ".join(plan.lines()), messages.SUCCESS)
                return redirect("admin:packs_pack_change", Pack.objects.get(ref=plan.ref).pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "problems": problems,
            "title": "Upload pack",
        }
        return TemplateResponse(request, "admin/packs/pack/upload.html", context)
