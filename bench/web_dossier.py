"""The dossier page with one 200-page document: time to first byte and full render.

The document is made cheaply (one small A4 scan repeated, no OCR), stored as the
lifecycle stores it (PDF, OCR-text sidecar, thumbnails rendered once by
workers.thumbnails) in a fresh SOHOA_HOME; then a real `sohoa serve` answers a
signed-in client. "Full render" = the page's HTML and all its page thumbnails, fetched
six at a time as a browser does (lazy loading would fetch fewer: only those in view).

Run: .venv/bin/python -m bench.web_dossier [--pages 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import img2pdf
from PIL import Image, ImageDraw

from sohoa.storage.catalog import Catalog, StoredDocument
from sohoa.storage.keys import TEXT_SUFFIX, sidecar_key
from sohoa.storage.local_store import LocalStore
from sohoa.workers.thumbnails import store_thumbnails

CODE = "000.00.20.H56-240101-0200"
PASSWORD = "mat-khau-do-hieu-nang"
SOHOA = str(Path(sys.executable).with_name("sohoa"))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_document(home: Path, pages: int) -> float:
    """Store one ``pages``-page document; returns the seconds thumbnails took to make."""
    image = Image.new("L", (1654, 2339), 236)  # A4 at 200 dpi
    ImageDraw.Draw(image).text((150, 150), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", fill=20)
    jpeg = io.BytesIO()
    image.save(jpeg, "JPEG", quality=60, dpi=(200, 200))
    pdf = home / "long.pdf"
    pdf.write_bytes(img2pdf.convert([jpeg.getvalue()] * pages))
    store = LocalStore(home / "objects")
    with Catalog.open(f"sqlite:///{home / 'catalog.sqlite3'}") as catalog:
        record, _ = catalog.reserve(CODE, "intake", "long.pdf", sha(pdf))
        store.put_file(record.stored_key, pdf, sha(pdf))
        text = home / "long.ocr.json"
        texts = [{"page": n, "confidence": 90.0, "text": f"Trang {n}"} for n in range(1, pages + 1)]
        text.write_text(json.dumps({"pages": texts}, ensure_ascii=False), "utf-8")
        text_key = sidecar_key(record.stored_key, TEXT_SUFFIX)
        store.put_file(text_key, text, sha(text), content_type="application/json")
        started = time.perf_counter()
        thumbs = store_thumbnails(store, pdf, record.stored_key)
        seconds = time.perf_counter() - started
        catalog.mark_stored(
            record.id,
            StoredDocument(
                sha256=sha(pdf), size=pdf.stat().st_size, pages=pages, input_pages=pages,
                text_key=text_key, pdfa_valid=True, thumbs_key=thumbs,
            ),
        )  # fmt: skip
    return seconds


def serve(home: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SOHOA_")}
    env.update(SOHOA_HOME=str(home), SOHOA_JOBS="1")
    (home / "pw").write_text(PASSWORD + "\n")
    subprocess.run(
        [SOHOA, "users", "add", "canbo", "--role", "clerk", "--unit", "000.00.20.H56",
         "--password-file", str(home / "pw")],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    process = subprocess.Popen(
        [SOHOA, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    for _ in range(600):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("sohoa serve did not start")


def signed_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=60)
    html = client.get("/login").text
    token = html.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"username": "canbo", "password": PASSWORD, "csrf_token": token})
    return client


def one_round(client: httpx.Client) -> tuple[float, float, int]:
    """Seconds to the first byte of the page, to the page and every thumbnail, thumbnails."""
    started = time.perf_counter()
    with client.stream("GET", f"/ho-so/{CODE}") as answer:
        first = time.perf_counter() - started
        html = answer.read().decode()
    thumbs = [part.split('"', 1)[0] for part in html.split('src="')[1:] if "/thumbs/" in part]
    with ThreadPoolExecutor(6) as pool:  # a browser's six connections per host
        statuses = list(pool.map(lambda url: client.get(url).status_code, thumbs))
    assert statuses and set(statuses) == {200}, set(statuses)
    return first, time.perf_counter() - started, len(thumbs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pages", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sohoa-bench-web-") as tmp:
        home = Path(tmp)
        thumbs_seconds = make_document(home, args.pages)
        port = 18000 + os.getpid() % 1000
        process = serve(home, port)
        try:
            client = signed_in(f"http://127.0.0.1:{port}")
            one_round(client)  # warm-up: catalog opened, templates compiled
            rounds = [one_round(client) for _ in range(args.rounds)]
            client.close()
        finally:
            process.terminate()
            process.wait(30)
    first = statistics.median(r[0] for r in rounds)
    full = statistics.median(r[1] for r in rounds)
    print(f"pages: {args.pages}, thumbnails made at store time in {thumbs_seconds:.1f} s")
    print(f"dossier page, time to first byte (median of {args.rounds}): {first * 1000:.0f} ms")
    print(f"page + {rounds[0][2]} thumbnails (6 at a time): {full * 1000:.0f} ms")


if __name__ == "__main__":
    main()
