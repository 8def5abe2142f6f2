"""Stand-in for PyGreSQL's classic ``pg`` module (rotation-inspector sample).

Not PyGreSQL: it only re-exports the C extension the way the real module
does, so the bundle has the same files as an AWS rotation function.
"""
from _pg import *  # noqa: F401,F403  (_pg.cpython-39-x86_64-linux-gnu.so)

version = __version__ = '5.2-stand-in'
