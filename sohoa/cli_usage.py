"""A mistyped command line, said in the clerk's language (SOHOA_LANG) from the shared catalogue.

typer (and the click inside it) words its own usage errors in English whatever the
language: "Missing argument 'INPUT'", "No such option: --cas", "Invalid value for
'--dpi'". The commands' group catches those errors where they are raised (reading
the arguments, finding the command) and says them again from their parts: what is
wrong, the command's usage, and where its help is. A value's own complaint is said by
`value_errors` when pydantic made it, and kept as it is when sohoa did.

Only usage errors (exit code 2) are handled here; what a command reports about its
work goes through `runtime.complain` as before.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import typer
from typer import _click
from typer._click import exceptions as click_errors
from typer.core import TyperGroup

from sohoa import cli_help, i18n, value_errors
from sohoa.runtime import say_error

#: click's own wording of the two usage errors that carry no fields of their own.
_NO_SUCH_COMMAND = re.compile(r"No such command '(?P<name>.*)'\.")
_EXTRA = re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((?P<extra>.*)\)")
_NEEDS_VALUE = re.compile(r"requires (an argument|\d+ arguments)")
_NO_VALUE = re.compile(r"does not take a value")


class CommandGroup(TyperGroup):
    """sohoa's commands: a usage error is said in SOHOA_LANG's language, then exit 2; a
    help screen is shown in it too (sohoa.cli_help)."""

    def main(self, args: Sequence[str] | None = None, *rest: Any, **extra: Any) -> Any:
        given = list(sys.argv[1:] if args is None else args)
        with cli_help.in_language(self, given, i18n.cli_lang()):
            return super().main(given, *rest, **extra)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: _click.Context | None = None,
        **extra: Any,
    ) -> _click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click_errors.NoArgsIsHelpError:
            raise  # `sohoa` alone: its help, as typer prints it
        except click_errors.UsageError as error:
            _say(error)

    def invoke(self, ctx: _click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click_errors.NoArgsIsHelpError:
            raise
        except click_errors.UsageError as error:
            if error.ctx is None:  # click's parser says "--dpi needs a value" without one
                error.ctx = self._command_context(ctx)
            _say(error)

    def _command_context(self, ctx: _click.Context) -> _click.Context | None:
        """A context of the command being invoked, for its usage line (nothing is parsed)."""
        name = ctx.invoked_subcommand
        command = self.get_command(ctx, name) if name else None
        if command is None:
            return None
        return command.make_context(name, [], parent=ctx, resilient_parsing=True)


def _say(error: click_errors.UsageError) -> NoReturn:
    """Print the error, the usage and the help hint on stderr; end with its exit code."""
    lang = i18n.cli_lang()
    _ = i18n.gettext(lang).gettext
    say_error(problem(error), lang)
    ctx = error.ctx
    if ctx is not None:
        pieces = " ".join(ctx.command.collect_usage_pieces(ctx))
        usage = f"{_('Usage:')} {ctx.command_path} {pieces}".strip()
        help_ = _("Help: %(command)s --help") % {"command": ctx.command_path}
        typer.secho(f"{usage}\n{help_}", fg="red", err=True)
    raise typer.Exit(error.exit_code)


def problem(error: click_errors.UsageError) -> str:
    """What is wrong with the command line, in SOHOA_LANG's language."""
    _ = i18n.gettext(i18n.cli_lang()).gettext
    if isinstance(error, click_errors.MissingParameter):
        name = _hint(error)
        if (error.param_type or getattr(error.param, "param_type_name", "")) == "option":
            return _("The option %(name)s is needed.") % {"name": name}
        return _("The argument %(name)s is missing.") % {"name": name}
    if isinstance(error, click_errors.BadParameter):
        name = _hint(error)
        if not name:  # raised by a command about its parameters together
            return _("Wrong values: %(detail)s") % {"detail": _detail(error)}
        return _("Wrong value for %(name)s: %(detail)s") % {"name": name, "detail": _detail(error)}
    if isinstance(error, click_errors.NoSuchOption):
        said = _("There is no option %(name)s.") % {"name": error.option_name}
        if error.possibilities:
            said += " " + _("Did you mean: %(options)s?") % {
                "options": ", ".join(sorted(error.possibilities))
            }
        return said
    if isinstance(error, click_errors.BadOptionUsage):
        if _NEEDS_VALUE.search(error.message):
            return _("The option %(name)s needs a value.") % {"name": error.option_name}
        if _NO_VALUE.search(error.message):
            return _("The option %(name)s takes no value.") % {"name": error.option_name}
    if found := _NO_SUCH_COMMAND.fullmatch(error.message):
        return _("There is no command %(name)s.") % {"name": repr(found["name"])}
    if found := _EXTRA.fullmatch(error.message):
        return _("Too many arguments: %(extra)s.") % {"extra": found["extra"]}
    return error.format_message()  # a wording not known here: click's own, still said


def _detail(error: click_errors.BadParameter) -> str:
    """The value's own reason: pydantic's in SOHOA_LANG's language, any other as given."""
    from pydantic import ValidationError

    if isinstance(error.__cause__, ValidationError):
        return value_errors.reasons(error.__cause__, i18n.cli_lang())
    return error.message


def _hint(error: click_errors.BadParameter) -> str:
    """The parameter as the user typed it: 'INPUT', '--case'."""
    hint = error.param_hint
    if hint is None and error.param is not None:
        hint = error.param.get_error_hint()
    if isinstance(hint, str):
        return hint
    return " / ".join(repr(part) for part in hint or ())
