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
# The roster worker imports what the upload page (Roster > Imports) queues.
.venv/bin/flask roster work --loop --interval 2 &

# Staff single sign-on against the tests' local OpenID provider (tests/oidc_provider, installed
# by scripts/setup.sh), unless a real provider is configured: it signs in whichever staff email
# is typed at its form. For trying the service only; never for a real deployment.
sso_note=""
if [ -z "${OIDC_ISSUER:-}" ] && [ -d tests/oidc_provider/node_modules/oidc-provider ] \
  && command -v node >/dev/null 2>&1; then
  oidc_port=${DEMO_OIDC_PORT:-5001}
  oidc_secret=$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(24))')
  cat > instance/demo-oidc.json <<JSON
{"port": $oidc_port, "clients": [{"client_id": "consent-demo", "client_secret": "$oidc_secret",
  "redirect_uris": ["$PUBLIC_URL/signin/sso/callback"],
  "post_logout_redirect_uris": ["$PUBLIC_URL/signin"],
  "token_endpoint_auth_method": "client_secret_basic"}]}
JSON
  node tests/oidc_provider/server.mjs instance/demo-oidc.json > instance/demo-oidc.log 2>&1 &
  for _ in $(seq 1 50); do
    (echo > "/dev/tcp/127.0.0.1/$oidc_port") 2>/dev/null && break
    sleep 0.2
  done
  export OIDC_ISSUER=http://127.0.0.1:$oidc_port OIDC_CLIENT_ID=consent-demo
  export OIDC_CLIENT_SECRET=$oidc_secret OIDC_PROVIDER_NAME="Demo District Login"
  sso_note="Staff: 'Sign in with Demo District Login', then type a staff email (local test provider)."
fi
echo
echo "consent demo: open http://127.0.0.1:5000 (accounts are listed in README.md)."
echo "Emails are written to instance/mail/ as .eml files."
[ -n "$sso_note" ] && echo "$sso_note"
echo "The privacy officer and principals confirm sign-in with a code: see README.md (demo key)."
.venv/bin/flask run --host 127.0.0.1 --port 5000
