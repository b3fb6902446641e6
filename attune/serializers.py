"""Serializer building blocks shared by the pack and workflow APIs."""

from copy import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attune.validators import TAG_MAX, normalize_tags

# The characters str.strip() removes (Python's whitespace, wider than JSON Schema's `\s`), as
# a regular-expression class that ECMA-262 and Python read alike.
SPACE_CLASS = "".join(f"\\u{code:04x}" for code in range(0x10000) if chr(code).isspace())
# A string that is not empty once trimmed, as the server reads CharFields.
NOT_BLANK_PATTERN = f"[^{SPACE_CLASS}]"
# A tag: 1-TAG_MAX characters once trimmed, no comma anywhere.
TAG_PATTERN = (
    f"^[{SPACE_CLASS}]*[^{SPACE_CLASS},](?:[^,]{{0,{TAG_MAX - 2}}}[^{SPACE_CLASS},])?[{SPACE_CLASS}]*$"
)


@extend_schema_field({"type": "array", "items": {"type": "string", "pattern": TAG_PATTERN}})
class TagListField(serializers.ListField):
    """Tags: trimmed, 1-64 characters, no commas, de-duplicated in first-seen order."""

    child = serializers.CharField(max_length=TAG_MAX, allow_blank=False)

    def to_internal_value(self, data):
        try:
            return normalize_tags(data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from None


@extend_schema_field({"type": "object", "additionalProperties": True})
class JSONObjectField(serializers.JSONField):
    """A JSON object (not an array, string or number)."""

    default_error_messages = {"not_object": "Must be a JSON object."}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, dict):
            self.fail("not_object")
        return value


@extend_schema_field({"type": "array", "items": {}})
class JSONArrayField(serializers.JSONField):
    """A JSON array."""

    default_error_messages = {"not_array": "Must be a JSON array."}

    def to_internal_value(self, data):
        value = super().to_internal_value(data)
        if not isinstance(value, list):
            self.fail("not_array")
        return value


class StrictBooleanField(serializers.BooleanField):
    """JSON `true` or `false` only: `"yes"`, `1` and `"true"` are errors, not guesses."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


class StrictCharField(serializers.CharField):
    """JSON strings only: DRF's CharField would quietly store the number 5 as "5"."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        # The length limit is the documented one (`maxLength`) of what was sent, before DRF
        # trims the whitespace off.
        if self.max_length is not None and len(data) > self.max_length:
            self.fail("max_length", max_length=self.max_length)
        return super().to_internal_value(data)


class UnknownKeysRefused:
    """Serializer mixin: a body key the serializer does not know is a 400 ("Unknown field."),
    stated in the OpenAPI schema as `additionalProperties: false`."""

    def to_internal_value(self, data):
        errors = self._unknown_key_errors(data) if isinstance(data, dict) else {}
        return self._validate_reporting(errors, data)

    def _unknown_key_errors(self, data) -> dict:
        known = {name for name, field in self.fields.items() if not field.read_only}
        return {key: ["Unknown field."] for key in sorted(set(data) - known)}

    def _validate_reporting(self, errors: dict, data):
        """The serializer's own validation of `data`, answered together with `errors`."""
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({**errors, **exc.detail}) from None
        if errors:
            raise serializers.ValidationError(errors)
        return value


class StrictWriteSerializer(UnknownKeysRefused, serializers.ModelSerializer):
    """A write serializer that rejects what it does not know and applies Model.clean().

    * Unknown keys are a 400, so a typo such as `"enabeld": false` is not silently ignored.
    * A key sent as null counts as absent: on update the field stays unchanged, on create it
      takes its default (Attune clients send `null` for "not given").
    * Fields listed in Meta.immutable_fields may be sent on update only with their current value.
    * Booleans must be JSON booleans, strings JSON strings.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.BooleanField: StrictBooleanField,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
    }

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            return super().to_internal_value(data)
        errors = self._unknown_key_errors(data)
        data = {key: value for key, value in data.items() if value is not None}
        if self.instance is not None:
            errors.update(self._immutable_errors(data))
            data = {k: v for k, v in data.items() if k not in self.immutable_fields}
        return self._validate_reporting(errors, data)

    @property
    def immutable_fields(self) -> tuple:
        return getattr(self.Meta, "immutable_fields", ())

    def _immutable_errors(self, data) -> dict:
        errors = {}
        for name in self.immutable_fields:
            current = getattr(self.instance, name)
            if name in data and data[name] != current:
                errors[name] = [f"Cannot be changed (it is '{current}')."]
        return errors

    def update(self, instance, validated_data):
        """UPDATE only the fields sent: a concurrent write of other fields is not undone."""
        for name, value in validated_data.items():
            setattr(instance, name, value)
        instance.save(update_fields=list(validated_data))
        return instance

    def validate(self, attrs):
        attrs = super().validate(attrs)
        candidate = copy(self.instance) if self.instance is not None else self.Meta.model()
        for name, value in attrs.items():
            setattr(candidate, name, value)
        try:
            candidate.clean()
        except DjangoValidationError as exc:
            raise serializers.ValidationError(serializers.as_serializer_error(exc)) from None
        return attrs
