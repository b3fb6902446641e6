"""Model building blocks shared by the apps."""

from django.db import DatabaseError, models
from django.db.models import F


class RowDeleted(DatabaseError):
    """The row a loaded instance stands for was deleted before this save reached it."""


class Revisioned(models.Model):
    """A row that counts its writes and is only ever updated in place once it exists.

    Django's `save()` on a loaded instance runs an UPDATE and, when that touches no row
    (someone deleted it meanwhile), an INSERT: the deleted row comes back. Here a loaded
    instance is saved with `force_update`, so a vanished row is an error, never a rebirth.
    `revision` is incremented by the same UPDATE; the API sends it as the ETag.
    """

    revision = models.PositiveBigIntegerField(
        default=1, editable=False, help_text="Incremented by every write; the API's ETag."
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self._state.adding or kwargs.get("force_insert"):
            return super().save(*args, **kwargs)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            if not update_fields:
                return None  # nothing sent, nothing written: the revision stays
            kwargs["update_fields"] = {*update_fields, "revision", "updated"}
        kwargs["force_update"] = True
        # In the database, not from the loaded value: two unlocked saves (the admin) still
        # count two revisions.
        self.revision = F("revision") + 1
        try:
            super().save(*args, **kwargs)
        except DatabaseError as exc:
            # Django raises the plain base class when a forced UPDATE matches no row; the
            # backend's own errors are subclasses and pass through untouched.
            if type(exc) is not DatabaseError:
                raise
            raise RowDeleted(f"{self._meta.verbose_name} '{self}' was deleted meanwhile") from exc
        self.refresh_from_db(fields=["revision"])
        return None
