"""Token endpoints: login, refresh (rotating), logout (revoking) and the current user.

simplejwt issues and checks the tokens; these views give them Attune's request and response
shapes. Refresh tokens are rotated on use and the used one is blacklisted.
"""

from django.contrib.auth import authenticate, get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from attune import schema
from attune.api import data_response, success_response
from attune.auth.serializers import (
    CurrentUserSerializer,
    LoginSerializer,
    RefreshTokenSerializer,
    TokenPairSerializer,
    UpdateCurrentUserSerializer,
    UserSerializer,
)

TokenEnvelope = schema.data_envelope(TokenPairSerializer(), "TokenEnvelope")
CurrentUserEnvelope = schema.data_envelope(CurrentUserSerializer(), "CurrentUserEnvelope")
INVALID_REFRESH = "Invalid or expired refresh token"


def token_pair(user, refresh: RefreshToken) -> dict:
    return {
        "access_token": str(refresh.access_token),
        "refresh_token": str(refresh),
        "token_type": "Bearer",
        "expires_in": int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
        "user": UserSerializer(user).data,
    }


def consume_refresh_token(raw: str) -> RefreshToken:
    """Check a refresh token and blacklist it, exactly once; else 401.

    Two concurrent refreshes with one token race on the blacklist's unique row, so only
    one of them gets a new pair.
    """
    try:
        token = RefreshToken(raw)
    except TokenError:
        raise AuthenticationFailed(INVALID_REFRESH) from None
    outstanding, _ = OutstandingToken.objects.get_or_create(
        jti=token[jwt_settings.JTI_CLAIM],
        defaults={"token": raw, "expires_at": datetime_from_epoch(token["exp"])},
    )
    _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    if not created:
        raise AuthenticationFailed(INVALID_REFRESH)
    return token


def active_user_of(token: RefreshToken):
    user_id = token.payload.get(jwt_settings.USER_ID_CLAIM)
    user = get_user_model().objects.filter(**{jwt_settings.USER_ID_FIELD: user_id}).first()
    if user is None or not user.is_active:
        raise AuthenticationFailed("The user of this token no longer exists or is inactive")
    return user


class PublicAuthView(APIView):
    """Token endpoints take no bearer token: a stale one must not block a new login."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get_authenticate_header(self, request):
        # Without an authentication class DRF would turn our 401s into 403s.
        return 'Bearer realm="api"'


class LoginView(PublicAuthView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"

    @extend_schema(
        operation_id="login",
        tags=["auth"],
        summary="Log in with login and password",
        request=LoginSerializer,
        responses={
            200: TokenEnvelope,
            400: schema.BAD_REQUEST,
            401: schema.error("Invalid login or password, or the user is inactive."),
            429: schema.TOO_MANY_REQUESTS,
        },
    )
    def post(self, request):
        credentials = LoginSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        user = authenticate(
            request,
            username=credentials.validated_data["login"],
            password=credentials.validated_data["password"],
        )
        if user is None:  # also for inactive users: ModelBackend refuses them
            raise AuthenticationFailed("Invalid login or password")
        return data_response(token_pair(user, RefreshToken.for_user(user)))


class RefreshView(PublicAuthView):
    @extend_schema(
        operation_id="refresh_token",
        tags=["auth"],
        summary="Exchange a refresh token for a new token pair",
        description="The refresh token is rotated: the one sent stops working.",
        request=RefreshTokenSerializer,
        responses={200: TokenEnvelope, 400: schema.BAD_REQUEST, 401: schema.error(INVALID_REFRESH)},
    )
    def post(self, request):
        body = RefreshTokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        old = consume_refresh_token(body.validated_data["refresh_token"])
        user = active_user_of(old)
        return data_response(token_pair(user, RefreshToken.for_user(user)))


class LogoutView(PublicAuthView):
    @extend_schema(
        operation_id="logout",
        tags=["auth"],
        summary="Revoke a refresh token",
        description="Access tokens already issued stay valid until they expire.",
        request=RefreshTokenSerializer,
        responses={200: schema.SuccessEnvelope, 400: schema.BAD_REQUEST, 401: schema.error(INVALID_REFRESH)},
    )
    def post(self, request):
        body = RefreshTokenSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        consume_refresh_token(body.validated_data["refresh_token"])
        return success_response("Logged out successfully")


class CurrentUserView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="get_current_user",
        tags=["auth"],
        summary="The user the access token belongs to, with their permissions",
        description="Attune's `CurrentUserResponse`, plus `email`, `is_superuser`, `is_staff` and "
        "the Django `permissions` list.",
        responses={200: CurrentUserEnvelope, 401: schema.UNAUTHORIZED},
    )
    def get(self, request):
        return data_response(CurrentUserSerializer(request.user).data, status_code=status.HTTP_200_OK)

    @extend_schema(
        operation_id="update_current_user",
        tags=["auth"],
        summary="Set (or clear) the current user's display name",
        description="As in Attune, PUT replaces the profile: a missing, null or blank "
        "`display_name` clears the name. Answers like GET.",
        request=UpdateCurrentUserSerializer,
        responses={
            200: CurrentUserEnvelope,
            400: schema.BAD_REQUEST,
            401: schema.UNAUTHORIZED,
            415: schema.UNSUPPORTED_MEDIA_TYPE,
        },
    )
    def put(self, request):
        body = UpdateCurrentUserSerializer(request.user, data=request.data)
        body.is_valid(raise_exception=True)
        user = body.save()
        return data_response(CurrentUserSerializer(user).data, message="Profile updated successfully")
