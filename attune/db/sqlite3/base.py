"""Django's SQLite backend, told the real limit on query parameters.

Django assumes SQLite's historic compile-time limit of 999 bound variables, so a bulk
insert of a few hundred workflows is split into many statements. SQLite since 3.32 allows
32766, and the running library says which: ask it, so a pack load stays a constant number
of queries however many workflows it has.
"""

import sqlite3

from django.db.backends.sqlite3 import base, features
from django.utils.functional import cached_property


class DatabaseFeatures(features.DatabaseFeatures):
    @cached_property
    def max_query_params(self):
        self.connection.ensure_connection()
        return self.connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


class DatabaseWrapper(base.DatabaseWrapper):
    features_class = DatabaseFeatures
