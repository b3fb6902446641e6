"""The pack-from-disk endpoints: register, upload, sync, validate, plan."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError

from attune import schema
from attune.api import Conflict, data_response
from attune.parsers import MultiPartParser
from packs.ondisk import operations as disk
from packs.ondisk.archive import ArchiveRejected
from packs.ondisk.loader import PackInvalid
from packs.ondisk.serializers import (
    PlanSerializer,
    RegisteredSerializer,
    RegisterSerializer,
    SyncResultSerializer,
    UploadSerializer,
    ValidationResultSerializer,
)
from packs.ondisk.specs import CREATE, UNCHANGED, UPDATE
from packs.serializers import PackSerializer

INVALID_PACK = schema.error(
    "The pack has problems: `details` lists them per file, as `line:column: message`."
)
OUTSIDE = schema.error("The path is outside ATTUNE_PACKS_DIR.")
REF = OpenApiParameter("ref", str, OpenApiParameter.PATH, description="Pack ref.")
DRY_RUN = OpenApiParameter(
    "dry_run", bool, description="Plan only: compute and return the plan, write nothing."
)


def problems_by_file(exc: PackInvalid) -> dict:
    details: dict[str, list[str]] = {}
    for problem in exc.problems:
        location = ":".join(str(p) for p in (problem.line, problem.column) if p is not None)
        details.setdefault(problem.file, []).append(
            f"{location}: {problem.message}" if location else problem.message
        )
    return details


def problems_by_owner(exc: PackInvalid) -> dict:
    """Problems keyed by the workflow they belong to, else by their file."""
    errors: dict[str, list[str]] = {}
    for problem in exc.problems:
        errors.setdefault(problem.ref or problem.file, []).append(str(problem))
    return errors


class PackDiskActions:
    """Actions mixed into PackViewSet; each is a thin shell over packs.ondisk.operations."""

    # Beyond DjangoModelPermissions' method mapping: which model permissions each action needs.
    action_permissions = {
        "register": ["packs.add_pack"],
        "upload": ["packs.add_pack"],
        "sync": ["packs.change_pack"],
        "validate_workflows": [],
        "plan": [],
    }

    def _registered(self, plan):
        pack = self.get_queryset().get(ref=plan.ref)
        body = {"pack": PackSerializer(pack).data, "plan": plan.as_dict(), "tests_skipped": True}
        return data_response(body, "Pack registered successfully", 201)

    def _guard(self):
        return disk.deletion_guard(self.request.user)

    def _require_change_for_force(self, force: bool):
        if force and not self.request.user.has_perm("packs.change_pack"):
            raise PermissionDenied("force=true replaces a registered pack, which needs packs.change_pack")

    @extend_schema(
        operation_id="register_pack",
        summary="Register a pack directory on the server",
        request=RegisterSerializer,
        responses={
            201: schema.data_envelope(RegisteredSerializer(), "RegisteredPackEnvelope"),
            400: INVALID_PACK,
            401: schema.UNAUTHORIZED,
            403: OUTSIDE,
            409: schema.CONFLICT,
        },
    )
    @action(detail=False, methods=["post"])
    def register(self, request):
        body = RegisterSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self._require_change_for_force(body.validated_data["force"])
        plan = self._run(
            disk.register, body.validated_data["path"], body.validated_data["force"], self._guard()
        )
        return self._registered(plan)

    @extend_schema(
        operation_id="upload_pack",
        summary="Upload a pack archive and register it",
        request={"multipart/form-data": UploadSerializer},
        responses={
            201: schema.data_envelope(RegisteredSerializer(), "UploadedPackEnvelope"),
            400: INVALID_PACK,
            401: schema.UNAUTHORIZED,
            403: schema.FORBIDDEN,
            409: schema.CONFLICT,
            413: schema.PAYLOAD_TOO_LARGE,
            415: schema.UNSUPPORTED_MEDIA_TYPE,
        },
    )
    @action(detail=False, methods=["post"], parser_classes=[MultiPartParser])
    def upload(self, request):
        # Size: the middleware refuses a Content-Length over ATTUNE_UPLOAD_MAX_BYTES, and
        # Django reads no further than the declared length.
        body = UploadSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self._require_change_for_force(body.validated_data["force"])
        upload = body.validated_data["file"]
        plan = self._run(disk.upload, upload, upload.name, body.validated_data["force"], self._guard())
        return self._registered(plan)

    @extend_schema(
        operation_id="sync_pack_workflows",
        summary="Re-read the pack's directory and apply the plan",
        parameters=[REF, DRY_RUN],
        request=None,
        responses={
            200: schema.data_envelope(SyncResultSerializer(), "SyncResultEnvelope"),
            400: INVALID_PACK,
            401: schema.UNAUTHORIZED,
            403: schema.FORBIDDEN,
            404: schema.NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"], url_path="workflows/sync")
    def sync(self, request, ref=None):
        pack = self.get_object()
        dry_run = self._dry_run(request)
        plan = self._run(disk.sync, pack, dry_run, self._guard())
        workflows = [
            {"ref_name": c.ref, "created": c.action == CREATE, "warnings": [], "workflow_def_id": c.id}
            for c in plan.workflows
            if c.action in (CREATE, UPDATE, UNCHANGED)
        ]
        result = {
            "pack_ref": pack.ref,
            "loaded_count": len(workflows),
            "registered_count": plan.count(CREATE) + plan.count(UPDATE),
            "workflows": workflows,
            "errors": [],
            "plan": plan.as_dict(),
        }
        message = "Pack workflows planned (dry run)" if dry_run else "Pack workflows synced successfully"
        return data_response(result, message)

    @extend_schema(
        operation_id="validate_pack_workflows",
        summary="Check the pack's directory without writing",
        parameters=[REF],
        request=None,
        responses={
            200: schema.data_envelope(ValidationResultSerializer(), "ValidationResultEnvelope"),
            401: schema.UNAUTHORIZED,
            403: OUTSIDE,
            404: schema.NOT_FOUND,
        },
    )
    @action(detail=True, methods=["post"], url_path="workflows/validate", url_name="validate-workflows")
    def validate_workflows(self, request, ref=None):
        pack = self.get_object()
        try:
            # A planned sync: every check a real sync makes (ownership too), no writes.
            plan = self._run(disk.sync, pack, True, reraise=PackInvalid)
            count, errors = sum(1 for change in plan.workflows if change.action != "delete"), {}
        except PackInvalid as exc:
            count, errors = exc.workflows_checked, problems_by_owner(exc)
        result = {
            "pack_ref": pack.ref,
            "validated_count": count,
            "error_count": sum(len(messages) for messages in errors.values()),
            "errors": errors,
        }
        return data_response(result, "Pack workflows validated")

    @extend_schema(
        operation_id="plan_pack",
        summary="What a sync would change, without applying it",
        parameters=[REF],
        responses={
            200: schema.data_envelope(PlanSerializer(), "PlanEnvelope"),
            400: INVALID_PACK,
            401: schema.UNAUTHORIZED,
            403: OUTSIDE,
            404: schema.NOT_FOUND,
        },
    )
    @action(detail=True, methods=["get"])
    def plan(self, request, ref=None):
        plan = self._run(disk.sync, self.get_object(), True)
        return data_response(plan.as_dict())

    @staticmethod
    def _dry_run(request) -> bool:
        # Strict: a misspelt dry run must not turn into a real sync that deletes rows.
        value = request.query_params.get("dry_run", "false")
        if value not in ("true", "false"):
            raise ValidationError({"dry_run": [f"Use true or false, not '{value}'."]})
        return value == "true"

    def _run(self, operation, *args, reraise=()):
        """Call a packs.ondisk.operations operation, turning its domain errors into API errors."""
        try:
            return operation(*args)
        except reraise:
            raise
        except disk.PackGone as exc:
            raise NotFound(f"Pack '{exc.pack_ref}' not found") from None
        except PackInvalid as exc:
            raise ValidationError(problems_by_file(exc)) from None
        except (disk.PathNotAllowed, disk.PruneNotAllowed) as exc:
            raise PermissionDenied(str(exc)) from None
        except disk.PackExists as exc:
            raise Conflict(str(exc)) from None
        except ArchiveRejected as exc:
            raise ValidationError({"file": [str(exc)]}) from None
