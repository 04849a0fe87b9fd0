"""`--help` in the clerk's language (SOHOA_LANG): sohoa's help texts and typer's frame.

The help texts are written in English in the code (each command's docstring, each
option's `help=`, the app's own help): they are the message ids, and their Vietnamese
is in the shared catalogue (sohoa/locale) like every other message. `scripts/messages`
adds them to messages.pot (`python -m sohoa.cli_help POT`), and tests/test_cli_help.py
fails while one has no Vietnamese text.

They are translated only when a help screen is about to be shown (`sohoa`, a group
alone, or `--help` anywhere before `--`), so no other command pays for the walk or the
catalogue (sohoa.cli_usage.CommandGroup.main). The frame typer draws around them (the
panel titles, `[required]`, `[default: …]`, `Usage:`, the `--help` line) is said from
the same catalogue.
Examples (`Ví dụ: …`) are the same in both languages and are left as they are.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from typer import _click
from typer.core import TyperArgument, TyperGroup, TyperOption

from sohoa import i18n

#: typer's own words on a help screen (typer.rich_utils), said from the catalogue.
_FRAME = {
    "ARGUMENTS_PANEL_TITLE": "Arguments",
    "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands",
    "REQUIRED_LONG_STRING": "[required]",
    "DEFAULT_STRING": "[default: {}]",
    "ENVVAR_STRING": "[env var: {}]",
    "DEPRECATED_STRING": "(deprecated) ",
}


def wanted(command: _click.Command, args: Sequence[str]) -> bool:
    """Whether `args` end in a help screen: `--help` before any `--`, or a group alone."""
    given = list(args[: args.index("--")] if "--" in args else args)
    if "--help" in given:
        return True
    while isinstance(command, TyperGroup) and given and given[0] in command.commands:
        command = command.commands[given.pop(0)]
    return isinstance(command, TyperGroup) and not given


@contextmanager
def in_language(command: _click.Command, args: Sequence[str], lang: str) -> Iterator[None]:
    """A run of `command` with `args`: its help screen, if it shows one, in `lang`.

    The frame lives in typer's module and click's context class: it is put back as it
    was afterwards, so a process running several commands (the tests) sees no leftovers.
    """
    if not wanted(command, args):
        yield
        return
    from typer import rich_utils  # rich: loaded for a help screen only

    _ = i18n.gettext(lang).gettext
    for holder, name in _texts_of(command):
        setattr(holder, name, reflowed(_(getattr(holder, name))))
    frame = {name: getattr(rich_utils, name) for name in _FRAME}
    formatter = _click.Context.formatter_class
    for name, text in _FRAME.items():
        setattr(rich_utils, name, _(text))
    _click.Context.formatter_class = _formatter(_("Usage:"))
    try:
        yield
    finally:
        for name, text in frame.items():
            setattr(rich_utils, name, text)
        _click.Context.formatter_class = formatter


def reflowed(text: str) -> str:
    """Each paragraph on one line: typer keeps a docstring's line breaks and the terminal
    then wraps the lines again (a word left alone on a line); it wraps a paragraph well."""
    return "\n\n".join(" ".join(paragraph.split()) for paragraph in text.split("\n\n"))


def texts(command: _click.Command) -> list[str]:
    """Every help text of `command`'s tree and of the frame: the catalogue's message ids."""
    found = {getattr(holder, name) for holder, name in _texts_of(command)}
    return sorted(found | {*_FRAME.values(), "Usage:"})


def _texts_of(command: _click.Command) -> Iterator[tuple[object, str]]:
    """Where each help text of `command`'s tree is: (the command or parameter, attribute)."""
    for each in commands(command):
        yield from ((each, name) for name in ("help", "short_help") if getattr(each, name))
        yield from ((param, "help") for param in _params(each) if param.help)


def commands(command: _click.Command) -> Iterator[_click.Command]:
    """`command` and every command under it."""
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from commands(sub)


def _params(command: _click.Command) -> list[TyperArgument | TyperOption]:
    """The command's parameters and its `--help` option (made once, kept by the command)."""
    found = [*command.params, command.get_help_option(_click.Context(command))]
    return [param for param in found if isinstance(param, TyperArgument | TyperOption)]


def _formatter(usage: str) -> type[_click.HelpFormatter]:
    class Formatter(_click.HelpFormatter):
        """click's formatter, its usage line headed in the clerk's language."""

        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            super().write_usage(prog, args, prefix or f"{usage} ")

    return Formatter


def add_to_catalogue(pot: Path) -> None:
    """Add every help text to the extracted messages.pot (run by scripts/messages)."""
    from babel.messages.pofile import read_po, write_po
    from typer.main import get_command

    from sohoa.cli import app

    with pot.open("rb") as source:
        catalog = read_po(source)
    for text in texts(get_command(app)):
        catalog.add(text)
    with pot.open("wb") as out:
        write_po(out, catalog, omit_header=True, sort_output=True, width=76)


if __name__ == "__main__":
    add_to_catalogue(Path(sys.argv[1]))
