"""Benchmark of sohoa against OCRmyPDF and bare tesseract (run with ``python -m bench``)."""
