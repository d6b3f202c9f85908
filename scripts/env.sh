# Sourced by every Makefile step and script: the embedded defaults for every variable the
# assistant reads. Anything already set in the environment wins.
# shellcheck shell=bash
MMD_ROOT="${MMD_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
export MMD_ROOT

export RASA_PORT="${RASA_PORT:-5005}"
export ACTIONS_PORT="${ACTIONS_PORT:-5055}"
export WEBCHAT_PORT="${WEBCHAT_PORT:-8080}"
export STAFF_PORT="${STAFF_PORT:-8081}"
export CONSOLE_DB_URL="${CONSOLE_DB_URL:-sqlite:///${MMD_ROOT}/var/console.db}"
# Where browsers reach Rasa's socket.io channel, and which web origins may call Rasa (CORS,
# space-separated).
export RASA_PUBLIC_URL="${RASA_PUBLIC_URL:-http://localhost:${RASA_PORT}}"
export WEB_ORIGINS="${WEB_ORIGINS:-http://localhost:${WEBCHAT_PORT} http://127.0.0.1:${WEBCHAT_PORT}}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTIONS_PORT}/webhook}"
export TRACKER_DB_URL="${TRACKER_DB_URL:-sqlite:///${MMD_ROOT}/var/conversations.db}"
export BOOKINGS_DB_URL="${BOOKINGS_DB_URL:-sqlite:///${MMD_ROOT}/var/bookings.db}"
export DB_TIMEOUT_SECONDS="${DB_TIMEOUT_SECONDS:-5}"
export LOG_LEVEL="${LOG_LEVEL:-INFO}"

# Quiet, offline tooling: Rasa's telemetry would try the internet and stall on retries.
export RASA_TELEMETRY_ENABLED=false
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
export TF_ENABLE_ONEDNN_OPTS=0
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::DeprecationWarning,ignore::FutureWarning,ignore::UserWarning}"
export PYTHONPATH="${MMD_ROOT}${PYTHONPATH:+:${PYTHONPATH}}"
mkdir -p "${MMD_ROOT}/var"
