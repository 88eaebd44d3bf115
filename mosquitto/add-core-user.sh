#!/usr/bin/env bash
# Adds (or re-keys) a core service account (role "core": everything under premonitor/v1/)
# in the Mosquitto password file and ACL and in the embedded broker's JSON store.
# Usage: mosquitto/add-core-user.sh NAME [PASSWORD]     e.g. mosquitto/add-core-user.sh ingest
# Same environment variables as add-device.sh, plus $MOSQUITTO_ACL_FILE (default mosquitto/acl).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
passwd_file="${MOSQUITTO_PASSWD_FILE:-$here/passwd}"
acl_file="${MOSQUITTO_ACL_FILE:-$here/acl}"
credentials_file="${PREMONITOR_MQTT_CREDENTIALS_FILE:-$root/data/mqtt-credentials.json}"

if [[ $# -lt 1 || $# -gt 2 ]]; then
  echo "usage: $0 NAME [PASSWORD]" >&2
  exit 2
fi
name="$1" password="${2:-}"
if [[ ! $name =~ ^[a-z0-9-]{1,64}$ ]]; then
  echo "NAME must match [a-z0-9-]{1,64} (no '/': that shape is reserved for devices)" >&2
  exit 2
fi
generated=0
if [[ -z $password ]]; then
  password="$(node -e 'process.stdout.write(require("node:crypto").randomBytes(24).toString("base64url"))')"
  generated=1
fi

# shellcheck source=mosquitto/mosquitto-passwd.sh
source "$here/mosquitto-passwd.sh"

printf '%s' "$password" | node "$root/libs/broker/dist/cli.js" add-service --file "$credentials_file" \
  --username "$name" --role core --password-stdin --replace >/dev/null
set_mosquitto_password "$passwd_file" "$name" "$password"
if ! grep -qx "user $name" "$acl_file"; then
  printf '\nuser %s\ntopic readwrite premonitor/v1/#\ntopic read $SYS/broker/#\n' "$name" >>"$acl_file"
fi

echo "MQTT username: $name"
if [[ $generated == 1 ]]; then
  echo "MQTT password: $password   (shown once; put it in the service's secret now)"
fi
echo "Reload Mosquitto to pick it up: docker compose kill -s HUP mosquitto  (or kill -HUP <pid>)."
