"""Endpoints about the language itself: validate a definition, describe a stored graph."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import BaseParser
from rest_framework.views import APIView

from attune import schema
from attune.api import data_response
from attune.parsers import JSONParser
from attune.yamlio import YamlError, load_yaml
from workflows.validation import check_definition, describe_graph

DIAGNOSTIC = inline_serializer(
    name="Diagnostic",
    fields={
        "code": serializers.CharField(help_text="Stable code, e.g. `W101-unknown-task`."),
        "severity": serializers.ChoiceField(choices=["error", "warning"]),
        "message": serializers.CharField(help_text="What is wrong and how to fix it."),
        "path": serializers.CharField(help_text="JSON pointer into the definition."),
        "line": serializers.IntegerField(allow_null=True, help_text="1-based, when the definition was YAML."),
        "column": serializers.IntegerField(allow_null=True),
    },
)
GRAPH = inline_serializer(
    name="TaskGraph",
    fields={
        "nodes": serializers.ListField(
            child=serializers.DictField(), help_text="`{name, action, type, parent, reachable}`"
        ),
        "edges": serializers.ListField(
            child=serializers.DictField(),
            help_text="`{from, to, kind, when}`; kind is success, failure, complete, timeout or conditional.",
        ),
        "entry": serializers.ListField(
            child=serializers.CharField(), help_text="Tasks that start the workflow."
        ),
    },
)
VALIDATION = inline_serializer(
    name="DefinitionValidation",
    fields={
        "valid": serializers.BooleanField(help_text="No error-severity diagnostic."),
        "diagnostics": serializers.ListField(child=DIAGNOSTIC),
        "graph": GRAPH,
    },
)


class YamlText(str):
    """A YAML body as text, told apart from a JSON body that is a string."""


class YamlTextParser(BaseParser):
    """Hands the view the YAML text itself: it is parsed strictly, keeping line numbers."""

    media_type = "application/yaml"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return YamlText(stream.read().decode("utf-8"))
        except UnicodeDecodeError:
            raise ValidationError({"body": ["The YAML is not UTF-8 text."]}) from None


class ValidateDefinitionView(APIView):
    """Check a definition without saving it."""

    parser_classes = [JSONParser, YamlTextParser]

    @extend_schema(
        operation_id="validate_workflow_definition",
        tags=["workflows"],
        summary="Validate a workflow definition (JSON or YAML) without saving it",
        description=(
            "The body is the definition: JSON, or YAML text (any YAML document). A body that is "
            "not an object is answered with the `W000-not-an-object` diagnostic."
        ),
        request={"application/json": schema.ANY_BUT_NULL, "application/yaml": OpenApiTypes.ANY},
        responses={
            200: schema.data_envelope(VALIDATION, "DefinitionValidationEnvelope"),
            400: schema.error(
                "No definition (JSON `null`), or YAML that does not parse (with its line and column)."
            ),
            401: schema.UNAUTHORIZED,
            413: schema.PAYLOAD_TOO_LARGE,
            415: schema.UNSUPPORTED_MEDIA_TYPE,
        },
    )
    def post(self, request):
        doc = None
        if isinstance(request.data, YamlText):
            try:
                doc = load_yaml(str(request.data))
            except YamlError as exc:
                where = f"line {exc.line}, column {exc.column}: " if exc.line else ""
                raise ValidationError({"body": [f"{where}{exc.message}"]}) from None
            definition = doc.data
        elif request.data is None:  # a JSON `null`: no definition at all, not a wrong one
            raise ValidationError({"body": ["Send a workflow definition: a JSON object or YAML text."]})
        else:
            definition = request.data
        report = check_definition(definition, param_schema=_param_schema(definition), doc=doc)
        # A definition refused by a limit is never analysed (a 10,000-task chain would hold
        # the worker), nor one that is misshapen.
        graph = describe_graph(report.definition) if report.complete else None
        return data_response({
            "valid": not report.errors,
            "diagnostics": [d.as_dict() for d in report.diagnostics],
            "graph": graph or {"nodes": [], "edges": [], "entry": []},
        })  # fmt: skip


def _param_schema(definition):
    """A standalone document may declare its parameters; templates are checked against them."""
    return definition.get("parameters") if isinstance(definition, dict) else None
