# Sourced by add-device.sh and add-core-user.sh.
# set_mosquitto_password FILE USERNAME PASSWORD — adds or replaces one entry, creating FILE if needed.
# Uses the local mosquitto_passwd, or the one in the eclipse-mosquitto image when only Docker is present.
set_mosquitto_password() {
  local file="$1" user="$2" pass="$3" create=()
  [[ -s $file ]] || create=(-c)
  if command -v mosquitto_passwd >/dev/null 2>&1; then
    mosquitto_passwd "${create[@]}" -b "$file" "$user" "$pass"
  elif command -v docker >/dev/null 2>&1; then
    local dir base
    dir="$(cd "$(dirname "$file")" && pwd)" base="$(basename "$file")"
    docker run --rm -v "$dir:/work" eclipse-mosquitto:2 mosquitto_passwd "${create[@]}" -b "/work/$base" "$user" "$pass"
  else
    echo "neither mosquitto_passwd nor docker is available; install mosquitto-clients or mosquitto" >&2
    return 1
  fi
}
