"""A mistyped command line is said in the clerk's language, with the usage and where help is."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SOHOA = Path(sys.executable).parent / "sohoa"


def sohoa(*args: str, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real console script, as a clerk types it (no standby)."""
    env = {k: v for k, v in os.environ.items() if k != "SOHOA_LANG"}
    env["SOHOA_STANDBY"] = "never"
    if lang is not None:
        env["SOHOA_LANG"] = lang
    return subprocess.run(
        [str(SOHOA), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


@pytest.mark.parametrize(
    ("args", "vietnamese", "english"),
    [
        (("ocr",), "Lỗi: Thiếu đối số 'INPUT'.", "Error: The argument 'INPUT' is missing."),
        (("ocr", "a", "b", "--cas"), "Không có tùy chọn --cas.", "There is no option --cas."),
        (("no-such-command",), "Không có lệnh 'no-such-command'.", "There is no command"),
        (("ocr", "a.pdf", "b.pdf", "c.pdf"), "Thừa đối số: c.pdf.", "Too many arguments: c.pdf."),
        (("ocr", "a.pdf", "b.pdf", "--dpi"), "Tùy chọn --dpi cần có giá trị.", "needs a value"),
    ],
)
def test_a_usage_mistake_is_said_in_vietnamese_by_default_and_in_english_when_asked(
    args: tuple[str, ...], vietnamese: str, english: str
) -> None:
    said_vi, said_en = sohoa(*args), sohoa(*args, lang="en")
    assert (said_vi.returncode, said_en.returncode) == (2, 2)
    assert vietnamese in said_vi.stderr
    assert english in said_en.stderr
    for said in (said_vi, said_en):
        assert "Traceback" not in said.stderr
        assert "Missing argument" not in said.stderr and "No such" not in said.stderr


def test_the_usage_and_the_help_command_follow_the_mistake() -> None:
    said = sohoa("ocr").stderr.splitlines()
    assert said == [
        "Lỗi: Thiếu đối số 'INPUT'.",
        "Cách dùng: sohoa ocr [OPTIONS] {INPUT} {OUTPUT.pdf}",
        "Xem hướng dẫn: sohoa ocr --help",
    ]


def test_an_option_without_its_value_is_followed_by_the_usage_too() -> None:
    said = sohoa("ocr", "a.pdf", "b.pdf", "--dpi").stderr.splitlines()
    assert said == [
        "Lỗi: Tùy chọn --dpi cần có giá trị.",
        "Cách dùng: sohoa ocr [OPTIONS] {INPUT} {OUTPUT.pdf}",
        "Xem hướng dẫn: sohoa ocr --help",
    ]


def test_a_near_miss_option_is_suggested() -> None:
    said = sohoa("process", "scan.pdf", "--cas", "000.00.20.H56-240101-0001")
    assert said.returncode == 2
    assert "Không có tùy chọn --cas. Có phải ý bạn là: --case?" in said.stderr


def test_a_bad_value_keeps_its_own_reason_after_the_parameter_it_belongs_to() -> None:
    said = sohoa("standby", "--idle-minutes", "-1")
    assert said.returncode == 2
    assert "Lỗi: Giá trị không hợp lệ cho '--idle-minutes': " in said.stderr
    assert "0" in said.stderr.splitlines()[0]  # the bound the value missed


def test_sohoa_alone_still_shows_its_commands() -> None:
    said = sohoa()
    assert "ocr" in said.stdout + said.stderr
    assert "Lỗi" not in said.stdout + said.stderr


@pytest.mark.parametrize(
    ("args", "vietnamese", "english"),
    [
        (("standby", "--idle-minutes", "-1"), "phải từ 0 trở lên", "must be 0 or more"),
        (("ocr", "a.pdf", "b.pdf", "--dpi", "x"), "phải là một số", "must be a number"),
    ],
)
def test_why_a_value_is_refused_is_said_in_the_clerks_language_too(
    args: tuple[str, ...], vietnamese: str, english: str
) -> None:
    assert vietnamese in sohoa(*args).stderr
    assert english in sohoa(*args, lang="en").stderr


def test_a_bad_setting_says_what_values_it_takes() -> None:
    said = subprocess.run(
        [str(SOHOA), "ocr", "a.pdf", "b.pdf"],
        capture_output=True,
        text=True,
        env={**os.environ, "SOHOA_STANDBY": "maybe", "SOHOA_LANG": "vi"},
        timeout=120,
        check=False,
    )
    assert said.returncode == 2
    assert "SOHOA_STANDBY: phải là một trong: auto, always, never" in said.stderr


@pytest.mark.parametrize(
    ("setting", "value", "reason"),
    [
        ("SOHOA_JOBS", "-3", "must be 0 or more"),  # used to run silently on one worker
        ("SOHOA_TESSERACT_TIMEOUT", "0", "must be more than 0"),  # 0 switched the timeout off
        ("SOHOA_MAX_PAGES", "0", "must be 1 or more"),
        ("SOHOA_WATCH_RESCAN_SECONDS", "-1", "must be more than 0"),
    ],
)
def test_a_number_setting_out_of_its_range_is_refused_before_any_work(
    setting: str, value: str, reason: str
) -> None:
    said = subprocess.run(
        [str(SOHOA), "ocr", "a.pdf", "b.pdf"],
        capture_output=True,
        text=True,
        env={**os.environ, setting: value, "SOHOA_LANG": "en", "SOHOA_STANDBY": "never"},
        timeout=120,
        check=False,
    )
    assert said.returncode == 2
    assert f"{setting}: {reason}" in said.stderr


def test_parameters_refused_together_by_a_command_are_said_without_a_parameter_name(
    tmp_path: Path,
) -> None:
    env = {**os.environ, "SOHOA_HOME": str(tmp_path), "SOHOA_STANDBY": "never"}
    said = subprocess.run(
        [str(SOHOA), "quarantine", "retry"], capture_output=True, text=True, env=env, check=False
    )
    assert said.returncode == 2
    assert said.stderr.splitlines()[0] == (
        "Lỗi: Giá trị không hợp lệ: Hãy ghi một tên (NAME) hoặc --all, một trong hai."
    )
