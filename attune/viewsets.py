"""The base viewset every resource uses: Attune's envelopes and partial-update semantics."""

from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.utils.http import parse_etags
from rest_framework import generics, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import DjangoModelPermissions, IsAuthenticated
from rest_framework.routers import SimpleRouter

from attune.api import Conflict, PreconditionFailed, data_response, success_response
from packs.models import Pack


def etag(instance) -> str:
    """A strong ETag: the row's id and write counter, so a re-created ref never matches."""
    return row_etag(instance.pk, instance.revision)


def row_etag(pk, revision) -> str:
    return f'"{pk}-{revision}"'


def check_if_match(request, instance) -> None:
    """412 unless `If-Match` is absent, `*`, or lists the row's current ETag.

    Strong comparison (RFC 9110): a weak tag `W/"..."` never matches. Call it with the row
    locked, so nobody can write between this check and the caller's write.
    """
    header = request.headers.get("If-Match")
    if header is None:
        return
    tags = parse_etags(header)
    if tags != ["*"] and etag(instance) not in tags:
        raise PreconditionFailed(
            f"If-Match {header!r} does not match the current ETag {etag(instance)}: "
            "someone else changed it; fetch it again."
        )


def with_etag(response, instance):
    response["ETag"] = etag(instance)
    return response


class ActionModelPermissions(DjangoModelPermissions):
    """Django model permissions by HTTP method, or by `view.action_permissions[action]`.

    Extra actions (register, sync, ...) name the permissions they need explicitly; an
    action listed with `[]` needs only an authenticated user.
    """

    def has_permission(self, request, view):
        required = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
        if required is None and not self.perms_map.get(request.method, True):
            # A method needing no model permission (GET, HEAD, OPTIONS) needs only a user:
            # no queryset to build for its model.
            return bool(request.user and request.user.is_authenticated)
        if required is None:
            return super().has_permission(request, view)
        return bool(request.user and request.user.is_authenticated and request.user.has_perms(required))


class ValuesListMixin:
    """List rows straight from `.values()` instead of model instances and a serializer.

    The list is the hot path: building 50 model instances (every JSON column decoded) and
    serializing them costs several times the query. `list_values` names the columns (the
    summary serializer's fields, which document the shape) and `list_annotations` adds
    computed ones such as `pack_ref`. DRF's JSON encoder writes datetimes exactly as the
    serializer would; a test holds the two shapes equal.
    """

    list_values: tuple = ()
    list_annotations: dict = {}

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        rows = page.values(*self.list_values, **self.list_annotations)
        return self.get_paginated_response(list(rows))


class ValuesDetailMixin:
    """Answer `GET` of one row from `.values()`, as ValuesListMixin does for the list.

    A model instance and the detail serializer cost more than the query (building the
    serializer's fields alone is a third of a request). `detail_values` names the columns and
    `detail_annotations` the computed ones; the body lists them in the detail serializer's
    field order, which documents the shape, and a test holds the two bodies equal. Writes
    still answer through the serializer.
    """

    detail_values: tuple = ()
    detail_annotations: dict = {}

    def retrieve(self, request, *args, **kwargs):
        queryset = self.get_queryset().values(*self.detail_values, "revision", **self.detail_annotations)
        row = self._get(queryset)
        fields = self.serializer_classes["retrieve"].Meta.fields
        response = data_response({name: row[name] for name in fields})
        response["ETag"] = row_etag(row["id"], row["revision"])
        return response


class PackContentsListView(ValuesListMixin, generics.GenericAPIView):
    """`GET /packs/{pack_ref}/<contents>`: one pack's rows, with the resource list's filters.

    The rows are filtered on the pack's id, read by a subquery on the unique ref, so neither
    the count nor the page needs a join nor a query of its own. Only an empty answer asks
    whether the pack exists (404 when not), which keeps the list at three queries at most:
    user, count, page; or user, count (0), pack; or without the count, user, page, pack.
    """

    def get(self, request, *args, **kwargs):
        response = self.list(request, *args, **kwargs)
        if not response.data["items"] and not self.paginator.total_items:
            pack_ref = self.kwargs["pack_ref"]
            if not Pack.objects.filter(ref=pack_ref).exists():
                raise NotFound(f"Pack '{pack_ref}' not found")
        return response

    def get_queryset(self):
        pack_id = Pack.objects.filter(ref=self.kwargs["pack_ref"]).values("id")
        return super().get_queryset().filter(pack_id=Subquery(pack_id))


class EnvelopeModelViewSet(ValuesListMixin, viewsets.GenericViewSet):
    """CRUD by natural key, answering `{"data": ...}` and `{"success": ...}` envelopes.

    Subclasses declare the queryset, the serializer per action and `entity` (the noun used
    in messages). PUT and PATCH are both partial updates, as in Attune.
    """

    entity = "Object"
    lookup_field = "ref"
    # Refs contain dots; anything up to the next slash is the ref.
    lookup_value_regex = r"[^/]+"
    permission_classes = [IsAuthenticated, ActionModelPermissions]
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    serializer_classes: dict = {}

    def get_serializer_class(self):
        return self.serializer_classes.get(self.action, self.serializer_classes["retrieve"])

    def get_object(self):
        return self._get(self.get_queryset())

    def locked_object(self):
        """The row, locked until the transaction ends (404 if it is gone).

        A plain queryset: PostgreSQL refuses FOR UPDATE with the list's GROUP BY annotations,
        and `of=("self",)` leaves joined rows (a workflow's pack) unlocked. SQLite has no row
        locks; its IMMEDIATE transactions (settings) serialize writers instead.
        """
        queryset = self.lock_queryset().select_for_update(of=("self",))
        return self._get(queryset)

    def lock_queryset(self):
        return self.get_queryset().model._default_manager.all()

    def _get(self, queryset):
        ref = self.kwargs[self.lookup_field]
        try:
            return queryset.get(**{self.lookup_field: ref})
        except queryset.model.DoesNotExist:
            raise NotFound(f"{self.entity} '{ref}' not found") from None

    def represent(self, instance):
        return self.serializer_classes["retrieve"](instance, context=self.get_serializer_context()).data

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        return with_etag(data_response(self.represent(instance)), instance)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ref = serializer.validated_data[self.lookup_field]
        try:
            with transaction.atomic():
                instance = serializer.save()
        except IntegrityError:
            # Decided by the unique constraint, so concurrent creates get one 201, rest 409.
            if self.get_queryset().model.objects.filter(**{self.lookup_field: ref}).exists():
                raise Conflict(f"{self.entity} with ref '{ref}' already exists") from None
            self.explain_integrity_error(serializer.validated_data)
            raise
        response = data_response(
            self.represent(self.after_create(instance)),
            f"{self.entity} created successfully",
            201,
            getattr(serializer, "warnings", None),
        )
        return with_etag(response, instance)

    def explain_integrity_error(self, validated_data):
        """Raise an API error for a failed insert that is not a duplicate ref, if one fits."""

    def after_create(self, instance):
        """The instance as the detail serializer wants it (annotations, prefetches)."""
        return instance

    def update(self, request, *args, **kwargs):
        # Read, validate, check and write under the row lock: a concurrent DELETE either
        # went first (404 here) or waits for this write; a concurrent PATCH of other fields
        # validates against this one's result. The serializer writes only the fields sent.
        with transaction.atomic():
            instance = self.locked_object()
            serializer = self.get_serializer(instance, data=request.data, partial=True)
            # A bad body is a 400 whatever the tag says: the client learns what to mend.
            serializer.is_valid(raise_exception=True)
            check_if_match(request, instance)
            serializer.save()
            instance = self.get_object()
            data = self.represent(instance)
        response = data_response(
            data, f"{self.entity} updated successfully", warnings=getattr(serializer, "warnings", None)
        )
        return with_etag(response, instance)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        with transaction.atomic():
            # Locked, so of two concurrent deletes one answers 200 and the other 404.
            instance = self.locked_object()
            check_if_match(request, instance)
            self.check_destroy(instance)
            _, deleted = instance.delete()
        return success_response(self.deleted_message(instance, deleted))

    def check_destroy(self, instance):
        """Raise if this user may not delete `instance` (beyond the model permission)."""

    def deleted_message(self, instance, deleted: dict) -> str:
        return f"{self.entity} '{getattr(instance, self.lookup_field)}' deleted successfully"


class OptionalSlashRouter(SimpleRouter):
    """Routes that match with or without a trailing slash, so no client is redirected."""

    def __init__(self):
        super().__init__()
        self.trailing_slash = "/?"
