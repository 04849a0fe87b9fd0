"""Where sohoa keeps its data by default, and where `sohoa standby` listens.

Standard library only: the `sohoa` launcher (sohoa.launcher) reads it to find the
standby's socket before anything heavy is imported, and Settings takes its default
SOHOA_HOME from here, so both always agree on the place.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

#: SOHOA_HOME when it is not set: the embedded catalogue, objects and work files.
DEFAULT_HOME = Path.home() / ".sohoa"
#: The standby's Unix socket, inside SOHOA_HOME (0600, one user's).
STANDBY_SOCKET = "standby.sock"


def standby_socket(environ: Mapping[str, str]) -> Path:
    """The socket of the standby serving the SOHOA_HOME that ``environ`` names."""
    home = environ.get("SOHOA_HOME")
    return (Path(home) if home else DEFAULT_HOME) / STANDBY_SOCKET
