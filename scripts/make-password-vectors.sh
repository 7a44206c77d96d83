#!/usr/bin/env bash
# Writes test/fixtures/password-vectors.json: password hashes made by the REAL tools that
# directories use, so the parsers in src/passwords are checked against them, not against themselves.
#
#   slappasswd (OpenLDAP 2.5, with pw-sha2, pw-pbkdf2 and argon2 modules from slapd / slapd-contrib)
#   openssl passwd          md5-crypt, sha256-crypt, sha512-crypt
#   mkpasswd (Debian whois) bcrypt, sha512-crypt
#   iconv + openssl dgst    NT hash (MD4 of UTF-16LE)
#   argon2 (Debian argon2)  argon2id PHC strings (the OpenLDAP module writes argon2i here)
#   htpasswd -B (apache2-utils) bcrypt $2y$
#   python3 hashlib         389-DS {PBKDF2_SHA256} blob (389-DS's own pwdhash output is recorded by
#                           scripts/make-389ds-password-vectors.ts); the blob
#                           layout follows ldap/servers/plugins/pwdstorage/pbkdf2_pwd.c.
#
# Needs: apt-get install -y slapd slapd-contrib whois argon2 (the script installs what is missing).
# Run from the repository root: bash scripts/make-password-vectors.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C.UTF-8

need() { command -v "$1" >/dev/null 2>&1 || { echo "installing $2 for $1" >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y "$2" >/dev/null; }; }
need slappasswd slapd
need mkpasswd whois
need argon2 argon2
need htpasswd apache2-utils
[ -e /usr/lib/ldap/pw-pbkdf2.so ] || DEBIAN_FRONTEND=noninteractive apt-get install -y slapd-contrib >/dev/null

OUT=test/fixtures/password-vectors.json
TMP=$(mktemp)
trap 'rm -f "$TMP"' EXIT

MODS="-o module-path=/usr/lib/ldap"
PASSWORDS=('Sommer2026!' 'Wachtwoord-é€')

# scheme, tool, attribute, password, value: one tab-separated line per vector
emit() { printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$TMP"; }

for pw in "${PASSWORDS[@]}"; do
  for s in SSHA SHA SMD5 MD5; do
    emit "$s" slappasswd userPassword "$pw" "$(slappasswd -h "{$s}" -s "$pw")"
  done
  for s in SSHA256 SSHA384 SSHA512 SHA256 SHA384 SHA512; do
    emit "$s" slappasswd userPassword "$pw" "$(slappasswd $MODS -o module-load=pw-sha2.so -h "{$s}" -s "$pw")"
  done
  for s in PBKDF2 PBKDF2-SHA1 PBKDF2-SHA256 PBKDF2-SHA512; do
    emit "$s" slappasswd userPassword "$pw" "$(slappasswd $MODS -o module-load=pw-pbkdf2.so -h "{$s}" -s "$pw")"
  done
  # Lower-case scheme name: directories treat scheme names case-insensitively.
  emit SSHA slappasswd userPassword "$pw" "$(slappasswd -h '{SSHA}' -s "$pw" | sed 's/^{SSHA}/{ssha}/')"
  emit ARGON2 slappasswd userPassword "$pw" "$(slappasswd $MODS -o module-load='argon2.so m=4096 t=2 p=1' -h '{ARGON2}' -s "$pw")"
  emit ARGON2 argon2 userPassword "$pw" "{ARGON2}$(printf '%s' "$pw" | argon2 "$(openssl rand -hex 8)" -id -t 2 -k 4096 -p 2 -e)"
  emit CRYPT-SHA512 slappasswd userPassword "$pw" "$(slappasswd -h '{CRYPT}' -c '$6$rounds=5000$%.16s' -s "$pw")"
  emit CRYPT-SHA512 slappasswd userPassword "$pw" "$(slappasswd -h '{CRYPT}' -c '$6$%.16s' -s "$pw")"
  emit CRYPT-SHA256 slappasswd userPassword "$pw" "$(slappasswd -h '{CRYPT}' -c '$5$rounds=2000$%.12s' -s "$pw")"
  emit CRYPT-MD5 slappasswd userPassword "$pw" "$(slappasswd -h '{CRYPT}' -c '$1$%.8s' -s "$pw")"
  emit CRYPT-MD5 'openssl passwd -1' userPassword "$pw" "{CRYPT}$(openssl passwd -1 "$pw")"
  emit CRYPT-SHA256 'openssl passwd -5' userPassword "$pw" "{CRYPT}$(openssl passwd -5 "$pw")"
  emit CRYPT-SHA512 'openssl passwd -6' userPassword "$pw" "{CRYPT}$(openssl passwd -6 "$pw")"
  emit CRYPT-SHA512 mkpasswd userPassword "$pw" "{CRYPT}$(mkpasswd -m sha512crypt -R 1500 "$pw")"
  emit CRYPT-BCRYPT 'mkpasswd -m bcrypt' userPassword "$pw" "{CRYPT}$(mkpasswd -m bcrypt -R 5 "$pw")"
  emit CRYPT-BCRYPT 'mkpasswd -m bcrypt-a' userPassword "$pw" "{CRYPT}$(mkpasswd -m bcrypt-a -R 4 "$pw")"
  emit CRYPT-BCRYPT 'htpasswd -B' userPassword "$pw" "{CRYPT}$(htpasswd -nbB -C 4 user "$pw" | cut -d: -f2-)"
  # NT hash = MD4(UTF-16LE(password)); sambaNTPassword holds it as hex (Samba writes upper-case).
  # Not mkpasswd -m nt: libxcrypt widens each UTF-8 *byte* to 16 bits, wrong for non-ASCII.
  nt=$(printf '%s' "$pw" | iconv -f UTF-8 -t UTF-16LE | openssl dgst -md4 -provider legacy -provider default -r | cut -d' ' -f1)
  emit NT 'iconv | openssl dgst -md4' sambaNTPassword "$pw" "$(printf '%s' "$nt" | tr a-f A-F)"
  emit CLEARTEXT none userPassword "$pw" "$pw"
  emit PBKDF2_SHA256 'python3 hashlib (no 389-DS tool here)' userPassword "$pw" "$(PW="$pw" python3 -c '
import base64, hashlib, os, struct
pw = os.environ["PW"].encode()
salt = os.urandom(64)
iterations = 2048  # 389-DS minimum; real servers use 8192 or more
blob = struct.pack(">I", iterations) + salt + hashlib.pbkdf2_hmac("sha256", pw, salt, iterations, 256)
print("{PBKDF2_SHA256}" + base64.b64encode(blob).decode())
')"
done

# A password longer than bcrypt's 72 bytes, which bcrypt truncates and sha-crypt does not.
long='Een-heel-lang-wachtwoord-dat-langer-is-dan-tweeënzeventig-bytes-want-bcrypt-kapt-af-€€€'
emit CRYPT-BCRYPT 'mkpasswd -m bcrypt' userPassword "$long" "{CRYPT}$(mkpasswd -m bcrypt -R 4 "$long")"
emit CRYPT-SHA256 'openssl passwd -5' userPassword "$long" "{CRYPT}$(openssl passwd -5 "$long")"
emit CRYPT-MD5 'openssl passwd -1' userPassword "$long" "{CRYPT}$(openssl passwd -1 "$long")"

python3 - "$TMP" "$OUT" <<'PY'
import json, sys
rows = []
for line in open(sys.argv[1], encoding="utf-8"):
    scheme, tool, attribute, password, value = line.rstrip("\n").split("\t")
    rows.append({"scheme": scheme, "tool": tool, "attribute": attribute, "password": password, "value": value})
with open(sys.argv[2], "w", encoding="utf-8") as f:
    json.dump(rows, f, ensure_ascii=False, indent=1)
    f.write("\n")
print(f"wrote {len(rows)} vectors to {sys.argv[2]}")
PY
