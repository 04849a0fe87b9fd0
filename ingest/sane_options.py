"""Map a profile's wishes (source, colour mode) onto what one SANE device actually offers.

Backends name the same thing differently: the fujitsu backend says "ADF Duplex", Brother's
driver "Automatic Document Feeder(centrally aligned,Duplex)", the test backend "Automatic
Document Feeder"; "Color" is "24bit Color" elsewhere. An exact name always wins, then a
match by kind; a duplex wish is never quietly served by a simplex source (back sides would
be lost).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sohoa.ingest.capture_errors import CaptureFailed

_OPTION_LINE = re.compile(r"^\s+--(?P<name>[a-z0-9-]+) (?P<values>.+) \[(?P<current>[^\]]*)\]$")

_MODE_NAMES = {
    "color": ("color", "colour", "24bit color", "true color", "rgb"),
    "gray": ("gray", "grayscale", "true gray", "grey", "greyscale", "gray8"),
    "bilevel": ("lineart", "black & white", "black and white", "binary", "bw"),
}
#: Gray modes that dither: never a substitute for true gray.
_DITHERED = ("error diffusion", "halftone", "dither")


@dataclass(frozen=True)
class DeviceOptions:
    """The choices a device lists for each of its options (from `scanimage -A`)."""

    choices: dict[str, tuple[str, ...]]

    def of(self, name: str) -> tuple[str, ...]:
        return self.choices.get(name, ())


def parse_options(help_text: str) -> DeviceOptions:
    """Option lists from `scanimage -d DEV -A`; ranges (`1..1200dpi`) are not lists."""
    choices: dict[str, tuple[str, ...]] = {}
    for line in help_text.splitlines():
        found = _OPTION_LINE.match(line)
        if found and "|" in found["values"] and found["current"] != "inactive":
            values = found["values"].split("|")
            values[-1] = re.sub(r"(dpi|bit|mm|%)$", "", values[-1])
            choices[found["name"]] = tuple(v.strip() for v in values)
    return DeviceOptions(choices)


def choose_source(wanted: str, offered: Sequence[str]) -> str | None:
    """The device's name for the wanted source; None when the device has no source option."""
    if not offered:
        return None
    exact = [s for s in offered if s.casefold() == wanted.casefold()]
    if exact:
        return exact[0]
    kind = source_kind(wanted)
    fits = [s for s in offered if source_kind(s) == kind and "back" not in s.casefold()]
    fits.sort(key=lambda s: "front" not in s.casefold())
    if fits:
        return fits[0]
    listed = ", ".join(f'"{s}"' for s in offered)
    raise CaptureFailed(
        f'Máy quét không có nguồn giấy "{wanted}" ({kind}); máy có: {listed}. '
        'Hãy chọn bằng --source "..." hoặc dùng hồ sơ máy quét khác.',
        f'The scanner has no "{wanted}" source ({kind}); it offers: {listed}. '
        'Pick one with --source "..." or use another scanner profile.',
    )


def source_kind(name: str) -> str:
    """duplex, flatbed or adf (a simplex feeder), from the words in a source's name."""
    folded = name.casefold()
    if "duplex" in folded:
        return "duplex"
    if any(word in folded for word in ("flatbed", "platen", "glass")):
        return "flatbed"
    return "adf"


def choose_mode(color_mode: str, modes: Sequence[str], depths: Sequence[str]) -> dict[str, str]:
    """`mode` (and `depth`) settings that deliver `color_mode` at 8 bits (1 for bilevel)."""
    if not modes:
        return {}
    settings: dict[str, str] = {}
    mode = _find_mode(color_mode, modes)
    if mode is None and color_mode == "bilevel" and "1" in depths:
        mode = _find_mode("gray", modes)  # e.g. the test backend: Gray at depth 1
        settings["depth"] = "1"
    if mode is None:
        listed = ", ".join(f'"{m}"' for m in modes)
        raise CaptureFailed(
            f"Máy quét không có chế độ màu {color_mode}; máy có: {listed}. "
            "Hãy đặt sane_options: {mode: ...} trong hồ sơ máy quét.",
            f"The scanner has no {color_mode} mode; it offers: {listed}. "
            "Set sane_options: {mode: ...} in the scanner profile.",
        )
    if color_mode != "bilevel" and "8" in depths:
        settings["depth"] = "8"
    return {"mode": mode, **settings}


def _find_mode(color_mode: str, modes: Sequence[str]) -> str | None:
    """Preferred names first, then any name containing one (dithered gray excluded)."""
    names = _MODE_NAMES[color_mode]
    plain = [m for m in modes if not any(d in m.casefold() for d in _DITHERED)]
    for name in names:
        for mode in plain:
            if mode.casefold() == name:
                return mode
    for name in names:
        for mode in plain:
            if name in mode.casefold() and (name != "bw" or mode.casefold() == "bw"):
                return mode
    return None
