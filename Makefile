# mmd-assistant: `make run` to chat, `make test` to check everything. See README.md.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV      := .venv
BIN       := $(VENV)/bin
ENV       := source scripts/env.sh &&
SPACY_DIR := build/spacy_mmd
MODEL_STAMP := models/.trained
TRAIN_INPUTS := config.yml $(wildcard domain/*.yml) $(shell find data -name '*.yml') \
                $(SPACY_DIR)/meta.json spacy_pipeline/safety_net.py spacy_pipeline/signals.py spacy_pipeline/intents.py spacy_pipeline/booking_reference.py spacy_pipeline/word_tokenizer.py \
                spacy_pipeline/faq_selector.py spacy_pipeline/language.py common/language.py

.PHONY: help run test setup build train validate lint unit stories e2e eval cross-validate shell lock clean chromium staff-user bench bench-long bench-console deploy-check resilience training-data retention backup restore check try

help:
	@echo "make run    set up, train if needed, start the assistant (Ctrl-C stops it)"
	@echo "make test   set up, train if needed, run every check and test"
	@echo "make check  lint, data validation and unit tests (no PostgreSQL, Redis or browser)"
	@echo "make try    quick model after an NLU edit: fine-tunes the last model (make train before committing)"
	@echo "make eval   held-out NLU evaluation report under results/"
	@echo "make cross-validate   5-fold NLU cross-validation (about 8 minutes)"
	@echo "make shell  chat with the running assistant in this terminal"
	@echo "make staff-user NAME=alice ROLE=admin   create a staff console account"
	@echo "make training-data   staff console corrections -> data/nlu/staff_corrections.yml (review, commit, retrain)"
	@echo "make bench  latency, throughput, memory, start-up and training vs Rasa's starter bot"
	@echo "make bench-long   cost per turn up to turn 1000, and 20 users beside a flooding sender"
	@echo "make bench-console   staff console speed on 10,000 conversations / 200,000 events"
	@echo "make retention  delete conversations and finished requests past their age (DRY_RUN=1 counts)"
	@echo "make backup / make restore FROM=backups/<time>   the embedded SQLite databases"

$(VENV)/.installed: requirements.txt requirements-dev.txt constraints.txt scripts/setup-venv.sh
	@scripts/setup-venv.sh

setup: $(VENV)/.installed

$(SPACY_DIR)/meta.json: $(VENV)/.installed $(wildcard spacy_pipeline/patterns/*) spacy_pipeline/build.py spacy_pipeline/patterns_dsl.py
	@echo "==> building the spaCy pipeline"
	@$(ENV) $(BIN)/python -m spacy_pipeline.build $(SPACY_DIR)

WEBCHAT_DEPS := webchat/node_modules/.package-lock.json

# socket.io-client from the npm registry, exactly as locked (package-lock.json).
$(WEBCHAT_DEPS): webchat/package.json webchat/package-lock.json
	@echo "==> installing the web chat's socket.io-client (npm ci)"
	@cd webchat && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null

build: $(SPACY_DIR)/meta.json $(WEBCHAT_DEPS)

# Trains only when the data, config or pipeline changed since the last training.
$(MODEL_STAMP): $(TRAIN_INPUTS)
	@echo "==> training the model (about 2 minutes on 2 cores)"
	@mkdir -p var && touch var/train.started
	@$(ENV) start=$$SECONDS; $(BIN)/rasa train --force --quiet --domain domain --fixed-model-name mmd-assistant \
	  --out models > var/train.log 2>&1 || { tail -40 var/train.log; exit 1; }; \
	  echo "    trained in $$((SECONDS - start)) s: models/mmd-assistant.tar.gz"
	@# Stamped with the time training started: a file edited while it ran is newer, so the
	@# next make trains again.
	@touch -r var/train.started $@

train: $(MODEL_STAMP)

run: $(MODEL_STAMP) $(WEBCHAT_DEPS)
	@scripts/run.sh

shell: $(MODEL_STAMP)
	@$(ENV) $(BIN)/python -m rasa_server shell --model models --endpoints endpoints.yml --port $$((RASA_PORT + 100))

# Staff accounts: make staff-user NAME=alice ROLE=admin (asks for the password).
staff-user: $(VENV)/.installed
	@$(ENV) $(BIN)/python -m console.cli create-user "$(NAME)" --role "$(or $(ROLE),agent)"

# The needs-attention inbox's decisions as NLU examples (CONSOLE_DB_URL); DRY_RUN=1 only prints.
training-data: $(VENV)/.installed
	@echo "==> staff corrections -> data/nlu/staff_corrections.yml"
	@$(ENV) $(BIN)/python scripts/training_data.py $(if $(DRY_RUN),--dry-run)

validate: $(VENV)/.installed
	@echo "==> rasa data validate"
	@$(ENV) $(BIN)/python scripts/validate_data.py

lint: $(VENV)/.installed
	@echo "==> ruff"
	@$(BIN)/ruff check actions common spacy_pipeline channels console rasa_server tests scripts bench webchat/server.py

# On two workers (one module per worker at a time), then the `slow` ones alone: two of them
# time work that needs idle cores, and one runs a whole `rasa data validate`.
unit: $(SPACY_DIR)/meta.json
	@echo "==> unit tests (actions, validators, parsers, spaCy pipeline, content) on two workers"
	@$(ENV) $(BIN)/pytest -q -n 2 --dist loadscope -m "not slow" -p no:cacheprovider tests/unit
	@echo "==> the slow unit tests, alone"
	@$(ENV) $(BIN)/pytest -q -m slow -p no:cacheprovider tests/unit

# The developer's quick loop: no servers, no database, no browser. Unit tests on two workers
# (pytest-xdist; one module per worker at a time, so a module's console process starts once);
# the `slow` tests (it says how many) and PostgreSQL's run only in `make unit` / `make test`.
# `rasa data validate` is skipped when nothing it reads changed since it last passed.
# Data validation runs beside the unit tests (they leave part of a core idle); its verdict
# is printed after theirs.
check: $(SPACY_DIR)/meta.json
	@start=$$SECONDS; $(MAKE) --no-print-directory lint; \
	  echo "==> rasa data validate, and unit tests without PostgreSQL or the slow ones"; \
	  ( $(ENV) $(BIN)/python scripts/validate_data.py --reuse > var/check-validate.log 2>&1 ) & validating=$$!; \
	  $(ENV) $(BIN)/pytest -q -n 2 --dist loadscope -m "not postgres and not slow" -p no:cacheprovider \
	    tests/unit > var/check-unit.log 2>&1; tests=$$?; \
	  wait $$validating; valid=$$?; sed 's/^/    /' var/check-validate.log | tail -20; \
	  [ $$tests -eq 0 ] || { sed -n '/short test summary info/,$$p' var/check-unit.log | tail -40; exit 1; }; \
	  grep -h "slow test(s) left out" var/check-unit.log | sed 's/^/    /' || true; \
	  tail -1 var/check-unit.log | sed 's/^/    /'; \
	  [ $$valid -eq 0 ] || exit 1; \
	  echo "    make check took $$((SECONDS - start)) s"

# Edit-and-try: fine-tunes models/mmd-assistant.tar.gz on the changed data with a fraction of the
# epochs into models/mmd-assistant-try.tar.gz, which `make run` then serves (the newest model).
# Not for commits: `make train` trains from scratch (make test and CI always do). Plain `rasa`:
# training does not run the server's hooks (their replaced methods would confuse Rasa's graph
# validation, which reads the components' type hints).
TRY_EPOCHS ?= 0.2
try: $(SPACY_DIR)/meta.json
	@test -f models/mmd-assistant.tar.gz || { echo "no model to fine-tune yet: run make train once"; exit 2; }
	@echo "==> fine-tuning the last model on the changed data ($(TRY_EPOCHS) of the epochs)"
	@$(ENV) start=$$SECONDS; $(BIN)/rasa train --domain domain --finetune models/mmd-assistant.tar.gz \
	  --epoch-fraction $(TRY_EPOCHS) --fixed-model-name mmd-assistant-try --out models > var/try.log 2>&1 \
	  || { tail -30 var/try.log; exit 1; }; \
	  echo "    fine-tuned in $$((SECONDS - start)) s: models/mmd-assistant-try.tar.gz (make run serves it)"

stories: $(MODEL_STAMP)
	@echo "==> test stories (any wrong prediction fails)"
	@$(ENV) $(BIN)/python -m rasa_server test core --model models/mmd-assistant.tar.gz --stories tests/stories \
	  --fail-on-prediction-errors --out results/stories > var/test-stories.log 2>&1 \
	  || { tail -60 var/test-stories.log; cat results/stories/failed_test_stories.yml 2>/dev/null; exit 1; }
	@echo "    all test stories passed"

chromium:
	@scripts/ensure-chromium.sh

e2e: $(MODEL_STAMP) $(WEBCHAT_DEPS) chromium
	@echo "==> end-to-end: REST conversations and the web chat in chromium (real servers)"
	@$(ENV) $(BIN)/pytest -q tests/e2e

eval: $(MODEL_STAMP)
	@echo "==> held-out NLU evaluation"
	@$(ENV) $(BIN)/python -m tests.evaluate_heldout
	@echo "==> questions written by users from personas (tests/nlu/users_*.yml)"
	@$(ENV) $(BIN)/python -m tests.evaluate_users --quiet 2> var/eval-users.log \
	  || { tail -20 var/eval-users.log; exit 1; }

# 5-fold cross-validation of the NLU pipeline on data/nlu (about 8 minutes on 2 cores):
# intent and FAQ-topic scores per fold, mean (standard deviation), under results/cv/.
cross-validate: $(SPACY_DIR)/meta.json
	@echo "==> NLU 5-fold cross-validation (about 8 minutes)"
	@$(ENV) $(BIN)/rasa test nlu --nlu data/nlu --config config.yml --domain domain --cross-validation --folds 5 \
	  --out results/cv > var/cross-validate.log 2>&1 || { tail -40 var/cross-validate.log; exit 1; }
	@grep -E "CV evaluation|Intent evaluation|Response Selection evaluation|(train|test) (Accuracy|F1-score)" var/cross-validate.log \
	  | sed -E 's/^.*(INFO|rasa[^ ]*) +- +//; s/^/    /'

deploy-check: $(VENV)/.installed
	@echo "==> Kubernetes manifests (schema, strict)"
	@scripts/deploy-check.sh > var/deploy-check.log 2>&1 \
	  && echo "    $$(grep -c passed var/deploy-check.log) resources valid" \
	  || { grep -v "^INFO" var/deploy-check.log; exit 1; }

resilience: $(MODEL_STAMP)
	@echo "==> faults, bad input and scale-out (two Rasa + two action servers, PostgreSQL, Redis)"
	@$(ENV) $(BIN)/pytest -q tests/resilience

test: validate lint deploy-check unit stories eval e2e resilience

bench: $(MODEL_STAMP)
	@echo "==> benchmark: this assistant vs Rasa's starter bot (about 25 minutes)"
	@$(ENV) $(BIN)/python bench/assistant_bench.py

bench-long: $(MODEL_STAMP)
	@echo "==> benchmark: a 1000-turn conversation with and without the tracker window, and a flooding sender (about 15 minutes)"
	@$(ENV) $(BIN)/python bench/long_conversation.py

bench-console: $(VENV)/.installed
	@echo "==> staff console benchmark"
	@$(ENV) $(BIN)/python bench/console_bench.py

# Data retention (console/retention.py): RETENTION_CONVERSATION_DAYS, RETENTION_BOOKING_DAYS.
retention: $(VENV)/.installed
	@$(ENV) $(BIN)/python -m console.retention $(if $(DRY_RUN),--dry-run)

backup: $(VENV)/.installed
	@echo "==> backup of the embedded databases"
	@$(ENV) $(BIN)/python scripts/backup.py backup

restore: $(VENV)/.installed
	@test -n "$(FROM)" || { echo "usage: make restore FROM=backups/<time>"; exit 2; }
	@echo "==> restore from $(FROM)"
	@$(ENV) $(BIN)/python scripts/backup.py restore "$(FROM)"

lock:
	$(BIN)/pip freeze --exclude-editable | sed '1i # Full lock of the venv (pip freeze), used as a constraints file by scripts/setup-venv.sh.\n# Regenerate with `make lock` after changing requirements*.txt.' > constraints.txt

clean:
	rm -rf build models results .rasa webchat/node_modules
