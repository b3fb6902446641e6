"""JWT authentication whose per-request user lookup skips rebuilding the ORM query.

Every API request reads its user's row, so that a deactivated user, a deleted one or a
changed password (when tokens carry its hash) is refused on the next request, not when the
token expires. simplejwt reads it with `User.objects.get(...)`, and building that query
costs several times running it (bench/list_workflows.py: the lookup was 17% of a list
request). Here the ORM compiles the same SELECT once per connection; each request only
executes it and converts the row as the ORM does. The checks after the lookup are
simplejwt's own, in its order and wording.
"""

from dataclasses import dataclass
from weakref import WeakKeyDictionary

from django.contrib.auth import get_user_model
from django.db import connections, router
from django.db.models.sql.compiler import SQLCompiler
from django.utils.translation import gettext_lazy as _
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.utils import get_md5_hash_password


@dataclass(frozen=True)
class CompiledUserQuery:
    """The SELECT of one user by USER_ID_FIELD, as the ORM compiled it for one connection."""

    sql: str
    names: tuple[str, ...]
    compiler: SQLCompiler  # converts the row as the ORM would (SQLite's dates and booleans)
    converters: dict

    def fetch(self, cursor, user_id):
        cursor.execute(self.sql, [user_id])
        row = cursor.fetchone()
        return None if row is None else next(iter(self.compiler.apply_converters([row], self.converters)))


# Per connection wrapper (one per thread and alias): converters are bound to its backend.
_compiled: WeakKeyDictionary = WeakKeyDictionary()


def user_query(connection) -> CompiledUserQuery:
    if connection not in _compiled:
        model = get_user_model()
        names = tuple(field.attname for field in model._meta.concrete_fields)
        # The placeholder's value is never used: fetch() binds the token's user id instead.
        queryset = model._default_manager.filter(**{api_settings.USER_ID_FIELD: 0}).values_list(*names)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        assert len(params) == 1, "the user model's default manager must not filter"
        converters = compiler.get_converters([column for column, _, _ in compiler.select])
        _compiled[connection] = CompiledUserQuery(sql, names, compiler, converters)
    return _compiled[connection]


def find_user(user_id):
    """The user whose USER_ID_FIELD is `user_id`, as a model instance, or None."""
    model = get_user_model()
    alias = router.db_for_read(model)
    try:
        value = model._meta.get_field(api_settings.USER_ID_FIELD).get_prep_value(user_id)
    except (TypeError, ValueError):  # signed by us, so never in practice; still no 500
        return None
    connection = connections[alias]
    query = user_query(connection)
    with connection.cursor() as cursor:
        row = query.fetch(cursor, value)
    return None if row is None else model.from_db(alias, query.names, row)


def password_changed(validated_token, user) -> bool:
    return validated_token.get(api_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password)


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's JWTAuthentication, with the user read by a precompiled query."""

    def get_user(self, validated_token):
        try:
            user_id = validated_token[api_settings.USER_ID_CLAIM]
        except KeyError as e:
            raise InvalidToken(_("Token contained no recognizable user identification")) from e

        user = find_user(user_id)
        if user is None:
            raise AuthenticationFailed(_("User not found"), code="user_not_found")

        if api_settings.CHECK_USER_IS_ACTIVE and not user.is_active:
            raise AuthenticationFailed(_("User is inactive"), code="user_inactive")

        if api_settings.CHECK_REVOKE_TOKEN and password_changed(validated_token, user):
            raise AuthenticationFailed(_("The user's password has been changed."), code="password_changed")

        return user


class JWTScheme(SimpleJWTScheme):
    """The OpenAPI security scheme (`jwtAuth`, bearer JWT), as for simplejwt's class."""

    target_class = JWTAuthentication
