#!/usr/bin/env bash
# Adds (or re-keys, or changes the role of) a core service account, with the least privilege
# of its role, in the Mosquitto core listener's password file and ACL and in the embedded
# broker's JSON store.
# Usage: mosquitto/add-core-user.sh NAME ROLE [PASSWORD]
#   ROLE: ingest      reads what devices publish, writes nothing
#         model-sync  writes model announcements and commands, reads device status
#         fusion      writes each device's retained alert state, reads nothing
#   e.g. mosquitto/add-core-user.sh ingest ingest
# Files: $MOSQUITTO_CORE_PASSWD_FILE (default mosquitto/passwd-core), $MOSQUITTO_CORE_ACL_FILE
# (default mosquitto/acl-core), $PREMONITOR_MQTT_CREDENTIALS_FILE (default {PM_DATA_DIR}/mqtt-credentials.json, PM_DATA_DIR defaulting to .data as for `npm start`).
# A core account must not be in the device password file ($MOSQUITTO_PASSWD_FILE, default
# mosquitto/passwd): one left there by an earlier version is removed.
set -euo pipefail

if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  # The header above is the help text.
  sed -n '2,/^set -euo/{/^#/s/^# \{0,1\}//p}' "$0"
  exit 0
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
core_passwd_file="${MOSQUITTO_CORE_PASSWD_FILE:-$here/passwd-core}"
core_acl_file="${MOSQUITTO_CORE_ACL_FILE:-$here/acl-core}"
device_passwd_file="${MOSQUITTO_PASSWD_FILE:-$here/passwd}"
# The embedded platform's data folder (PM_DATA_DIR, default .data, relative to the repository like `npm start`).
data_dir="${PM_DATA_DIR:-.data}"
[[ $data_dir = /* ]] || data_dir="$root/$data_dir"
credentials_file="${PREMONITOR_MQTT_CREDENTIALS_FILE:-$data_dir/mqtt-credentials.json}"

if [[ $# -lt 2 || $# -gt 3 ]]; then
  echo "usage: $0 NAME ROLE [PASSWORD]   (ROLE: ingest | model-sync | fusion; --help for more)" >&2
  exit 2
fi
name="$1" role="$2" password="${3:-}"
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

# The embedded store goes first: its CLI validates the role and the password, so a refusal leaves every file untouched.
printf '%s' "$password" | node "$root/libs/broker/dist/cli.js" add-service --file "$credentials_file" \
  --username "$name" --role "$role" --password-stdin --replace >/dev/null
node "$root/libs/broker/dist/cli.js" mosquitto-acl --acl-file "$core_acl_file" --username "$name" --role "$role"
set_mosquitto_password "$core_passwd_file" "$name" "$password"
if [[ -f $device_passwd_file ]] && grep -q "^$name:" "$device_passwd_file"; then
  delete_mosquitto_password "$device_passwd_file" "$name"
  echo "Removed '$name' from $device_passwd_file (core accounts log in on the core listener only)."
fi

# The Kubernetes base keeps a copy of acl-core (kubectl apply -k reads no file outside it).
if [[ $core_acl_file == "$here/acl-core" ]]; then
  node "$root/deploy/k8s/sync-files.mjs" >/dev/null
fi

echo "MQTT username: $name (role $role; client id premonitor-$name, or premonitor-$name.<replica>)"
if [[ $generated == 1 ]]; then
  echo "MQTT password: $password   (shown once; put it in the service's secret now)"
fi
echo "Reload Mosquitto to pick it up: docker compose kill -s HUP mosquitto  (or kill -HUP <pid>)."
