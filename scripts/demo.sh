#!/usr/bin/env bash
# Serves a fresh demo district on http://127.0.0.1:5000 with a local mail sink: every email the
# app sends lands as an .eml file in instance/mail/ (and in each person's in-app Messages).
set -euo pipefail
cd "$(dirname "$0")/.."

export CONSENT_ENV=development
export FLASK_APP=wsgi.py
mkdir -p instance
export DATABASE_URL=${DATABASE_URL:-sqlite:///$PWD/instance/demo.sqlite}
export SECRET_KEY=${SECRET_KEY:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(32))')}
export MAIL_SERVER=127.0.0.1 MAIL_PORT=${MAIL_PORT:-8025}
export PUBLIC_URL=http://127.0.0.1:5000

# A fresh demo: the database and the mail of earlier demos (which link to requests that no
# longer exist) go.
rm -f instance/demo.sqlite instance/demo.sqlite-wal instance/demo.sqlite-shm
rm -rf instance/mail
.venv/bin/flask db upgrade
.venv/bin/flask demo load

trap 'kill $(jobs -p) 2>/dev/null || true' EXIT
.venv/bin/flask notifications sink --port "$MAIL_PORT" --directory instance/mail &
# The worker starts once the sink listens, so its first pass delivers the demo's messages.
for _ in $(seq 1 50); do
  (echo > "/dev/tcp/127.0.0.1/$MAIL_PORT") 2>/dev/null && break
  sleep 0.2
done
.venv/bin/flask notifications deliver --loop --interval 2 &
echo
echo "consent demo: open http://127.0.0.1:5000 (accounts are listed in README.md)."
echo "Emails are written to instance/mail/ as .eml files."
echo "The privacy officer and principals confirm sign-in with a code: see README.md (demo key)."
.venv/bin/flask run --host 127.0.0.1 --port 5000
