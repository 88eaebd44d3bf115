# Sourced by add-device.sh and add-core-user.sh.
# set_mosquitto_password FILE USERNAME PASSWORD — adds or replaces one entry, creating FILE if needed.
# delete_mosquitto_password FILE USERNAME — removes one entry.
# Use the local mosquitto_passwd, or the one in the eclipse-mosquitto image when only Docker is present.

# run_mosquitto_passwd FILE ARG... — runs mosquitto_passwd with ARGs, `{}` standing for FILE.
run_mosquitto_passwd() {
  local file="$1" path a args=()
  shift
  if command -v mosquitto_passwd >/dev/null 2>&1; then
    for a in "$@"; do if [[ $a == '{}' ]]; then args+=("$file"); else args+=("$a"); fi; done
    mosquitto_passwd "${args[@]}"
  elif command -v docker >/dev/null 2>&1; then
    local dir base
    dir="$(cd "$(dirname "$file")" && pwd)" base="$(basename "$file")"
    path="/work/$base"
    for a in "$@"; do if [[ $a == '{}' ]]; then args+=("$path"); else args+=("$a"); fi; done
    docker run --rm -v "$dir:/work" eclipse-mosquitto:2 mosquitto_passwd "${args[@]}"
  else
    echo "neither mosquitto_passwd nor docker is available; install mosquitto-clients or mosquitto" >&2
    return 1
  fi
}

set_mosquitto_password() {
  local file="$1" user="$2" pass="$3" create=()
  [[ -s $file ]] || create=(-c)
  run_mosquitto_passwd "$file" "${create[@]}" -b '{}' "$user" "$pass"
}

delete_mosquitto_password() {
  run_mosquitto_passwd "$1" -D '{}' "$2"
}
