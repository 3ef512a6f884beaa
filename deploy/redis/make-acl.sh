#!/bin/sh
# Writes Redis's ACL file (--aclfile) from the rules in acl-rules and one
# password file per user, stored as a SHA-256 (Redis's #<hash> form): the
# file never holds a password. Run before redis-server, by its start script.
#
# usage: make-acl.sh RULES SECRETS_DIR OUT [USER...]
#   SECRETS_DIR/redis-<user>.password holds <user>'s password (openssl rand -hex 32);
#   USERs: the users of RULES to create (all by default; a single Redis
#   without replicas or Sentinels needs only babillard).
set -eu
rules=$1 secrets=$2 out=$3
shift 3
wanted=" $* "
umask 077
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
echo "user default on nopass resetchannels -@all +ping" > "$tmp"
while read -r name rest; do
  case "$name" in '' | '#'*) continue ;; esac
  if [ "$wanted" != "  " ]; then
    case "$wanted" in *" $name "*) ;; *) continue ;; esac
  fi
  file="$secrets/redis-$name.password"
  if [ ! -r "$file" ] || [ ! -s "$file" ]; then
    echo "make-acl.sh: $file: missing or empty (the password of Redis user $name)" >&2
    exit 1
  fi
  # As babillard reads a secret file: without surrounding whitespace.
  password=$(tr -d ' \t\r\n' < "$file")
  case "$password" in
    *replace-me* | *change-me* | *changeme*)
      echo "make-acl.sh: $file: holds the example placeholder; write a random password there" >&2
      exit 1
      ;;
  esac
  if [ "${#password}" -lt 16 ]; then
    echo "make-acl.sh: $file: too short to be a password (at least 16 characters)" >&2
    exit 1
  fi
  hash=$(printf '%s' "$password" | sha256sum | cut -d' ' -f1)
  echo "user $name on #$hash $rest" >> "$tmp"
done < "$rules"
mv "$tmp" "$out"
trap - EXIT
