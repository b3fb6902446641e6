from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote

from actions.models import Action
from actions.rules import CORE_PACK_REF, CorePackProtected, protect_core
from attune.admin_forms import TagsFormField, YamlOrJSONField
from attune.admin_guard import RevisionGuardedAdmin, RevisionGuardedForm
from attune.admin_readonly import PrettyReadOnlyJSON, preformatted
from packs.admin_source import source_context


class ActionForm(RevisionGuardedForm):
    """Model validation (Action.full_clean) applies the same rules as the API and the loader."""

    tags = TagsFormField()
    runner_type = forms.ChoiceField(
        choices=[(c, label) for c, label in Action.RunnerType.choices if c != Action.RunnerType.WORKFLOW],
        help_text="`workflow` actions are made by loading their workflow's pack.",
    )

    def clean_pack(self):
        pack = self.cleaned_data.get("pack")
        try:
            protect_core(getattr(pack, "ref", ""), "no action can be added to it")
        except CorePackProtected as exc:
            raise forms.ValidationError(str(exc)) from None
        return pack

    class Meta:
        model = Action
        fields = (
            "ref", "pack", "label", "description", "enabled", "runner_type", "entry_point", "parameters",
            "output", "parameter_delivery", "parameter_format", "output_format", "timeout", "tags",
        )  # fmt: skip
        field_classes = {"parameters": YamlOrJSONField, "output": YamlOrJSONField}

    def clean_parameters(self):
        parameters = self.cleaned_data.get("parameters")
        return {} if parameters is None else parameters  # blank: no parameters (never null)


def managed(action) -> bool:
    """Core pack actions are the server's; `workflow` actions follow their workflow."""
    return action is not None and (
        action.pack.ref == CORE_PACK_REF or action.runner_type == Action.RunnerType.WORKFLOW
    )


@admin.register(Action)
class ActionAdmin(PrettyReadOnlyJSON, RevisionGuardedAdmin):
    form = ActionForm
    pretty_json_fields = ("parameters", "output")
    list_display = ("ref", "pack", "label", "runner_type", "entry_point", "enabled", "tag_list", "updated")
    list_filter = ("runner_type", "enabled", "pack")
    # tags__tag_icontains searches inside the tag list in the database (attune.fields).
    search_fields = ("ref", "label", "description", "entry_point", "tags__tag_icontains")
    list_select_related = ("pack",)
    readonly_fields = ("workflow", "source_path", "source_sha256", "source_file", "created", "updated")

    @admin.display(description="Source text")
    def source_file(self, action):
        return preformatted(action.source_text)  # the YAML file as read, its indentation kept

    def change_view(self, request, object_id, form_url="", extra_context=None):
        notice = source_context(self.get_object(request, unquote(object_id)))
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **notice})

    @admin.display(description="Tags")
    def tag_list(self, action):
        return ", ".join(action.tags)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("pack")

    def has_change_permission(self, request, obj=None):
        # A managed action's page is shown read-only (the view permission suffices to see it).
        return not managed(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Also checked per row by the bulk "delete selected" action.
        return not managed(obj) and super().has_delete_permission(request, obj)
