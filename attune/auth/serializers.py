from rest_framework import serializers


class LoginSerializer(serializers.Serializer):
    login = serializers.CharField(max_length=255, help_text="Username.")
    password = serializers.CharField(max_length=1024, trim_whitespace=False, style={"input_type": "password"})


class RefreshTokenSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(help_text="A refresh token from login or a previous refresh.")


class UserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    login = serializers.CharField(source="username")
    display_name = serializers.SerializerMethodField()

    def get_display_name(self, user) -> str:
        return user.get_full_name() or user.username


class CurrentUserSerializer(UserSerializer):
    email = serializers.EmailField()
    is_superuser = serializers.BooleanField()
    is_staff = serializers.BooleanField()
    permissions = serializers.SerializerMethodField(
        help_text="Django permissions the user holds, as `app_label.codename`."
    )

    def get_permissions(self, user) -> list[str]:
        return sorted(user.get_all_permissions())


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField(default="Bearer")
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")
    user = UserSerializer()
