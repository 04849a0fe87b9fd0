"""Scanner profiles: every bundled device profile loads, a bad one is refused naming the field,
`sohoa profiles list|show` describe them, and the pipeline honours what they say."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sohoa.exit_codes import ExitCode
from sohoa.scanner_profiles import Profile, ProfileError, available, load, load_all
from tests import images
from tests.conftest import Sohoa, stored_files

CODE = "000.00.20.H56-240101-0001"
COUNTER_SCANNERS = {
    "fujitsu-fi-7160",
    "canon-dr-c225-ii",
    "epson-ds-530-ii",
    "brother-ads-2200",
    "brother-ads-4300n",
    "kodak-s2050",
}


def write_profile(folder: Path, text: str, name: str = "mine") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text, "utf-8")
    return path


@pytest.mark.parametrize("name", available())
def test_every_bundled_profile_loads_and_meets_the_spec(name: str) -> None:
    profile = load(name)
    assert profile.min_dpi >= 200
    assert profile.resolution >= profile.min_dpi
    assert profile.description
    assert profile.color_mode == "color", "seals: every bundled profile scans in colour"


def test_the_real_counter_scanners_and_the_generic_ones_are_bundled() -> None:
    assert COUNTER_SCANNERS | {"generic", "flatbed"} <= set(available())


def test_counter_profiles_scan_both_sides_at_300_dpi_for_long_retention() -> None:
    for profile in load_all():
        if profile.name in COUNTER_SCANNERS:
            assert profile.duplex and "duplex" in profile.sane_source.lower()
            assert profile.resolution == 300


def test_the_flatbed_scans_one_side_and_drops_nothing() -> None:
    flatbed = load("flatbed")
    assert (flatbed.duplex, flatbed.drop_blank_backs, flatbed.sane_source) == (
        False,
        False,
        "Flatbed",
    )


def test_defaults_are_colour_300_dpi_jpeg_85() -> None:
    profile = Profile(name="x")
    assert (profile.color_mode, profile.resolution, profile.jpeg_quality) == ("color", 300, 85)


@pytest.mark.parametrize(
    ("yaml_text", "field"),
    [
        ("min_dpi: 150\n", "min_dpi"),
        ("colour: gray\n", "colour"),
        ("color_mode: sepia\n", "color_mode"),
        ("resolution: 200\nmin_dpi: 300\n", "resolution"),
        ("jpeg_quality: 20\n", "jpeg_quality"),
        ("duplex: false\ndrop_blank_backs: false\nsane_source: ADF Duplex\n", "sane_source"),
        ("sane_source: Flatbed\n", "sane_source"),
        ("sane_options: {'--mode; rm': x}\n", "sane_options"),
        ("languages: Vietnamese\n", "languages"),
    ],
)
def test_a_bad_profile_is_refused_naming_the_field(
    tmp_path: Path, yaml_text: str, field: str
) -> None:
    with pytest.raises(ProfileError, match=rf"mine\.yaml: .*{field}"):
        load(str(write_profile(tmp_path, yaml_text)))


def test_a_profile_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="field: value"):
        load(str(write_profile(tmp_path, "- just\n- a list\n")))


# -- the command line -------------------------------------------------------------------------


def test_profiles_list_shows_every_name_with_its_description(sohoa: Sohoa) -> None:
    result = sohoa("profiles", "list")
    assert result.exit_code == 0, result.output
    for profile in load_all():
        assert profile.name in result.stdout
        assert profile.description in result.stdout


def test_profiles_show_gives_every_setting(sohoa: Sohoa) -> None:
    result = sohoa("profiles", "show", "fujitsu-fi-7160")
    assert result.exit_code == 0, result.output
    for line in ("resolution: 300", "min_dpi: 200", "color_mode: color", "sane_source: ADF Duplex"):
        assert line in result.stdout


def test_profiles_show_json_is_the_whole_profile(sohoa: Sohoa) -> None:
    result = sohoa("profiles", "show", "canon-dr-c225-ii", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == load("canon-dr-c225-ii").model_dump()


def test_profiles_show_of_an_unknown_name_lists_the_known_ones(sohoa: Sohoa) -> None:
    result = sohoa("profiles", "show", "hp-scanjet")
    assert result.exit_code == ExitCode.USAGE
    assert "generic" in result.output and "fujitsu-fi-7160" in result.output
    assert "Traceback" not in result.output


def test_profiles_show_checks_a_yaml_file_and_names_the_bad_field(
    sohoa: Sohoa, tmp_path: Path
) -> None:
    result = sohoa("profiles", "show", write_profile(tmp_path, "min_dpi: 150\n"))
    assert result.exit_code == ExitCode.USAGE
    assert "min_dpi" in result.output
    assert "Traceback" not in result.output


def test_a_profile_asking_300_dpi_rejects_a_200_dpi_scan(sohoa: Sohoa, tmp_path: Path) -> None:
    scan = images.save_jpeg(images.text_page().image, tmp_path / "don.jpg")  # 200 dpi
    strict = write_profile(tmp_path, "description: lưu trữ lâu dài\nmin_dpi: 300\n")
    result = sohoa("process", scan, "--case", CODE, "--profile", strict)
    assert result.exit_code == ExitCode.LOW_RESOLUTION, result.output
    assert "200 dpi < 300 dpi" in result.output
    assert not stored_files(tmp_path / "sohoa-home")
