#!/usr/bin/env bash
# Makes sure everything the test suite talks to is there: Debian's slapd and LDAP tools, 389
# Directory Server, Samba as an AD DC, Chromium for the admin center tests, nginx as the reverse proxy
# of the TLS test, and a PostgreSQL server. As root on
# Debian it installs and starts what is missing (the way CI does); otherwise it stops at once and
# says exactly what is missing.
set -euo pipefail

PG_URL="${DATABASE_URL_TEST:-postgres://postgres@127.0.0.1:5432/test}"
packages=()
command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ] || packages+=(slapd)
command -v ldapsearch >/dev/null 2>&1 || packages+=(ldap-utils)
[ -e /usr/lib/ldap/pw-pbkdf2.so ] || packages+=(slapd-contrib)
{ [ -x /usr/sbin/ns-slapd ] && [ -x /usr/sbin/dscreate ]; } || packages+=(389-ds-base)
[ -x /usr/bin/chromium ] || packages+=(chromium)
[ -x /usr/sbin/nginx ] || packages+=(nginx)
command -v openssl >/dev/null 2>&1 || packages+=(openssl)
command -v mkpasswd >/dev/null 2>&1 || packages+=(whois)
# Samba in its AD DC role (test/support/samba-dc.ts) and impacket, an independent MS-DRSR client.
[ -x /usr/sbin/samba ] || packages+=(samba)
[ -e /usr/share/samba/setup/provision.ldif ] || packages+=(samba-ad-provision)
/usr/bin/python3 -c 'import samba.dsdb' >/dev/null 2>&1 || packages+=(samba-dsdb-modules)
/usr/bin/python3 -c 'import impacket' >/dev/null 2>&1 || packages+=(python3-impacket)

if [ ${#packages[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-env: installing ${packages[*]} from Debian's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${packages[@]}" >/dev/null
  else
    echo "test-env: missing Debian packages: ${packages[*]}" >&2
    echo "test-env: install them with: sudo DEBIAN_FRONTEND=noninteractive apt-get install -y ${packages[*]}" >&2
    exit 1
  fi
fi

pg_up() { node -e "
  const net = require('node:net'); const u = new URL(process.argv[1]);
  const s = net.connect(Number(u.port || 5432), u.hostname); s.setTimeout(2000);
  s.on('connect', () => { s.end(); process.exit(0); }); s.on('error', () => process.exit(1)); s.on('timeout', () => process.exit(1));
" "$PG_URL"; }

if ! pg_up; then
  if [ "$(id -u)" = 0 ] && command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "test-env: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  fi
  if ! pg_up; then
    echo "test-env: PostgreSQL is not reachable at ${PG_URL} (the store tests run on it for real)." >&2
    echo "test-env: start a PostgreSQL server there (trust auth for user postgres, database test) or set DATABASE_URL_TEST." >&2
    exit 1
  fi
fi
echo "test-env: slapd, ldap-utils, 389-ds-base, Samba AD DC, chromium, nginx and PostgreSQL are ready"
