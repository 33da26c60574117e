"""Column types."""

import orjson
import sqlalchemy as sa
from sqlalchemy import types

# What Integer and BigInteger columns hold on every backend (PostgreSQL
# and MySQL INTEGER are 32-bit); a value outside cannot name a row.
INT32_MAX = 2 ** 31 - 1
INT64_MIN = -2 ** 63
INT64_MAX = 2 ** 63 - 1


class JSON(types.TypeDecorator):
    """A JSON column, (de)serialised with orjson on every backend.

    The schema type stays JSON; at run time values travel as text, so
    SQLAlchemy's per-dialect JSON processing (stdlib json, several times
    slower) is skipped. Listing apps decodes five of these per row.
    """

    impl = sa.JSON
    cache_ok = True

    def load_dialect_impl(self, dialect):
        return dialect.type_descriptor(sa.Text())

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return orjson.dumps(value).decode()

    def process_result_value(self, value, dialect):
        if value is None or not isinstance(value, (str, bytes)):
            return value  # psycopg2 decodes json columns itself
        return orjson.loads(value)
