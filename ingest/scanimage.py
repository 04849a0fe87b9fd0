"""Drive SANE's `scanimage`: find the device, set it up from the profile, capture a batch.

scanimage (Debian: sane-utils) is used rather than a Python binding so a misbehaving
backend can only take a child process down, and every call has a timeout. Pages land in
a directory as TIFF (which carries the resolution); turning them into one source file is
ingest.capture_file's job.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sohoa.ingest.capture_errors import CaptureFailed
from sohoa.ingest.sane_options import choose_mode, choose_source, parse_options, source_kind
from sohoa.ocr.errors import ToolMissing

#: Seconds for listing devices or reading a device's options (network scanners are slow).
QUERY_TIMEOUT = 60.0


@dataclass(frozen=True)
class ScanRequest:
    """Everything one capture needs; built by the command from the profile and the options."""

    device: str | None
    #: The profile's device hint (matched against `scanimage -L`) when no device is given.
    device_hint: str | None
    source: str
    color_mode: str
    resolution: int
    #: Flatbed only: how many sheets to take (one at a time); an ADF takes what is fed.
    sheets: int | None = None
    options: Mapping[str, str | int | float] = field(default_factory=dict)
    timeout: float = 900.0
    program: str = "scanimage"


@dataclass(frozen=True)
class Capture:
    device: str
    source: str | None
    mode: str | None
    resolution: int
    pages: tuple[Path, ...]


def capture(request: ScanRequest, folder: Path) -> Capture:
    """Scan a batch into `folder`; raises CaptureFailed with a clerk-readable reason."""
    program = find_program(request.program)
    device = pick_device(request, program)
    offered = parse_options(_run(program, ["-d", device, "-A"], QUERY_TIMEOUT, device).stdout)
    source = choose_source(request.source, offered.of("source"))
    settings: dict[str, str | int | float] = {}
    if source is not None:
        settings["source"] = source
    settings.update(choose_mode(request.color_mode, offered.of("mode"), offered.of("depth")))
    settings["resolution"] = request.resolution
    settings.update(request.options)  # the profile's own options win over the mapping
    args = ["-d", device, *option_args(settings), "--format=tiff", f"--batch={folder}/p%04d.tif"]
    args += _batch_count(request, str(settings.get("source", "")))
    _run(program, args, request.timeout, device, interactive=True)
    pages = tuple(sorted(folder.glob("p*.tif")))
    if not pages:
        raise CaptureFailed(
            "Máy quét không trả về trang nào. Hãy đặt giấy vào khay nạp rồi quét lại.",
            "The scanner returned no pages. Load the paper into the feeder and scan again.",
        )
    mode = settings.get("mode")
    return Capture(device, source, str(mode) if mode else None, request.resolution, pages)


def find_program(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise ToolMissing(
            f"{program} (SANE) is not installed: sudo apt-get install sane-utils "
            "(and the scanner's driver)"
        )
    return found


def pick_device(request: ScanRequest, program: str) -> str:
    """--device as given; else the one connected scanner, or the one matching the hint."""
    if request.device:
        return request.device
    devices = list_devices(program)
    hint = (request.device_hint or "").casefold()
    matching = [name for name, label in devices if hint in f"{name} {label}".casefold()]
    if len(matching) >= 1 and (hint or len(devices) == 1):
        return matching[0]
    listed = "; ".join(f"{name} ({label})" for name, label in devices) or "-"
    wanted = f' "{request.device_hint}"' if request.device_hint else ""
    raise CaptureFailed(
        f"Không tìm thấy máy quét{wanted}. Máy đang kết nối: {listed}. "
        "Hãy bật máy, kiểm tra cáp USB/mạng, rồi chỉ rõ bằng --device TÊN (xem `scanimage -L`).",
        f"Scanner{wanted} not found. Connected: {listed}. Switch it on, check the USB/network "
        "cable, then name it with --device NAME (see `scanimage -L`).",
    )


def list_devices(program: str) -> list[tuple[str, str]]:
    """(device name, vendor and model) of every scanner SANE sees."""
    out = _run(program, ["--formatted-device-list=%d\t%v %m %t%n", "-L"], QUERY_TIMEOUT, "-").stdout
    return [(name, label) for name, _, label in (line.partition("\t") for line in out.splitlines())]


def option_args(settings: Mapping[str, str | int | float]) -> list[str]:
    """`--name=value`; one-letter geometry options (-l -t -x -y) as `-x value`."""
    args: list[str] = []
    for name, value in settings.items():
        args += [f"-{name}", str(value)] if len(name) == 1 else [f"--{name}={value}"]
    return args


def _batch_count(request: ScanRequest, source: str) -> list[str]:
    """A feeder stops when empty; a flatbed never is, so it takes `sheets` pages (default 1),
    prompting between them when someone is at the keyboard."""
    if source_kind(source or request.source) != "flatbed":
        return []
    count = request.sheets or 1
    prompt = ["--batch-prompt"] if count > 1 and sys.stdin.isatty() else []
    return [f"--batch-count={count}", *prompt]


def _run(
    program: str, args: list[str], timeout: float, device: str, *, interactive: bool = False
) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(
            [program, *args],
            stdin=None if interactive else subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as e:
        raise CaptureFailed(
            f"Máy quét {device} không phản hồi sau {timeout:g} giây. Hãy kiểm tra giấy kẹt, "
            "tắt bật lại máy rồi quét lại (hoặc tăng SOHOA_SCAN_TIMEOUT).",
            f"Scanner {device} did not answer within {timeout:g} s. Check for a jam, power-cycle "
            "it and scan again (or raise SOHOA_SCAN_TIMEOUT).",
        ) from e
    if done.returncode != 0:
        raise _device_error(device, done.stderr)
    return done


def _device_error(device: str, stderr: str) -> CaptureFailed:
    said = [line.removeprefix("scanimage: ") for line in stderr.splitlines()]
    reason = next(
        (s for s in reversed(said) if ":" in s or "failed" in s), said[-1] if said else ""
    )
    if "out of documents" in reason.casefold():
        return CaptureFailed(
            f"Khay nạp giấy của máy quét {device} đang trống. Hãy đặt giấy vào rồi quét lại.",
            f"The feeder of scanner {device} is empty. Load the paper and scan again.",
        )
    return CaptureFailed(
        f"Máy quét {device} báo lỗi: {reason}. Các trang vừa quét không được lưu; hãy gỡ giấy "
        "kẹt, kiểm tra máy và cáp, đặt lại cả xấp giấy rồi quét lại.",
        f"Scanner {device} failed: {reason}. Nothing from this batch was stored; clear any jam, "
        "check the device and cable, reload the whole stack and scan again.",
    )
