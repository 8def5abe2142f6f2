"""Stand-in for PyGreSQL's DB-API 2 ``pgdb`` module (rotation-inspector sample).

Not PyGreSQL and not functional: just enough names for lambda_function.py.
"""
from _pg import *  # noqa: F401,F403  (_pg.cpython-39-x86_64-linux-gnu.so)

version = __version__ = '5.2-stand-in'
apilevel = '2.0'
paramstyle = 'pyformat'


class Error(Exception):
    pass


class InternalError(Error):
    pass


def connect(dsn=None, user=None, password=None, host=None, database=None, **kwargs):
    """Real pgdb turns these into a libpq conninfo string; kwargs pass through."""
    raise InternalError('pgdb stand-in cannot open connections')
