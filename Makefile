# The README's two commands are `make setup` and `make test`.
PY := .venv/bin/python
PKGS := engine stacks workflows activities

.PHONY: setup test test-fast lint fmt typecheck check bench proto contract dev image

setup:
	tools/setup.sh

test:
	.venv/bin/pytest --durations=15

test-fast:
	.venv/bin/pytest tests/unit tests/stacks

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/actionlint
	.venv/bin/lint-imports

fmt:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

typecheck:
	.venv/bin/mypy $(PKGS)

check: lint typecheck test

proto:
	tools/gen_proto.sh

contract:
	$(PY) tools/gen_contract.py

dev:
	.venv/bin/tenantctl dev

bench:
	$(PY) -m bench.engine_up
	$(PY) -m bench.provision_e2e

# The container image, after `make setup` (its Pulumi CLI and uv go in): tools/image/build.sh.
# BASE=debootstrap makes the base from Debian's packages where no container registry answers.
BASE ?= docker.io/library/python:3.11-slim-bookworm
IMAGE ?= localhost/tenant-engine:latest
image:
	BASE=$(BASE) IMAGE=$(IMAGE) tools/image/build.sh
