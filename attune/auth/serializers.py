from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from attune.auth.permissions import ACTIONS, assigned_permission_set_refs, effective_permissions
from attune.serializers import StrictCharField, UnknownKeysRefused


class LoginSerializer(serializers.Serializer):
    login = serializers.CharField(max_length=255, help_text="Username.")
    password = serializers.CharField(max_length=1024, trim_whitespace=False, style={"input_type": "password"})


class RefreshTokenSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(help_text="A refresh token from login or a previous refresh.")


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    login = serializers.CharField(source="username")
    display_name = serializers.SerializerMethodField(
        help_text="The user's full name, or their login when no name is set."
    )

    def get_display_name(self, user) -> str:
        return user.get_full_name() or user.username


class EffectivePermissionSerializer(serializers.Serializer):
    resource = serializers.CharField(help_text="An API resource: `packs` or `workflows`.")
    actions = serializers.ListField(
        child=serializers.ChoiceField(choices=list(ACTIONS)),
        help_text="What the user may do with it. `read` needs only an active user.",
    )


class BlankAsNullEmailField(serializers.EmailField):
    """Django stores "no email" as ""; the schema's `format: email` allows only null for that."""

    def to_representation(self, value):
        return value or None


class CurrentUserSerializer(UserSerializer):
    """Attune's `CurrentUserResponse`, plus the user's Django flags and permissions."""

    auth_provider = serializers.SerializerMethodField(
        help_text='Always `"local"`: users and passwords live in this server\'s database.'
    )
    is_local = serializers.SerializerMethodField(help_text="Always true.")
    can_change_password = serializers.SerializerMethodField(
        help_text="Whether the user can change their password here: a staff user with a usable "
        "password, through the admin's password change page."
    )
    assigned_permission_set_refs = serializers.SerializerMethodField(
        help_text="The names of the user's Django groups, sorted."
    )
    effective_permissions = serializers.SerializerMethodField(
        help_text="What the user may do with each API resource, from their model permissions "
        "(held directly or through a group); a superuser may do everything."
    )
    email = BlankAsNullEmailField(allow_null=True, help_text="Null when the user has none.")
    is_superuser = serializers.BooleanField()
    is_staff = serializers.BooleanField()
    permissions = serializers.SerializerMethodField(
        help_text="Django permissions the user holds, as `app_label.codename`."
    )

    @extend_schema_field({"type": "string", "enum": ["local"]})
    def get_auth_provider(self, user) -> str:
        return "local"

    def get_is_local(self, user) -> bool:
        return True

    def get_can_change_password(self, user) -> bool:
        return user.is_staff and user.has_usable_password()

    def get_assigned_permission_set_refs(self, user) -> list[str]:
        return assigned_permission_set_refs(user)

    @extend_schema_field(EffectivePermissionSerializer(many=True))
    def get_effective_permissions(self, user):
        return effective_permissions(user)

    def get_permissions(self, user) -> list[str]:
        return sorted(user.get_all_permissions())


class UpdateCurrentUserSerializer(UnknownKeysRefused, serializers.Serializer):
    """Body of PUT /auth/me. As in Attune, PUT replaces the profile: a missing, null or blank
    `display_name` clears the name."""

    display_name = StrictCharField(
        max_length=150,
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="The new display name (trimmed; at most 150 characters). Missing, null or blank clears it.",
    )

    def update(self, user, validated_data):
        # Django keeps a name as first + last name; the whole display name goes in first_name.
        user.first_name = (validated_data.get("display_name") or "").strip()
        user.last_name = ""
        user.save(update_fields=["first_name", "last_name"])
        return user


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField(default="Bearer")
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")
    user = UserSerializer()
