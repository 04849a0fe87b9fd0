"""Decoding within limits: Pillow's bomb guard stays on, and ours is enforced first.

Pillow's guard (``Image.MAX_IMAGE_PIXELS``) is process-wide and stays as Pillow
sets it: above twice its limit (about 179 MP) Pillow refuses to open an image,
and that refusal becomes a BOMB rejection. Our own limit (SOHOA_MAX_MEGAPIXELS)
is checked at inspection, before anything is decoded. Between Pillow's warning
level (about 89 MP) and our limit a scan is legitimate, so Pillow's *warning*
is silenced, only around our own decoding calls.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image


@contextmanager
def inspected_limits() -> Iterator[None]:
    """Open or decode an image whose size inspection already accepted."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        warnings.filterwarnings("ignore", module="PIL")  # e.g. a truncated TIFF: we refuse it
        yield
