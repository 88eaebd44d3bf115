#!/usr/bin/env bash
# Makes a development CA and a server certificate for Mosquitto's TLS listener (8883) and the
# embedded broker's (MQTT_TLS_PORT). For evaluation and private sites; for production use a
# certificate from your own PKI or a public CA (mosquitto/README.md, "TLS").
#
# Usage: mosquitto/make-dev-certs.sh [NAME_OR_IP ...]
#   The certificate is valid for localhost, 127.0.0.1, ::1 and `mosquitto` (the compose and
#   Kubernetes service name), plus every NAME_OR_IP given: add the host name or address
#   devices use to reach the broker.
# Output ($MOSQUITTO_CERTS_DIR, default mosquitto/certs/, ignored by git):
#   ca.crt      give this to devices (edge agent: MQTT_CA_FILE) so they can verify the broker
#   ca.key      signs server certificates; keep it off the broker and off devices
#   server.crt  server.key   the broker's certificate and key (certfile / keyfile)
# An existing CA is reused, so devices that trust it keep working when the server
# certificate is re-issued (e.g. for a new host name).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
out="${MOSQUITTO_CERTS_DIR:-$here/certs}"
days_ca=3650
days_server=825
command -v openssl >/dev/null 2>&1 || { echo "openssl is required" >&2; exit 1; }
mkdir -p "$out"
umask 077

san="DNS:localhost,DNS:mosquitto,IP:127.0.0.1,IP:::1"
for name in "$@"; do
  if [[ $name =~ ^[0-9.]+$ || $name == *:* ]]; then san+=",IP:$name"
  elif [[ $name =~ ^[A-Za-z0-9.-]+$ ]]; then san+=",DNS:$name"
  else echo "not a host name or IP address: $name" >&2; exit 2
  fi
done

if [[ ! -s $out/ca.key || ! -s $out/ca.crt ]]; then
  openssl ecparam -name prime256v1 -genkey -noout -out "$out/ca.key"
  openssl req -x509 -new -key "$out/ca.key" -sha256 -days "$days_ca" -subj "/CN=Premonitor development CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$out/ca.crt"
  echo "new CA: $out/ca.crt"
else
  echo "reusing CA: $out/ca.crt"
fi

openssl ecparam -name prime256v1 -genkey -noout -out "$out/server.key"
openssl req -new -key "$out/server.key" -subj "/CN=premonitor-mqtt" -out "$out/server.csr"
ext="$(mktemp)"
trap 'rm -f "$ext" "$out/server.csr"' EXIT
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "$san" >"$ext"
openssl x509 -req -in "$out/server.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -CAcreateserial -sha256 \
  -days "$days_server" -extfile "$ext" -out "$out/server.crt" 2>/dev/null
chmod 0644 "$out/ca.crt" "$out/server.crt"
chmod 0600 "$out/ca.key" "$out/server.key"

echo "server certificate: $out/server.crt (valid for $san, $days_server days)"
echo "Docker Compose runs Mosquitto as uid 1883, which cannot read server.key (mode 0600). For local"
echo "evaluation: chmod 0644 '$out/server.key' (or: sudo chown 1883 '$out/server.key')."
