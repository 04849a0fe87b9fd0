"""The upload size limit holds whether or not the client announces a length."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from tests.api.conftest import API, CODE, api_settings, running

LIMIT_MB = 0.05  # 52 KB


def test_too_large_is_413_with_or_without_content_length(tmp_path: Path) -> None:
    settings = api_settings(tmp_path / "home", api_max_upload_mb=LIMIT_MB)
    big = b"%PDF-1.7\n" + b"0" * 200_000
    with running(settings) as api:
        headers = api.auth()
        url = f"{API}/cases/{CODE}/documents"
        declared = api.client.post(url, headers=headers, files={"file": ("big.pdf", big, "x")})
        assert declared.status_code == 413
        error = declared.json()["error"]
        assert error["code"] == "upload_too_large" and "MiB" in error["message_vi"]

        boundary = "sohoatestboundary"

        def chunks() -> Iterator[bytes]:
            yield (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                'filename="big.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
            ).encode()
            for start in range(0, len(big), 16_384):
                yield big[start : start + 16_384]
            yield f"\r\n--{boundary}--\r\n".encode()

        streamed = api.client.post(
            url,
            headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
            content=chunks(),
        )
        assert streamed.status_code == 413
        assert streamed.json()["error"]["code"] == "upload_too_large"
        assert not list(settings.resolved_inbox_dir.glob("*"))
