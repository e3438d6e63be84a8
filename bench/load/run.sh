#!/usr/bin/env bash
# Load test against gunicorn, loopback only.
#   bench/load/run.sh postgres [USERS=50] [SECONDS=60]
#   bench/load/run.sh sqlite   [USERS=10] [SECONDS=60]
# Builds a fresh database (demo data + 50 agents), collects the static files, starts
# gunicorn with recouvrement/gunicorn.conf.py, runs locust headless, stops gunicorn,
# then checks the default rule and the journal (check_invariants.py) and counts
# "database is locked" and 5xx in the server log. Results: bench/out/load/<engine>/.
set -euo pipefail
cd "$(dirname "$0")/../.."
ENGINE=${1:-postgres}
USERS=${2:-$([ "$ENGINE" = sqlite ] && echo 10 || echo 50)}
DURATION=${3:-60}  # seconds of steady load, after the ramp-up
RATE=${LOAD_SPAWN_RATE:-5}  # agents signing in per second (a sign-in costs ~0.3 s of CPU: PBKDF2)
RAMP=$(( (USERS + RATE - 1) / RATE ))
PORT=${LOAD_PORT:-8611}
OUT=bench/out/load/$ENGINE
PY=.venv/bin/python
rm -rf "$OUT" && mkdir -p "$OUT"

export DJANGO_SECRET_KEY="load-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export DJANGO_HTTPS=0 DJANGO_DEBUG=0 DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export RECOUVREMENT_VAR_DIR=$OUT/var DJANGO_MEDIA_ROOT=$OUT/media DJANGO_STATIC_ROOT=$OUT/static
export DJANGO_LOG_LEVEL=WARNING LOAD_USERS=$USERS
unset DATABASE_URL SQLITE_PATH || true
if [ "$ENGINE" = postgres ]; then
  export DATABASE_URL=${LOAD_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/h5load}
  DB=${DATABASE_URL##*/}
  ADMIN_URL=${DATABASE_URL%/*}/postgres
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"
  psql "$ADMIN_URL" -qc "CREATE DATABASE \"$DB\""
  WORKERS=${GUNICORN_WORKERS:-3} THREADS=${GUNICORN_THREADS:-4}
else
  export SQLITE_PATH=$OUT/db.sqlite3
  WORKERS=${GUNICORN_WORKERS:-3} THREADS=${GUNICORN_THREADS:-2}
fi

echo "== database ($ENGINE), ${LOAD_DOSSIERS:-5000} demo files"
$PY manage.py migrate --noinput -v 0
$PY manage.py demo_data --dossiers "${LOAD_DOSSIERS:-5000}" > "$OUT/demo.log"
$PY manage.py collectstatic --noinput -v 0
$PY bench/load/setup_data.py "$OUT/targets.json"

echo "== gunicorn on 127.0.0.1:$PORT ($WORKERS workers x $THREADS threads)"
GUNICORN_WORKERS=$WORKERS GUNICORN_THREADS=$THREADS GUNICORN_BIND=127.0.0.1:$PORT \
  GUNICORN_ACCESS_LOG=$OUT/access.log GUNICORN_ERROR_LOG=$OUT/gunicorn.log \
  .venv/bin/gunicorn -c recouvrement/gunicorn.conf.py --capture-output &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/connexion/" && break
  sleep 0.5
done

echo "== locust: $USERS users, ramp-up ${RAMP}s then ${DURATION}s measured (stats reset after the ramp-up)"
set +e
LOAD_TARGETS=$OUT/targets.json LOAD_RESULT=$OUT/result.json \
  .venv/bin/locust -f bench/load/locustfile.py --headless -u "$USERS" -r "$RATE" \
  --reset-stats -t "$((DURATION + RAMP))s" --host "http://127.0.0.1:$PORT" --csv "$OUT/locust" --only-summary \
  --stop-timeout 10 2>&1 | tee "$OUT/locust.log"
LOCUST_STATUS=${PIPESTATUS[0]}
set -e
kill $GUNICORN; wait $GUNICORN 2>/dev/null || true
trap - EXIT

echo "== after the run"
set +e
$PY bench/load/check_invariants.py "$OUT/targets.json" "$OUT/result.json"
CHECK_STATUS=$?
set -e
LOCKED=$(grep -c "database is locked" "$OUT/gunicorn.log" || true)
ERRORS=$(awk '$(NF-2) >= 500' "$OUT/access.log" | wc -l)
echo "\"database is locked\" in the server log: $LOCKED; 5xx responses: $ERRORS"
$PY - "$OUT/locust_stats.csv" <<'PYEOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
for r in rows:
    print(f"{r['Name'][:58]:58} {r['Request Count']:>6} req  {r['Failure Count']:>3} err  "
          f"p50 {r['50%']:>5}  p95 {r['95%']:>5}  p99 {r['99%']:>5} ms  {float(r['Requests/s']):6.1f} req/s")
PYEOF
[ "$LOCUST_STATUS" = 0 ] && [ "$CHECK_STATUS" = 0 ] && [ "$LOCKED" = 0 ] && [ "$ERRORS" = 0 ]
