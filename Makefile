# The two commands of the README, and the chores around them.
.PHONY: demo test serve setup lint bench clean

demo:            ## a live server with simulated match days flowing through it
	@scripts/setup.sh
	.venv/bin/stadiumflow demo

test:            ## everything CI runs
	@scripts/setup.sh --test
	.venv/bin/pytest

serve:           ## the embedded server alone, on ./.stadiumflow
	@scripts/setup.sh
	.venv/bin/stadiumflow serve

lint:
	@scripts/setup.sh --test
	.venv/bin/ruff check --no-cache src tests scripts bench
	.venv/bin/ruff format --no-cache --check src tests scripts bench
	.venv/bin/mypy

bench:           ## ingest benchmark against a bare Starlette endpoint (needs wrk)
	@scripts/setup.sh --test
	.venv/bin/python bench/ingest.py

clean:
	rm -rf .stadiumflow artifacts .pytest_cache .mypy_cache .ruff_cache
