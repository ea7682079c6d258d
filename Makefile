# Two commands do everything on a fresh machine: `make demo` and `make test`.
# Both run the idempotent bootstrap first (seconds when already set up).
SHELL := /bin/bash
VENV  := .venv/bin
AREA  ?=
PYTEST_ARGS ?=

.PHONY: bootstrap build demo test bench ape clean

bootstrap:
	@bash toolchain/bootstrap.sh

build: bootstrap
	@$(VENV)/gridpay build

demo: build
	@$(VENV)/gridpay demo

# `make test AREA=evm` runs one area (a pytest marker).
test: build
	@$(VENV)/python -m pytest $(if $(AREA),-m $(AREA)) $(PYTEST_ARGS)

bench: build
	@$(VENV)/gridpay bench all

# ape lives in its own virtualenv: its pins clash with web3 8 (evm-toolchain.md).
ape: build
	@bash toolchain/ape/setup.sh
	@PATH=$(CURDIR)/node_modules/.bin:$$PATH .venv-ape/bin/ape test contracts/ape_tests

clean:
	rm -rf target .gridpay .bootstrap
