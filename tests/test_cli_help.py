"""`--help` in the clerk's language: Vietnamese by default, English with SOHOA_LANG=en.

The help texts are English in the code and Vietnamese in the shared catalogue
(tests/test_i18n.py checks that each has its Vietnamese text); typer's frame around
them (panel titles, `[required]`, `Usage:`) is said from the same catalogue.
These run the real console script, as a clerk types it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.main import get_command

from sohoa import cli_help
from sohoa.cli import app

SOHOA = Path(sys.executable).with_name("sohoa")


def help_of(*args: str, lang: str | None = None) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env |= {"SOHOA_STANDBY": "never", "COLUMNS": "100", "TERM": "dumb"}
    if lang:
        env["SOHOA_LANG"] = lang
    done = subprocess.run([str(SOHOA), *args], capture_output=True, text=True, env=env)
    assert done.returncode in (0, 2), done.stderr  # typer shows `sohoa` alone with exit 2
    return " ".join((done.stdout + done.stderr).split())


def test_a_commands_help_is_vietnamese_by_default() -> None:
    shown = help_of("ocr", "--help")
    assert "Cách dùng: sohoa ocr" in shown
    assert "Số hóa một tệp" in shown  # the command's own text
    assert "Đối số" in shown and "Tùy chọn" in shown  # typer's panel titles
    assert "[bắt buộc]" in shown
    assert "Hiện hướng dẫn này rồi thoát." in shown
    assert "Digitise one file" not in shown and "Show this message" not in shown


def test_with_sohoa_lang_en_the_help_is_english() -> None:
    shown = help_of("ocr", "--help", lang="en")
    assert "Usage: sohoa ocr" in shown
    assert "Digitise one file to a PDF/A-2b" in shown
    assert "Arguments" in shown and "Options" in shown and "[required]" in shown


def test_the_command_list_and_a_group_alone_are_vietnamese() -> None:
    assert "Số hóa một tệp" in help_of()  # `sohoa` alone lists the commands
    shown = help_of("db")
    assert "Cơ sở dữ liệu danh mục" in shown and "Nâng cấp lược đồ" in shown


@pytest.mark.parametrize(
    ("args", "shown"),
    [
        ([], True),
        (["ocr", "--help"], True),
        (["--help"], True),
        (["db"], True),
        (["db", "current", "--help"], True),
        (["ocr", "in.pdf", "out.pdf"], False),
        (["db", "current"], False),
        (["show", "--", "--help"], False),  # after `--` it is a value, not the option
    ],
)
def test_help_texts_are_translated_only_for_a_help_screen(args: list[str], shown: bool) -> None:
    assert cli_help.wanted(get_command(app), args) is shown


def test_every_option_and_command_has_a_help_text() -> None:
    """A help text missing in the code would be missing in both languages."""
    tree = get_command(app)
    for command in cli_help.commands(tree):
        assert command.help, f"no help text for {command.name}"
        for param in command.params:
            assert getattr(param, "help", None), f"{command.name}: no help for {param.name}"


def test_a_help_screen_leaves_no_vietnamese_frame_behind_in_the_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """typer keeps its frame in module globals: after a help screen they are as they were,
    so a process that runs several commands (the tests' CliRunner) sees no leftovers."""
    from typer import rich_utils
    from typer.testing import CliRunner

    monkeypatch.setenv("SOHOA_LANG", "vi")
    shown = CliRunner().invoke(app, ["ocr", "--help"])

    assert "Tùy chọn" in shown.output
    assert rich_utils.OPTIONS_PANEL_TITLE == "Options"
    assert rich_utils.REQUIRED_LONG_STRING == "[required]"


def test_a_paragraph_is_wrapped_by_the_screen_not_by_the_docstring() -> None:
    text = "First line\nof one paragraph.\n\nSecond  paragraph\n  goes on."
    assert cli_help.reflowed(text) == "First line of one paragraph.\n\nSecond paragraph goes on."
