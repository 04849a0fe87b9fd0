"""Structured logs on stderr: key=value for people, one JSON object per line for machines.

A log line is evidence, so nothing logged may forge another line: in the text
format, control and invisible formatting characters of the message and of every
value are escaped (``\\n``, ``\\x1b``, ``\\u202e``) and values with spaces are
quoted; JSON escapes by itself. Exceptions are written with their type and
traceback (JSON: ``error`` and ``traceback`` fields; text: the traceback on the
following lines, each prefixed ``  | `` so it cannot pass for a log line).
"""

from __future__ import annotations

import json
import logging
import sys
import unicodedata

#: Progress lines of long runs without a terminal (sohoa.progress_log); INFO, and let through
#: at the default WARNING level: a batch must not be silent for hours. SOHOA_LOG_LEVEL=ERROR
#: (or CRITICAL) silences them too.
PROGRESS_LOGGER = "sohoa.progress"

_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
_TRACEBACK_PREFIX = "  | "


class _Formatter(logging.Formatter):
    def __init__(self, as_json: bool) -> None:
        super().__init__()
        self.as_json = as_json

    def format(self, record: logging.LogRecord) -> str:
        fields = {k: v for k, v in record.__dict__.items() if k not in _STANDARD}
        trace = self._trace(record)
        if trace:
            fields["error"] = _error_name(record)
        if self.as_json:
            return json.dumps(
                {
                    "time": self.formatTime(record),
                    "level": record.levelname,
                    "logger": record.name,
                    "event": record.getMessage(),
                    **fields,
                    **({"traceback": trace} if trace else {}),
                },
                ensure_ascii=False,
                default=str,
            )
        extras = " ".join(f"{k}={_value(v)}" for k, v in fields.items())
        line = f"{record.levelname.lower()} {record.name}: {escape(record.getMessage())} {extras}"
        lines = [line.rstrip()]
        lines += [_TRACEBACK_PREFIX + escape(t) for t in trace.splitlines()]
        return "\n".join(lines)

    def _trace(self, record: logging.LogRecord) -> str:
        parts = []
        if record.exc_info and record.exc_info[0] is not None:
            parts.append(self.formatException(record.exc_info))
        elif record.exc_text:
            parts.append(record.exc_text)
        if record.stack_info:
            parts.append(self.formatStack(record.stack_info))
        return "\n".join(parts)


def _error_name(record: logging.LogRecord) -> str | None:
    """``Type: message`` of the logged exception (None for a stack dump without one)."""
    if not record.exc_info or record.exc_info[1] is None:
        return None
    error = record.exc_info[1]
    return f"{type(error).__name__}: {error}"


def escape(text: str) -> str:
    """``text`` with control and format characters (newline, ESC, bidi overrides…)
    written as escapes; Vietnamese and other printable text stays as it is."""
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(_escape_char(c) for c in text)


def _escape_char(char: str) -> str:
    if char == "\\":
        return "\\\\"  # so that a literal backslash-n in a name differs from a newline
    if char == " " or unicodedata.category(char)[0] not in "CZ":
        return char
    return repr(char)[1:-1] if ord(char) < 0x80 else f"\\u{ord(char):04x}"


def _value(value: object) -> str:
    """A value of a text line: escaped, and quoted when it holds spaces, quotes or ``=``."""
    text = escape(str(value))
    if text == "" or any(c in text for c in ' "='):
        return '"' + text.replace('"', '\\"') + '"'
    return text


def configure(level: str, fmt: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Formatter(as_json=fmt == "json"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    progress = logging.getLogger(PROGRESS_LOGGER)
    progress.setLevel(logging.INFO if root.level <= logging.WARNING else root.level)
