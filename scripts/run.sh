#!/usr/bin/env bash
# Starts the action server and the Rasa server in the foreground; Ctrl-C or SIGTERM stops both.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$MMD_ROOT"

pids=()
stop_all() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    echo "==> stopping (${pids[*]})"
    kill -TERM "${pids[@]}" 2>/dev/null || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap stop_all EXIT

wait_for() {  # wait_for NAME URL PID SECONDS
  local name=$1 url=$2 pid=$3 deadline=$((SECONDS + $4))
  until curl -fsS --max-time 2 "$url" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "error: $name exited during start-up" >&2; exit 1; fi
    if [ $SECONDS -ge $deadline ]; then echo "error: $name did not start within $4 s" >&2; exit 1; fi
    sleep 1
  done
}

# Rasa 3.6's dependencies print import-time DeprecationWarnings through a path that ignores
# warning filters (PYTHONWARNINGS has no effect on them): drop just those lines.
drop_import_warnings() {
  awk '/: [A-Za-z]*DeprecationWarning: /{skip=1; next}
       skip && (/^  / || /^Implementing implicit namespace/){next}
       {skip=0; print; fflush()}'
}

# The HTTP API is on only with a token. Without RASA_API_TOKEN, this run makes a random
# one that only the staff console (started below) knows, so taking over chats works.
if [ -z "${RASA_API_TOKEN:-}" ]; then
  RASA_API_TOKEN=$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(32))')
  api_token_note="on, with a random token for this run (set RASA_API_TOKEN to choose one)"
else
  api_token_note="on, token from RASA_API_TOKEN"
fi
export RASA_API_TOKEN
api_args=(--enable-api --auth-token "$RASA_API_TOKEN")

if [ "${SCALE_OUT:-0}" = "1" ]; then
  echo "==> scale-out mode: PostgreSQL + Redis lock store, $SANIC_WORKERS Sanic workers"
  .venv/bin/python scripts/ensure_database.py "$TRACKER_DB_URL" "$BOOKINGS_DB_URL" "$CONSOLE_DB_URL"
fi

echo "==> action server on port $ACTIONS_PORT"
.venv/bin/rasa run actions --actions actions --port "$ACTIONS_PORT" \
  --logging-config-file scripts/logging.yml 2> >(drop_import_warnings >&2) &
pids+=($!)
wait_for "action server" "http://127.0.0.1:${ACTIONS_PORT}/health" "${pids[-1]}" 60

echo "==> channels"
.venv/bin/python scripts/credentials.py var/credentials.yml

# WEB_ORIGINS is unquoted on purpose: each space-separated origin is one --cors value.
echo "==> Rasa server on port $RASA_PORT (conversations: ${TRACKER_DB_URL%%://*}, endpoints: $ENDPOINTS_FILE)"
.venv/bin/python -m rasa_server run --model models --port "$RASA_PORT" --endpoints "$ENDPOINTS_FILE" \
  --credentials var/credentials.yml --cors ${WEB_ORIGINS} \
  --logging-config-file scripts/logging.yml "${api_args[@]}" 2> >(drop_import_warnings >&2) &
pids+=($!)
wait_for "Rasa server" "http://127.0.0.1:${RASA_PORT}/" "${pids[-1]}" 180

echo "==> web chat on port $WEBCHAT_PORT"
# RASA_URL + RASA_API_TOKEN: the web chat server stores "Was this helpful?" votes through Rasa's HTTP API.
RASA_URL="http://127.0.0.1:${RASA_PORT}" .venv/bin/python webchat/server.py &
pids+=($!)
wait_for "web chat" "http://127.0.0.1:${WEBCHAT_PORT}/health" "${pids[-1]}" 30

echo "==> staff console on port $STAFF_PORT"
RASA_URL="http://127.0.0.1:${RASA_PORT}" .venv/bin/python -m console.app 2> >(drop_import_warnings >&2) &
pids+=($!)
wait_for "staff console" "http://127.0.0.1:${STAFF_PORT}/health" "${pids[-1]}" 60

cat <<TXT

mmd-assistant is running.
  Web chat:        http://localhost:${WEBCHAT_PORT}/   (embed: <script src="http://localhost:${WEBCHAT_PORT}/embed.js" defer></script>)
  Chat over REST:  curl -s -XPOST localhost:${RASA_PORT}/webhooks/rest/webhook \\
                     -H 'Content-Type: application/json' -d '{"sender":"me","message":"hi"}'${REST_CHANNEL_SECRET:+ \\
                     -H 'Authorization: Bearer \$REST_CHANNEL_SECRET'}
  Chat in a shell: make shell        (in another terminal)
  Staff console:   http://localhost:${STAFF_PORT}/   (first admin: make staff-user NAME=you ROLE=admin)
  HTTP API:        ${api_token_note}
Press Ctrl-C to stop.
TXT

# Any process exiting ends the run (and the trap stops the other one).
wait -n "${pids[@]}"
echo "error: a server exited; stopping the rest" >&2
exit 1
