# make demo — a synthetic borough, ingested, linked and served
# make test — ruff, mypy and the whole suite; each target does its own set-up on a fresh machine.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
# Looked up each time it is used (=, not :=): `make uv` may install it (.ci/uv-bootstrap.sh)
# under the checkout or in ~/.local/bin, after this Makefile was read.
UV = $(or $(shell command -v uv 2>/dev/null),$(wildcard $(CURDIR)/.ci/.uv/bin/uv),$(wildcard $(HOME)/.local/bin/uv),python3 -m uv)
RUN = $(UV) run --frozen
VENDOR := src/joinedup/web/static/vendor

.PHONY: setup uv python assets demo test check lint typecheck pytest bench clean

setup: python assets

uv:
	@bash .ci/uv-bootstrap.sh >/dev/null

python: uv
	$(UV) sync --frozen --all-extras

# GOV.UK Frontend and htmx, copied into the package so the running service needs no network.
assets: $(VENDOR)/.built

$(VENDOR)/.built: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/govuk $(VENDOR)/htmx
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css \
	   node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js $(VENDOR)/govuk/
	cp -r node_modules/govuk-frontend/dist/govuk/assets $(VENDOR)/govuk/assets
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	touch $@

demo: setup
	$(RUN) joinedup demo

lint: python
	$(RUN) ruff check src tests benchmarks
	$(RUN) ruff format --check src tests benchmarks

typecheck: python
	$(RUN) mypy src

pytest: setup
	$(RUN) pytest -n 2 --dist loadgroup

test: lint typecheck pytest

check: test

bench: setup
	$(RUN) python -m benchmarks.linkage.run

clean:
	rm -rf .venv node_modules $(VENDOR) .pytest_cache .mypy_cache .ruff_cache .ci/.uv
