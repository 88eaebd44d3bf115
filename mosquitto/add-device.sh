#!/usr/bin/env bash
# Adds (or re-keys) one device in both brokers' account stores, with the same password:
#   - the Mosquitto password file  (distributed mode)  $MOSQUITTO_PASSWD_FILE, default mosquitto/passwd
#   - the embedded broker's JSON   (embedded mode)     $PREMONITOR_MQTT_CREDENTIALS_FILE, default {PM_DATA_DIR}/mqtt-credentials.json, PM_DATA_DIR defaulting to .data as for `npm start`
# Usage: mosquitto/add-device.sh SITE DEVICE [PASSWORD]
# Without PASSWORD one is generated and printed once. The MQTT username is "SITE/DEVICE".
# Needs `tsc -b` to have built libs/broker, and mosquitto_passwd (or Docker) on this host.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
passwd_file="${MOSQUITTO_PASSWD_FILE:-$here/passwd}"
# The embedded platform's data folder (PM_DATA_DIR, default .data, relative to the repository like `npm start`).
data_dir="${PM_DATA_DIR:-.data}"
[[ $data_dir = /* ]] || data_dir="$root/$data_dir"
credentials_file="${PREMONITOR_MQTT_CREDENTIALS_FILE:-$data_dir/mqtt-credentials.json}"

if [[ $# -lt 2 || $# -gt 3 ]]; then
  echo "usage: $0 SITE DEVICE [PASSWORD]" >&2
  exit 2
fi
site="$1" device="$2" password="${3:-}"
id_re='^[a-z0-9-]{1,64}$'
if [[ ! $site =~ $id_re || ! $device =~ $id_re ]]; then
  echo "SITE and DEVICE must match [a-z0-9-]{1,64}" >&2
  exit 2
fi
generated=0
if [[ -z $password ]]; then
  password="$(node -e 'process.stdout.write(require("node:crypto").randomBytes(24).toString("base64url"))')"
  generated=1
fi
username="$site/$device"

# shellcheck source=mosquitto/mosquitto-passwd.sh
source "$here/mosquitto-passwd.sh"

# The embedded store goes first: its CLI validates the password, so a refusal leaves both files untouched.
printf '%s' "$password" | node "$root/libs/broker/dist/cli.js" add-device --file "$credentials_file" \
  --site "$site" --device "$device" --password-stdin --replace >/dev/null
set_mosquitto_password "$passwd_file" "$username" "$password"

echo "MQTT username: $username"
if [[ $generated == 1 ]]; then
  echo "MQTT password: $password   (shown once; put it in the device's config now)"
fi
echo "Updated $passwd_file and $credentials_file."
echo "Reload Mosquitto to pick it up: docker compose kill -s HUP mosquitto  (or kill -HUP <pid>)."
