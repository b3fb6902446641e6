"""The base viewset every resource uses: Attune's envelopes and partial-update semantics."""

from django.db import IntegrityError, transaction
from rest_framework import viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import DjangoModelPermissions, IsAuthenticated
from rest_framework.routers import SimpleRouter

from attune.api import Conflict, data_response, success_response


class ActionModelPermissions(DjangoModelPermissions):
    """Django model permissions by HTTP method, or by `view.action_permissions[action]`.

    Extra actions (register, sync, ...) name the permissions they need explicitly; an
    action listed with `[]` needs only an authenticated user.
    """

    def has_permission(self, request, view):
        required = getattr(view, "action_permissions", {}).get(getattr(view, "action", None))
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
        ref = self.kwargs[self.lookup_field]
        try:
            return self.get_queryset().get(**{self.lookup_field: ref})
        except self.get_queryset().model.DoesNotExist:
            raise NotFound(f"{self.entity} '{ref}' not found") from None

    def represent(self, instance):
        return self.serializer_classes["retrieve"](instance, context=self.get_serializer_context()).data

    def retrieve(self, request, *args, **kwargs):
        return data_response(self.represent(self.get_object()))

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
            raise
        return data_response(
            self.represent(self.after_create(instance)),
            f"{self.entity} created successfully",
            201,
            getattr(serializer, "warnings", None),
        )

    def after_create(self, instance):
        """The instance as the detail serializer wants it (annotations, prefetches)."""
        return instance

    def update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        serializer.save()
        return data_response(
            self.represent(self.get_object()),
            f"{self.entity} updated successfully",
            warnings=getattr(serializer, "warnings", None),
        )

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        self.check_destroy(instance)
        with transaction.atomic():
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
