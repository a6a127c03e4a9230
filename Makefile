# Short names for the README's commands. `make demo` on a fresh machine sets
# everything up (system packages for OCR need root; skipped with a note if not)
# and runs the main job on the bundled corpus.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= dev,ocr,stanza,dask,review

.PHONY: setup system-deps demo test corpus train evaluate evaluate-real bench lint clean review

$(BIN)/sistercity: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[$(EXTRAS)]'
	touch $(BIN)/sistercity

system-deps:
	@if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx ind; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-ind >/dev/null; \
	else echo "note: install tesseract-ocr and tesseract-ocr-ind for scanned PDFs (apt-get install tesseract-ocr tesseract-ocr-ind)"; fi
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "note: install chromium for the browser test of report.html (apt-get install chromium)"; fi

setup: system-deps $(BIN)/sistercity

demo: setup
	$(BIN)/sistercity run

test: setup
	$(BIN)/python -m pytest

corpus: setup
	$(BIN)/python corpora/build.py check
	$(BIN)/python corpora/build.py render
	$(BIN)/python corpora/build.py annotations

train: setup
	$(BIN)/sistercity train

evaluate: setup
	$(BIN)/sistercity evaluate

# figures on real published texts (a folder of city pairs like ../shared/realdev): evaluation/REAL.md, real.json
REAL ?= ../shared/realdev
evaluate-real: setup
	$(BIN)/sistercity evaluate --real $(REAL)

agreement: setup
	$(BIN)/sistercity agreement

# the review workbench on http://127.0.0.1:8600/ (first: sistercity review add-user NAME --role admin)
review: setup
	$(BIN)/sistercity review serve

bench: setup
	$(BIN)/python bench/run.py

lint: setup
	$(BIN)/ruff check pipeline tests

clean:
	rm -rf reports sistercity.db sistercity.db-wal sistercity.db-shm .pytest_cache
