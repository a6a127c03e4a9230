"""OCR for scanned pages: Tesseract with its Indonesian model, one thread per process.

Measured on this project's machine: an A4 page at 300 dpi took 13 s with
Tesseract's default threading and 2 s with OMP_THREAD_LIMIT=1, so we pin one
thread and parallelise by process instead: the pages of a scanned PDF are
rendered in the calling process (pdfium is not thread-safe and its pages cannot
be pickled) and OCRed in a small process pool (`ocr_images`), each page keeping
its own confidence. Inside a worker process (documents already in parallel)
the pages are read one after another.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import shutil

from pipeline.ingest.errors import IngestError

log = logging.getLogger(__name__)

OCR_DPI = 300
MAX_OCR_PROCESSES = 4
INSTALL_HINT = "pip install 'sistercity[ocr]' and apt-get install tesseract-ocr tesseract-ocr-ind"


@functools.cache
def _tesseract_langs() -> str:
    try:
        import pytesseract
    except ImportError as exc:
        raise IngestError("needs_ocr", f"scanned page without a text layer and OCR is not installed ({INSTALL_HINT})") from exc
    if shutil.which("tesseract") is None:
        raise IngestError("needs_ocr", f"scanned page without a text layer and the tesseract program is not installed ({INSTALL_HINT})")
    langs = set(pytesseract.get_languages(config=""))
    return "ind" if "ind" in langs else "eng"


def _check_installed(name: str, number: int) -> str:
    try:
        return _tesseract_langs()
    except IngestError as exc:
        raise IngestError(exc.reason, f"{name}: page {number} is a {exc.message}") from None


def render_scale(width_pt: float, height_pt: float, max_pixels: int | None = None) -> float:
    """The scale a page is rendered at for OCR: 300 dpi, less when that would exceed `max_pixels`."""
    scale = OCR_DPI / 72
    if max_pixels and width_pt * height_pt * scale * scale > max_pixels:
        scale = math.sqrt(max_pixels / max(width_pt * height_pt, 1.0))
    return scale


def render_page(page, max_pixels: int | None = None):
    """A pdfium page as the greyscale image Tesseract reads (300 dpi, or less to stay within `max_pixels`)."""
    scale = render_scale(page.get_width(), page.get_height(), max_pixels)
    return page.render(scale=scale, grayscale=True).to_pil().convert("L")


def ocr_page(page, name: str, number: int) -> tuple[str, float]:
    """Return (text with paragraphs separated by blank lines, mean word confidence 0-1)."""
    lang = _check_installed(name, number)
    return ocr_image(render_page(page), lang)


def ocr_image(image, lang: str) -> tuple[str, float]:
    """OCR one page image with one Tesseract thread: (text, mean word confidence 0-1).

    A top-level function so that pages can be read in worker processes.
    """
    import pytesseract

    os.environ["OMP_THREAD_LIMIT"] = "1"
    data = pytesseract.image_to_data(image, lang=lang, output_type=pytesseract.Output.DICT, config="--psm 3")
    paragraphs: dict[tuple[int, int, int], list[str]] = {}
    confs: list[float] = []
    for i, word in enumerate(data["text"]):
        word = word.strip()
        conf = float(data["conf"][i])
        if not word or conf < 0:
            continue
        key = (data["block_num"][i], data["par_num"][i], 0)
        paragraphs.setdefault(key, []).append(word)
        confs.append(conf)
    text = "\n\n".join(" ".join(words) for _, words in sorted(paragraphs.items()))
    confidence = round(sum(confs) / len(confs) / 100, 3) if confs else 0.0
    return text, confidence


def ocr_processes(n_pages: int, workers: int | None = None) -> int:
    """How many processes OCR `n_pages` pages: `workers` if given (`Settings.ocr_workers`), else the CPU count;
    never more than the pages, nor MAX_OCR_PROCESSES; 1 inside a worker process (no nested pools)."""
    import multiprocessing

    if multiprocessing.parent_process() is not None:
        return 1
    if workers is None:
        workers = os.cpu_count() or 1
    return max(1, min(workers, n_pages, MAX_OCR_PROCESSES))


def ocr_images(images: list, name: str, first_numbers: list[int], workers: int | None = None) -> list[tuple[str, float]]:
    """OCR page images, in a process pool when there is more than one page and more than one process allowed.

    Returns (text, confidence) per image, in order. `first_numbers` are the page numbers (for error messages).
    """
    if not images:
        return []
    lang = _check_installed(name, first_numbers[0])
    os.environ["OMP_THREAD_LIMIT"] = "1"  # inherited by the workers and their tesseract processes
    n = ocr_processes(len(images), workers)
    if n <= 1:
        return [ocr_image(image, lang) for image in images]
    from concurrent.futures.process import BrokenProcessPool

    log.debug("%s: OCR of %d pages in %d processes", name, len(images), n)
    try:
        return list(_pool(n).map(ocr_image, images, [lang] * len(images)))
    except BrokenProcessPool:  # a worker died (killed, out of memory): read this document here, start afresh next time
        log.warning("%s: the OCR process pool broke; reading the pages one after another", name)
        _POOLS.pop(n, None)
        return [ocr_image(image, lang) for image in images]


_POOLS: dict[int, object] = {}


def _pool(n: int):
    """A process pool of `n` workers kept for the next scanned document (starting processes costs about a second
    each, as much as OCR of half a page), shut down when the program ends."""
    import atexit
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    if n not in _POOLS:
        from pipeline.children import watch_children

        watch_children()  # the workers die with this process, even on kill -9
        pool = ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn"))
        atexit.register(pool.shutdown, cancel_futures=True)
        _POOLS[n] = pool
    return _POOLS[n]
