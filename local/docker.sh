# Sourced by ./leti: a local Docker engine (./leti engine) and the images (./leti images). Expects ROOT, STATE,
# KAFKA_HOME and the launcher's build_if_needed and kafka_jars.

# A local Docker engine for the Docker sandbox backend and its tests: Debian's docker.io started as dockerd, gVisor's
# runsc registered as the runtime "runsc", a Debian base image made with debootstrap (no registry is reachable from
# the build machines), the sandbox image built on it. Idempotent; without root, or where the engine cannot start, it
# says why and returns 1.
DOCKER_BASE=local/debian:bookworm
SANDBOX_IMAGE=leti/sandbox-python:0.1.0
engine() {
  mkdir -p "$STATE"
  if ! docker info >/dev/null 2>&1; then
    if [ "$(id -u)" -ne 0 ]; then
      echo "leti engine: no Docker engine answers, and starting one needs root" >&2
      return 1
    fi
    local missing=()
    for pkg in docker.io docker-compose debootstrap; do
      dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
      echo "leti engine: installing ${missing[*]}" >&2
      apt-get update -qq >/dev/null
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    gvisor_runtime >/dev/null || true
    echo "leti engine: starting dockerd (log: $STATE/dockerd.log)" >&2
    setsid /usr/sbin/dockerd >"$STATE/dockerd.log" 2>&1 < /dev/null &
    for _ in $(seq 60); do
      docker info >/dev/null 2>&1 && break
      sleep 0.5
    done
    if ! docker info >/dev/null 2>&1; then
      echo "leti engine: dockerd did not start; the end of its log:" >&2
      tail -5 "$STATE/dockerd.log" >&2
      return 1
    fi
  elif [ "$(id -u)" -eq 0 ] && [ -n "$(gvisor_runtime)" ] && [ -f /var/run/docker.pid ]; then
    # registered just now, on a running engine: dockerd reloads its runtimes on SIGHUP
    kill -HUP "$(cat /var/run/docker.pid)" 2>/dev/null || true
    sleep 1
  fi
  local_base bookworm "$DOCKER_BASE" python3,python3-seccomp || return 1
  if ! docker image inspect "$SANDBOX_IMAGE" >/dev/null 2>&1; then
    docker build --build-arg BASE="$DOCKER_BASE" -t "$SANDBOX_IMAGE" -f "$ROOT/deploy/sandbox/Dockerfile" \
      "$ROOT/deploy/sandbox" >"$STATE/sandbox-image.log" 2>&1 \
      || { echo "leti engine: the sandbox image did not build: see $STATE/sandbox-image.log" >&2; return 1; }
  fi
  local gvisor="" out
  if docker info --format '{{json .Runtimes}}' 2>/dev/null | grep -q '"runsc"'; then
    if out=$(docker run --rm --runtime=runsc --network=none "$DOCKER_BASE" true 2>&1); then
      gvisor="; gVisor runtime runsc"
    else
      # Not registered again on this kernel with this runsc: the tests that need it skip.
      echo "leti engine: gVisor's runsc does not start a container here: $(echo "$out" | grep . | head -1)" >&2
      if [ "$(id -u)" -eq 0 ] && [ -f /var/run/docker.pid ]; then
        gvisor_marker > "$STATE/runsc-broken"
        python3 -c 'import json, sys; p = sys.argv[1]; c = json.load(open(p)); c.get("runtimes", {}).pop("runsc", None); json.dump(c, open(p, "w"), indent=2)' \
          /etc/docker/daemon.json 2>/dev/null && kill -HUP "$(cat /var/run/docker.pid)" 2>/dev/null || true
      fi
    fi
  fi
  echo "leti engine: Docker $(docker version --format '{{.Server.Version}}') is up; sandbox image $SANDBOX_IMAGE$gvisor" >&2
}

# gVisor (Debian's runsc), installed if missing and registered in /etc/docker/daemon.json as the runtime "runsc", for
# the Docker sandbox backend's leti.sandbox.docker-runtime=runsc. Best effort (the engine runs without it, and
# unregisters it where it does not start a container); prints "changed" when it rewrote daemon.json.
# --network=none: this runsc (Debian's 2022 build) takes a container's own network namespace for the host's on kernels
# where /proc/sys/net/core/rmem_default exists in every namespace (6.x) and refuses to start ("cannot run with network
# enabled in root network namespace"); the sandbox's containers have no network anyway. The platform is ptrace, this
# runsc's default (kvm needs /dev/kvm).
gvisor_runtime() {
  if [ -f "$STATE/runsc-broken" ] && [ "$(cat "$STATE/runsc-broken")" = "$(gvisor_marker)" ]; then
    return 0
  fi
  if ! command -v runsc >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends runsc >/dev/null 2>&1 \
      || { apt-get update -qq >/dev/null 2>&1 \
           && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends runsc >/dev/null 2>&1; } \
      || { echo "leti engine: gVisor (runsc) could not be installed; the engine runs without it" >&2; return 0; }
  fi
  command -v python3 >/dev/null || return 0
  python3 - /etc/docker/daemon.json "$(command -v runsc)" <<'PY'
import json, os, sys
path, runsc = sys.argv[1], sys.argv[2]
config = {}
if os.path.exists(path) and os.path.getsize(path) > 0:
    with open(path) as f:
        config = json.load(f)
wanted = {"path": runsc, "runtimeArgs": ["--network=none"]}
if config.get("runtimes", {}).get("runsc") != wanted:
    config.setdefault("runtimes", {})["runsc"] = wanted
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    print("changed")
PY
}

# The kernel and the runsc that were found not to work together (engine checks each registration by running it).
gvisor_marker() {
  echo "$(uname -r) $(runsc --version 2>/dev/null | head -1)"
}

# A Debian base image made from Debian's archive with debootstrap (no registry is reachable from the build machines),
# if $2 is not there yet: minbase of suite $1 plus the packages $3, with the suite's updates and security archives,
# and apt and dpkg set up as in Debian's slim images (no package cache or lists kept, no docs, man pages or
# translations). Idempotent.
local_base() {
  local suite="$1" image="$2" include="${3:-}"
  docker image inspect "$image" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "leti: $image is not here, and making it with debootstrap needs root" >&2
    return 1
  fi
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null
  local rootfs="$STATE/rootfs-$suite"
  rm -rf "$rootfs"
  echo "leti: making $image with debootstrap (a minute or two)" >&2
  debootstrap --variant=minbase ${include:+--include=$include} "$suite" "$rootfs" >"$STATE/debootstrap-$suite.log" 2>&1 \
    || { echo "leti: debootstrap $suite failed: see $STATE/debootstrap-$suite.log" >&2; rm -rf "$rootfs"; return 1; }
  local mirror
  mirror=$(awk '$1 == "deb" { print $2; exit }' "$rootfs/etc/apt/sources.list")
  case "$suite" in
    sid|unstable) ;;
    *) printf 'deb %s %s-updates main\ndeb %s-security %s-security main\n' "$mirror" "$suite" "$mirror" "$suite" \
         >> "$rootfs/etc/apt/sources.list" ;;
  esac
  cat > "$rootfs/etc/apt/apt.conf.d/docker-clean" <<'APT'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
APT
  echo 'Acquire::Languages "none";' > "$rootfs/etc/apt/apt.conf.d/docker-no-languages"
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' 'path-exclude /usr/share/man/*' \
    'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' 'path-exclude /usr/share/lintian/*' \
    > "$rootfs/etc/dpkg/dpkg.cfg.d/docker-slim"
  rm -rf "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  mkdir -p "$rootfs/var/lib/apt/lists/partial"
  tar -C "$rootfs" -c . | docker import - "$image" >/dev/null
  rm -rf "$rootfs"
  docker image inspect "$image" >/dev/null 2>&1
}

# BuildKit (RUN --mount, build secrets, only the stages a target needs): Docker 20.10's CLI has it built in; from
# Docker 23 on the CLI needs the buildx plugin for it, so where `docker` is such a CLI without buildx, Debian's
# docker.io CLI (/usr/bin/docker, 20.10) builds.
docker_build() {
  local cli=docker
  if ! docker buildx version >/dev/null 2>&1 && [ -x /usr/bin/docker ]; then
    cli=/usr/bin/docker
  fi
  DOCKER_BUILDKIT=1 "$cli" build "$@"
}

# The three services' images (README "Images"), the CPU targets tagged leti/<service>:0.1.0 and with --gpu the
# trainer's and generator's gpu targets tagged :0.1.0-cu124. Quiet: each build logs to .leti/images-<name>.log,
# whose end is printed if it fails; an image that a rebuild replaced is removed.
IMAGES_BASE=local/debian:trixie
KAFKA_IMAGE=leti/kafka-broker:4.2.1
images() {
  local jars=host base="" gpu=0 services=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --jars) jars="${2:-}"; shift 2 || shift ;;
      --base) base="${2:-}"; shift 2 || shift ;;
      --gpu) gpu=1; shift ;;
      executor|generator|trainer) services+=("$1-service"); shift ;;
      executor-service|generator-service|trainer-service) services+=("$1"); shift ;;
      *) jars=invalid; break ;;
    esac
  done
  if [ "$jars" != host ] && [ "$jars" != maven ]; then
    echo "usage: ./leti images [--jars host|maven] [--base IMAGE] [--gpu] [executor|generator|trainer ...]" >&2
    return 2
  fi
  [ ${#services[@]} -gt 0 ] || services=(executor-service generator-service trainer-service)
  local started=$SECONDS
  engine || return 1
  if [ -z "$base" ]; then
    # the Dockerfiles' default base where it is here; else the same Debian release made with debootstrap
    base=$(sed -n 's/^ARG BASE=//p' "$ROOT/executor-service/Dockerfile")
    if ! docker image inspect "$base" >/dev/null 2>&1; then
      local_base trixie "$IMAGES_BASE" || return 1
      base="$IMAGES_BASE"
    fi
  elif ! docker image inspect "$base" >/dev/null 2>&1; then
    echo "leti images: $base is not here; the build will try to pull it" >&2
  fi
  local common=(--progress=plain --build-arg BASE="$base")
  # Maven in the build stage (--jars maven, and the GPU jars): a JDK image if one is here, else the base, on which
  # the stage installs Debian's JDK; the host's CA bundle as a build secret, for the TLS-inspecting egress.
  local maven=(--build-arg JARS=build)
  local build_base
  build_base=$(sed -n 's/^ARG BUILD_BASE=//p' "$ROOT/executor-service/Dockerfile")
  docker image inspect "$build_base" >/dev/null 2>&1 || maven+=(--build-arg BUILD_BASE="$base")
  local cacerts=/etc/ssl/certs/ca-certificates.crt
  if [ -s "$cacerts" ]; then
    maven+=(--secret "id=cacerts,src=$cacerts" --build-arg CACERTS_SHA256="$(sha256sum < "$cacerts" | cut -d' ' -f1)")
  fi
  local from=(--build-arg JARS=host) jar
  if [ "$jars" = maven ]; then
    from=("${maven[@]}")
  else
    local log="$STATE/images-jars.log" t0=$SECONDS service
    : > "$log"
    for service in "${services[@]}"; do
      jar="$ROOT/$service/target/$service-0.1.0-SNAPSHOT.jar"
      if ! build_if_needed "$jar" >>"$log" 2>&1; then
        echo "leti images: the jars did not build on the host; the end of $log:" >&2
        tail -20 "$log" >&2
        return 1
      fi
    done
    if [ -s "$log" ]; then
      echo "leti images: built the jars on the host (./mvnw package, $((SECONDS - t0))s)" >&2
    fi
  fi
  local report=()
  build_one() { # name tag context docker-build-arguments...
    local name="$1" tag="$2" context="$3" t0=$SECONDS old
    shift 3
    old=$(docker image inspect -f '{{.Id}}' "$tag" 2>/dev/null || true)
    if ! docker_build "$@" -t "$tag" "$context" >"$STATE/images-$name.log" 2>&1; then
      echo "leti images: $tag did not build; the end of $STATE/images-$name.log:" >&2
      tail -25 "$STATE/images-$name.log" >&2
      return 1
    fi
    local id
    id=$(docker image inspect -f '{{.Id}}' "$tag")
    if [ -n "$old" ] && [ "$old" != "$id" ]; then
      docker image rm "$old" >/dev/null 2>&1 || true
    fi
    report+=("$(printf '%-40s %8s MB %5ss' "$tag" \
      "$(( $(docker image inspect -f '{{.Size}}' "$tag") / 1000000 ))" "$((SECONDS - t0))")")
  }
  local service
  for service in "${services[@]}"; do
    build_one "$service" "leti/$service:0.1.0" "$ROOT" "${common[@]}" "${from[@]}" -f "$ROOT/$service/Dockerfile" \
      || return 1
  done
  # The broker, from the Maven Central jars the local broker runs (where no registry serves apache/kafka).
  kafka_jars || return 1
  local context="$STATE/kafka-image"
  rm -rf "$context" && mkdir -p "$context" && cp -r "$KAFKA_HOME/lib" "$context/lib" \
    && cp "$ROOT/local/kafka-broker/entrypoint.sh" "$context/"
  build_one kafka-broker "$KAFKA_IMAGE" "$context" --progress=plain --build-arg BASE="$base" \
    -f "$ROOT/local/kafka-broker/Dockerfile" || return 1
  local missing_gpu=""
  if [ "$gpu" = 1 ]; then
    local gpu_base
    gpu_base=$(sed -n 's/^ARG GPU_BASE=//p' "$ROOT/trainer-service/Dockerfile")
    if ! docker image inspect "$gpu_base" >/dev/null 2>&1; then
      missing_gpu="$gpu_base"
    else
      # The host's target/ holds the CPU jars: the GPU jars (profile gpu) are built by Maven in the build stage.
      for service in "${services[@]}"; do
        [ "$service" != executor-service ] || continue
        build_one "$service-gpu" "leti/$service:0.1.0-cu124" "$ROOT" "${common[@]}" "${maven[@]}" --target gpu \
          -f "$ROOT/$service/Dockerfile" || return 1
      done
    fi
  fi
  local took=$((SECONDS - started))
  echo "leti images: built in $((took / 60))m $((took % 60))s on $base, jars from $([ "$jars" = host ] \
    && echo "the host" || echo "Maven in the build stage"):" >&2
  printf '  %s\n' "${report[@]}" >&2
  if [ -n "$missing_gpu" ]; then
    echo "leti images: --gpu: the CUDA base $missing_gpu is not here (no registry is reachable to pull it: load it" \
      "with docker load first); no GPU image was built" >&2
    return 1
  fi
}

