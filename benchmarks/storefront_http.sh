#!/usr/bin/env bash
# Requests per second of the storefront's home, category and product pages under gunicorn, as
# production serves them (wsgi:app with SECRET_KEY and DATABASE_URL set), measured with wrk.
#
#   DATABASE_URL=postgresql://USER@HOST:5432/DB benchmarks/storefront_http.sh
#
# Run benchmarks/storefront.py on that database first: it fills the bench-cat-* categories and
# bench-p-* products this script asks for. gunicorn runs with script/gunicorn.conf.py (gthread
# workers with keep-alive; GUNICORN_THREADS and GUNICORN_KEEPALIVE apply). WORKERS (4),
# CONNECTIONS (8), THREADS (wrk's, 2), DURATION (15s) and PORT (8011) override the defaults.
# The last line is `storefront_http home_rps=X category_rps=Y product_rps=Z`.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is not installed: nothing measured (apt-get install wrk)"
  exit 0
fi
: "${DATABASE_URL:?set DATABASE_URL to the database benchmarks/storefront.py filled}"
port="${PORT:-8011}"
workers="${WORKERS:-4}"
base="http://127.0.0.1:${port}"

SECRET_KEY="${SECRET_KEY:-storefront-http-benchmark}" DATABASE_URL="$DATABASE_URL" \
  .venv/bin/gunicorn -c script/gunicorn.conf.py -w "$workers" -b "127.0.0.1:${port}" --log-level warning wsgi:app &
gunicorn_pid=$!
trap 'kill "$gunicorn_pid" 2>/dev/null || true; wait "$gunicorn_pid" 2>/dev/null || true' EXIT INT TERM

for _ in $(seq 100); do
  curl -fs -o /dev/null "$base/healthz" && break
  sleep 0.2
done

# The product in the middle of the bench products, as benchmarks/storefront.py picks it.
product=$(.venv/bin/python - <<'PY'
import os
from sqlalchemy import create_engine, text
url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
with create_engine(url).connect() as connection:
    count = connection.scalar(text("SELECT count(*) FROM products WHERE slug LIKE 'bench-p-%'"))
print(f"bench-p-{count // 2:07d}")
PY
)
declare -A paths=([home]="/" [category]="/c/bench-cat-3" [product]="/p/${product}")
declare -A rps
for page in home category product; do
  url="${base}${paths[$page]}"
  status=$(curl -s -o /dev/null -w '%{http_code}' "$url")
  if [ "$status" != 200 ]; then
    echo "$page: $url answers $status" >&2
    exit 1
  fi
  # Warm every worker (templates compiled, caches filled) before measuring.
  wrk -t2 -c"${CONNECTIONS:-8}" -d2s "$url" >/dev/null
  out=$(wrk -t"${THREADS:-2}" -c"${CONNECTIONS:-8}" -d"${DURATION:-15s}" --latency "$url")
  rps[$page]=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  echo "$page ${paths[$page]}: ${rps[$page]} requests/s (p99 ${p99})"
done
echo "storefront_http home_rps=${rps[home]} category_rps=${rps[category]} product_rps=${rps[product]}"
