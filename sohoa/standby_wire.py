"""What the `sohoa` launcher and `sohoa standby` say to each other over the Unix socket.

Standard library only: the launcher imports it before anything heavy. The client
sends one request (a 4-byte length, then JSON: argv, cwd, env, umask and what
identifies the installed sohoa) with its file descriptors 0, 1 and 2 attached
(SCM_RIGHTS); the standby answers with JSON lines: ``{"pid": N}`` when the
command runs, then ``{"exit": code}`` or ``{"signal": n}`` when it ends, or
``{"stale": true}`` when the client's sohoa is not the standby's (the client
then runs the command itself). The environment may hold secrets: it only ever
travels over this socket, which is 0600 and refuses other users' processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import site
import socket
import struct
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import sohoa

#: A request bigger than this is no client of ours (a huge environment included).
MAX_REQUEST = 4 * 1024 * 1024
_LENGTH = struct.Struct(">I")
_PEERCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid
#: The files whose change makes a running standby stale.
_WATCHED = (".py", ".po", ".yaml")


@dataclass(frozen=True)
class Request:
    """One command to run: what the client would have run in its own process."""

    argv: list[str]
    argv0: str
    cwd: str
    env: dict[str, str]
    umask: int
    installed: dict[str, str]


def installed() -> dict[str, str]:
    """What must match for the standby's loaded code to be the client's: the version,
    the package's folder, the Python environment, the newest of sohoa's own files and
    the installed libraries. After an upgrade (sohoa's or a library's: pip), or an edit
    of the code, they differ: the client runs the command itself and the standby stops."""
    package = Path(sohoa.__file__).resolve().parent
    return {
        "version": sohoa.__version__,
        "package": str(package),
        "prefix": sys.prefix,
        "files": _newest_file(package),
        "libraries": libraries(site.getsitepackages()),
    }


def libraries(folders: list[str]) -> str:
    """How many distributions are installed in ``folders`` and the newest one's time:
    pip writes a fresh ``*.dist-info`` folder for each package it installs or upgrades
    and removes the old one (about 270 entries here: well under a millisecond)."""
    newest = count = 0
    for folder in folders:
        with contextlib.suppress(OSError), os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.endswith(".dist-info"):
                    newest = max(newest, entry.stat(follow_symlinks=False).st_mtime_ns)
                    count += 1
    return f"{count}:{newest}"


def _newest_file(package: Path) -> str:
    """How many source, catalogue and profile files sohoa has and the newest one's time
    (about 250 files: a few milliseconds). The symlinked folders (ocr, workers…) count."""
    newest = count = 0
    folders = [str(package)]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir():
                    if entry.name != "__pycache__" and not entry.name.startswith("."):
                        folders.append(entry.path)
                elif entry.name.endswith(_WATCHED):
                    newest = max(newest, entry.stat().st_mtime_ns)
                    count += 1
    return f"{count}:{newest}"


def this_request(argv: list[str]) -> Request:
    """The request for ``argv`` run from this process's directory, environment and umask."""
    mask = os.umask(0o077)
    os.umask(mask)
    return Request(
        argv=list(argv),
        argv0=sys.argv[0] if sys.argv else "sohoa",
        cwd=os.getcwd(),
        env=dict(os.environ),
        umask=mask,
        installed=installed(),
    )


def send_request(sock: socket.socket, request: Request, fds: list[int]) -> None:
    body = json.dumps(request.__dict__).encode()
    data = _LENGTH.pack(len(body)) + body
    sent = socket.send_fds(sock, [data], fds)
    if sent < len(data):
        sock.sendall(data[sent:])


def receive_request(sock: socket.socket) -> tuple[Request, list[int]]:
    """The request and the three descriptors sent with it; ValueError if it is malformed
    (any descriptors received are closed first)."""
    data, fds, _flags, _address = socket.recv_fds(sock, 65536, 3)
    try:
        if len(fds) != 3 or len(data) < _LENGTH.size:
            raise ValueError("a request carries three descriptors and a length")
        (length,) = _LENGTH.unpack_from(data)
        if length > MAX_REQUEST:
            raise ValueError("request too big")
        body = bytearray(data[_LENGTH.size :])
        while len(body) < length:
            more = sock.recv(min(65536, length - len(body)))
            if not more:
                raise ValueError("request cut short")
            body += more
        return _parsed(json.loads(body)), fds
    except (ValueError, TypeError, KeyError, AttributeError, OSError):
        for fd in fds:
            os.close(fd)
        raise ValueError("malformed request") from None


def _parsed(fields: Any) -> Request:
    request = Request(
        argv=fields["argv"],
        argv0=fields["argv0"],
        cwd=fields["cwd"],
        env=fields["env"],
        umask=fields["umask"],
        installed=fields["installed"],
    )
    texts = [*request.argv, request.argv0, request.cwd, *request.env, *request.env.values()]
    if not all(isinstance(t, str) for t in texts) or not isinstance(request.umask, int):
        raise ValueError("malformed request")
    return request


def reply(sock: socket.socket, **fields: int | bool) -> None:
    sock.sendall(json.dumps(fields).encode() + b"\n")


def read_reply(stream: BinaryIO) -> dict[str, Any] | None:
    """The standby's next answer; None when it closed the connection instead."""
    line = stream.readline()
    if not line.endswith(b"\n"):
        return None
    found = json.loads(line)
    return found if isinstance(found, dict) else None


def peer_uid(sock: socket.socket) -> int:
    """The user id of the process at the other end (SO_PEERCRED, given by the kernel)."""
    return peer(sock)[1]


def peer(sock: socket.socket) -> tuple[int, int]:
    """The process id and user id at the other end (SO_PEERCRED, given by the kernel): for
    a client the standby's, as it was when it started listening."""
    pid, uid, _gid = _PEERCRED.unpack(
        sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size)
    )
    return int(pid), int(uid)


def allowed(peer: int, own: int) -> bool:
    """Only our own user's processes: the command runs with our rights and sees our data."""
    return peer == own
