# Sourced by every Makefile step and script: the embedded defaults for every variable the
# assistant reads. Anything already set in the environment wins.
# shellcheck shell=bash
MMD_ROOT="${MMD_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
export MMD_ROOT

export RASA_PORT="${RASA_PORT:-5005}"
export ACTIONS_PORT="${ACTIONS_PORT:-5055}"
export WEBCHAT_PORT="${WEBCHAT_PORT:-8080}"
export STAFF_PORT="${STAFF_PORT:-8081}"
# Where browsers reach Rasa's socket.io channel, and which web origins may call Rasa (CORS,
# space-separated).
export RASA_PUBLIC_URL="${RASA_PUBLIC_URL:-http://localhost:${RASA_PORT}}"
export WEB_ORIGINS="${WEB_ORIGINS:-http://localhost:${WEBCHAT_PORT} http://127.0.0.1:${WEBCHAT_PORT}}"
export ACTION_ENDPOINT_URL="${ACTION_ENDPOINT_URL:-http://127.0.0.1:${ACTIONS_PORT}/webhook}"
# Scale-out mode: SCALE_OUT=1 moves conversations, bookings and the console to PostgreSQL
# (POSTGRES_URL) and adds Redis as the lock store (endpoints.scale.yml), so several Rasa
# servers, Sanic workers (SANIC_WORKERS) and action servers can serve the same users.
if [ "${SCALE_OUT:-0}" = "1" ]; then
  export POSTGRES_URL="${POSTGRES_URL:-postgresql://postgres@127.0.0.1:5432/mmd}"
  export TRACKER_DB_URL="${TRACKER_DB_URL:-$POSTGRES_URL}"
  export BOOKINGS_DB_URL="${BOOKINGS_DB_URL:-$POSTGRES_URL}"
  export CONSOLE_DB_URL="${CONSOLE_DB_URL:-$POSTGRES_URL}"
  export ENDPOINTS_FILE="${ENDPOINTS_FILE:-endpoints.scale.yml}"
  export SANIC_WORKERS="${SANIC_WORKERS:-2}"
fi
export ENDPOINTS_FILE="${ENDPOINTS_FILE:-endpoints.yml}"
export REDIS_HOST="${REDIS_HOST:-127.0.0.1}"
export REDIS_PORT="${REDIS_PORT:-6379}"
export REDIS_DB="${REDIS_DB:-0}"
export REDIS_KEY_PREFIX="${REDIS_KEY_PREFIX:-mmd}"
export TRACKER_DB_URL="${TRACKER_DB_URL:-sqlite:///${MMD_ROOT}/var/conversations.db}"
export BOOKINGS_DB_URL="${BOOKINGS_DB_URL:-sqlite:///${MMD_ROOT}/var/bookings.db}"
# After the scale-out block: set before it, the console stayed on a per-host SQLite file in
# scale-out mode (review state, sessions and tags per replica).
export CONSOLE_DB_URL="${CONSOLE_DB_URL:-sqlite:///${MMD_ROOT}/var/console.db}"
# Events a long conversation keeps loaded per message (rasa_server/tracker_store.py); 0: all.
export TRACKER_WINDOW_EVENTS="${TRACKER_WINDOW_EVENTS:-200}"
export DB_TIMEOUT_SECONDS="${DB_TIMEOUT_SECONDS:-5}"
# Longest wait for one custom action before the user gets a "try again" reply.
export ACTION_TIMEOUT_SECONDS="${ACTION_TIMEOUT_SECONDS:-10}"
export LOG_LEVEL="${LOG_LEVEL:-INFO}"
# Limits (rasa_server/limits.py, README "Limits"), read by the Rasa server at start-up.
# Longer messages get a "too long" reply and only their first part is read; a session with
# this many user messages is followed by a new one (a running booking continues in it).
export MAX_MESSAGE_CHARS="${MAX_MESSAGE_CHARS:-2000}"
export MAX_TURNS_PER_SESSION="${MAX_TURNS_PER_SESSION:-500}"
# Token buckets: BURST messages at once, refilled at PER_MINUTE; 0 turns a limit off. Per
# sender (conversation) and per client address (loopback and RATE_LIMIT_CLIENT_EXEMPT,
# space-separated addresses or networks, have no per-client limit). One "slow down" reply per
# sender per RATE_LIMIT_NOTICE_SECONDS, then silence. RATE_LIMIT_PROXIES_COUNT: proxies to
# trust for X-Forwarded-For. Counts are per process, in Redis with RATE_LIMIT_STORE=redis
# (the default when SCALE_OUT=1), which fails open after RATE_LIMIT_REDIS_TIMEOUT_SECONDS.
export RATE_LIMIT_SENDER_BURST="${RATE_LIMIT_SENDER_BURST:-30}"
export RATE_LIMIT_SENDER_PER_MINUTE="${RATE_LIMIT_SENDER_PER_MINUTE:-30}"
export RATE_LIMIT_CLIENT_BURST="${RATE_LIMIT_CLIENT_BURST:-60}"
export RATE_LIMIT_CLIENT_PER_MINUTE="${RATE_LIMIT_CLIENT_PER_MINUTE:-120}"
export RATE_LIMIT_CLIENT_EXEMPT="${RATE_LIMIT_CLIENT_EXEMPT-127.0.0.0/8 ::1}"
export RATE_LIMIT_NOTICE_SECONDS="${RATE_LIMIT_NOTICE_SECONDS:-30}"
# A refused message's empty answer waits this long (slows a flooding script; 0: at once).
export RATE_LIMIT_REFUSED_DELAY_SECONDS="${RATE_LIMIT_REFUSED_DELAY_SECONDS:-1}"
export RATE_LIMIT_PROXIES_COUNT="${RATE_LIMIT_PROXIES_COUNT:-0}"
export RATE_LIMIT_REDIS_TIMEOUT_SECONDS="${RATE_LIMIT_REDIS_TIMEOUT_SECONDS:-0.25}"
if [ "${SCALE_OUT:-0}" = "1" ]; then
  export RATE_LIMIT_STORE="${RATE_LIMIT_STORE:-redis}"
else
  export RATE_LIMIT_STORE="${RATE_LIMIT_STORE:-memory}"
fi
# Most senders and clients counted per process (the least recent are dropped beyond it).
export RATE_LIMIT_MAX_TRACKED="${RATE_LIMIT_MAX_TRACKED:-100000}"

# Quiet, offline tooling: Rasa's telemetry would try the internet and stall on retries.
export RASA_TELEMETRY_ENABLED=false
export TF_CPP_MIN_LOG_LEVEL="${TF_CPP_MIN_LOG_LEVEL:-3}"
export TF_ENABLE_ONEDNN_OPTS=0
export SQLALCHEMY_SILENCE_UBER_WARNING=1
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::DeprecationWarning,ignore::FutureWarning,ignore::UserWarning}"
export PYTHONPATH="${MMD_ROOT}${PYTHONPATH:+:${PYTHONPATH}}"
mkdir -p "${MMD_ROOT}/var"
