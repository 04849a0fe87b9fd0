"""A small generated corpus of the pages counter scanners deliver: ``python -m bench.make_corpus``.

200-dpi grey JPEG, 200-dpi bilevel CCITT G4 and crooked (skewed) pages, one upside
down, written as scanned PDFs with ground truth in the dev corpus's schema
(``sohoa-corpus-gt/1``), so ``python -m bench --corpus bench/corpus-gen`` runs on it.
Deterministic: the same seed gives the same pages, byte for byte. The corpus goes to
``bench/corpus-gen/`` (git-ignored: about 4 MB), far from the tests.

The text is Vietnamese administrative prose written for this corpus, with the
few English words such papers carry (e-mail, website, Internet Banking); names,
places and numbers are invented. Drawn with DejaVu Sans / Serif (fonts-dejavu-core).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import img2pdf
import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = Path("/usr/share/fonts/truetype/dejavu")
OUT = Path(__file__).resolve().parent / "corpus-gen"
SEED = 20261127

HEADER = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
TITLES = (
    "ĐƠN ĐỀ NGHỊ CẤP BẢN SAO TỪ SỔ GỐC",
    "TỜ KHAI ĐĂNG KÝ KHAI SINH",
    "BÁO CÁO KẾT QUẢ SỐ HÓA HỒ SƠ",
    "GIẤY BIÊN NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
    "QUYẾT ĐỊNH VỀ VIỆC CÔNG NHẬN KẾT QUẢ",
    "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
)
SENTENCES = (
    "Kính gửi Ủy ban nhân dân phường Hòa Khánh Bắc, quận Liên Chiểu.",
    "Tôi tên là Trần Thị Thu Hương, sinh ngày 12 tháng 3 năm 1987.",
    "Nơi thường trú: số 45 đường Nguyễn Lương Bằng, tổ 18, phường Hòa Khánh Bắc.",
    "Số định danh cá nhân: 048187004512, cấp ngày 20 tháng 6 năm 2021.",
    "Đề nghị cơ quan có thẩm quyền cấp bản sao giấy khai sinh từ sổ gốc.",
    "Lý do: bổ sung hồ sơ xin việc và hồ sơ đăng ký thường trú cho con.",
    "Tôi cam đoan những nội dung khai trên đây là đúng sự thật.",
    "Nếu sai, tôi xin chịu hoàn toàn trách nhiệm trước pháp luật.",
    "Bộ phận tiếp nhận và trả kết quả đã nhận đủ các giấy tờ sau đây.",
    "Thời gian giải quyết hồ sơ là năm ngày làm việc kể từ ngày nhận đủ.",
    "Kết quả được trả trực tiếp tại quầy hoặc gửi qua dịch vụ bưu chính công ích.",
    "Trong quý, toàn phường đã tiếp nhận 1.284 hồ sơ, giải quyết đúng hạn 98,6%.",
    "Việc số hóa hồ sơ được thực hiện đồng thời với quá trình tiếp nhận.",
    "Các bản điện tử được ký số và lưu trữ trong kho dữ liệu của hệ thống.",
    "Người dân có thể tra cứu tình trạng hồ sơ qua website của Cổng dịch vụ công.",
    "Liên hệ qua email: motcua.hoakhanhbac@danang.gov.vn hoặc số 0236 3842 155.",
    "Lệ phí có thể nộp bằng tiền mặt, chuyển khoản hoặc Internet Banking.",
    "Điều 1. Công nhận kết quả kiểm tra đối với 27 hồ sơ đủ điều kiện.",
    "Điều 2. Giao Văn phòng Hội đồng nhân dân và Ủy ban nhân dân theo dõi.",
    "Điều 3. Quyết định này có hiệu lực kể từ ngày ký ban hành.",
    "Chánh Văn phòng, Trưởng phòng Tư pháp và các cá nhân có liên quan thi hành.",
    "Nơi nhận: như Điều 3; lưu văn thư, bộ phận một cửa.",
    "Hồ sơ gồm: đơn đề nghị, bản chụp căn cước, giấy ủy quyền nếu có.",
    "Đề nghị bổ sung bản gốc để đối chiếu trước ngày 15 tháng 7 năm 2024.",
    "Cán bộ tiếp nhận đã kiểm tra tính đầy đủ và hợp lệ của thành phần hồ sơ.",
    "Phần mềm quản lý hồ sơ tự động gửi tin nhắn SMS khi có kết quả.",
    "Mọi thắc mắc xin liên hệ đường dây nóng hoặc hộp thư góp ý tại trụ sở.",
    "Ủy ban nhân dân phường đề nghị các tổ dân phố phối hợp tuyên truyền.",
)


@dataclass(frozen=True)
class PageSpec:
    mode: str  # gray | bilevel
    skew: float  # degrees, counter-clockwise
    upside_down: bool = False
    serif: bool = False


@dataclass(frozen=True)
class DocSpec:
    doc_id: str
    mode: str
    pages: tuple[PageSpec, ...]


DPI = 200
A4 = (1654, 2339)  # 210 x 297 mm at 200 dpi
DOCS = (
    DocSpec("gen-gray", "gray", (PageSpec("gray", 0.0), PageSpec("gray", 0.3, serif=True))),
    DocSpec("gen-gray-skew", "gray", tuple(PageSpec("gray", s) for s in (2.5, -3.0, 1.5))),
    DocSpec(
        "gen-bilevel", "bilevel", (PageSpec("bilevel", 0.0, serif=True), PageSpec("bilevel", 0.0))
    ),
    DocSpec("gen-bilevel-skew", "bilevel", tuple(PageSpec("bilevel", s) for s in (-2.0, 3.5, 1.0))),
    DocSpec(
        "gen-turned",
        "gray",
        (PageSpec("gray", -1.0), PageSpec("gray", 2.0, upside_down=True, serif=True)),
    ),
    DocSpec("gen-mixed", "gray", (PageSpec("gray", -1.5, serif=True), PageSpec("gray", 0.8))),
)


def page_lines(rng: random.Random) -> list[str]:
    """A form: motto, title, then a dozen sentences in a random order."""
    body = rng.sample(SENTENCES, 14)
    return [*HEADER, rng.choice(TITLES), *body]


def draw(lines: list[str], spec: PageSpec, rng: random.Random) -> Image.Image:
    """The page as the scanner saw it: grey paper, dark ink, slight blur and noise, tilted."""
    style = "Serif" if spec.serif else "Sans"
    body = ImageFont.truetype(str(FONTS / f"DejaVu{style}.ttf"), 28)  # 10 pt at 200 dpi
    bold = ImageFont.truetype(str(FONTS / f"DejaVu{style}-Bold.ttf"), 32)
    page = Image.new("L", A4, 238)
    pen = ImageDraw.Draw(page)
    y = 180
    for i, line in enumerate(lines):
        font = bold if i < 3 else body
        width = pen.textlength(line, font=font)
        x = (A4[0] - width) / 2 if i < 3 else 150
        pen.text((x, y), line, font=font, fill=45)
        y += 90 if i in (1, 2) else 54
    if spec.skew:
        page = page.rotate(spec.skew, resample=Image.Resampling.BICUBIC, fillcolor=238)
    if spec.upside_down:
        page = page.rotate(180)
    page = page.filter(ImageFilter.GaussianBlur(0.9))
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, 7, (A4[1], A4[0]))
    pixels = np.clip(np.asarray(page, dtype=np.float32) + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels)


def encode(image: Image.Image, mode: str) -> bytes:
    """JPEG (quality 70) for grey, CCITT G4 TIFF for bilevel, as counter scanners do."""
    buffer = io.BytesIO()
    if mode == "bilevel":
        image.point(lambda v: 255 if v > 150 else 0).convert("1").save(
            buffer, "TIFF", compression="group4", dpi=(DPI, DPI)
        )
    else:
        image.save(buffer, "JPEG", quality=70, dpi=(DPI, DPI))
    return buffer.getvalue()


def make(out: Path, seed: int = SEED) -> Path:
    """Write every document's PDF and ground truth and the manifest into `out`."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for doc in DOCS:
        encoded, pages = [], []
        for index, spec in enumerate(doc.pages, start=1):
            lines = [unicodedata.normalize("NFC", line) for line in page_lines(rng)]
            encoded.append(encode(draw(lines, spec, rng), spec.mode))
            pages.append(
                {
                    "index": index,
                    "kind": "content",
                    "upside_down": spec.upside_down,
                    "width_px": A4[0],
                    "height_px": A4[1],
                    "dpi": DPI,
                    "encoding": "tiff-g4" if spec.mode == "bilevel" else "jpeg",
                    "skew_deg": spec.skew,
                    "mode": spec.mode,
                    "font": "DejaVu Serif" if spec.serif else "DejaVu Sans",
                    "body_pt": 10,
                    "text": "\n".join(lines),
                }
            )
        pdf = out / f"{doc.doc_id}.pdf"
        layout = img2pdf.get_fixed_dpi_layout_fun((DPI, DPI))
        pdf.write_bytes(
            img2pdf.convert(encoded, layout_fun=layout, nodate=True, engine=img2pdf.Engine.internal)
        )
        gt = {
            "schema": "sohoa-corpus-gt/1",
            "doc_id": doc.doc_id,
            "file": pdf.name,
            "scan": {"dpi": DPI, "mode": doc.mode, "jpeg_quality": 70},
            "n_pages": len(pages),
            "pdf_bytes": pdf.stat().st_size,
            "doc_type": "application",
            "duplex": False,
            "pages": pages,
        }
        (out / f"{doc.doc_id}.json").write_text(json.dumps(gt, ensure_ascii=False, indent=1))
        manifest.append({"doc_id": doc.doc_id, "file": pdf.name, "gt": f"{doc.doc_id}.json"})
    (out / "manifest.json").write_text(
        json.dumps(
            {"schema": "sohoa-corpus-manifest/1", "seed": seed, "documents": manifest}, indent=1
        )
    )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.make_corpus", description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    out = make(args.out, args.seed)
    print(f"wrote {len(DOCS)} documents to {out}")


if __name__ == "__main__":
    main()
