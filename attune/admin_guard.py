"""Admin change forms that neither resurrect a deleted row nor overwrite a newer one.

The page carries the `revision` it showed; saving a row that someone changed since (the
API, a pack sync, another operator) is refused with a reload hint, and saving a row deleted
meanwhile says so instead of failing: the API's If-Match rule, applied to the admin.
"""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect

from attune.models import RowDeleted

STALE = (
    "This %(name)s was changed elsewhere since this page was opened (revision %(seen)s, now "
    "%(current)s). Nothing was saved: reload the page to see the changes, then edit again."
)


class StaleEdit(Exception):
    """The row's revision moved between opening the page and saving it."""


class RevisionGuardedForm(forms.ModelForm):
    """A change form that remembers the revision it showed and refuses a stale save."""

    seen_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_revision"].initial = self.instance.revision

    def clean(self):
        cleaned = super().clean()
        seen = cleaned.get("seen_revision")
        if self.instance.pk and seen is not None and seen != self.instance.revision:
            raise forms.ValidationError(STALE, code="stale", params=stale_params(self.instance, seen))
        return cleaned


class RevisionGuardedAdmin(admin.ModelAdmin):
    """A ModelAdmin for `attune.models.Revisioned` models, with a `RevisionGuardedForm`."""

    def save_model(self, request, obj, form, change):
        if change:
            # Re-checked under the row lock: the form's check ran before the transaction.
            current = (
                type(obj).objects.select_for_update().filter(pk=obj.pk).values_list("revision", flat=True)
            )
            current = current.first()
            if current is None:
                raise RowDeleted(f"{obj._meta.verbose_name} '{obj}' was deleted meanwhile")
            seen = form.cleaned_data.get("seen_revision")
            if seen is not None and seen != current:
                raise StaleEdit(STALE % stale_params(obj, seen, current))
        super().save_model(request, obj, form, change)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RowDeleted as exc:
            self.message_user(request, f"{exc}; nothing was saved.", messages.ERROR)
        except StaleEdit as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return redirect(request.path)
        return redirect(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")


def stale_params(instance, seen, current=None) -> dict:
    return {"name": instance._meta.verbose_name, "seen": seen, "current": current or instance.revision}
