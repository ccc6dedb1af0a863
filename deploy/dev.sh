#!/usr/bin/env bash
# PostureMap developer entry point on Debian 12 (run as root, or with sudo for the install step).
#
#   deploy/dev.sh demo   install what is missing, build, and run a simulated night:
#                        a private mosquitto on loopback, pmap-gateway storing into
#                        var/demo/pmap.db, pmap-sim publishing a bed night and a chair workday
#   deploy/dev.sh test   install what is missing, build, and run every test (ctest); as root
#                        also the Debian packages' life cycle (deploy/package-test.sh)
#   deploy/dev.sh build  install what is missing and build
#   deploy/dev.sh package  build and make build/packages/posturemap_<version>_<arch>.deb and
#                          posturemap-dashboard_<version>_<arch>.deb
#   deploy/dev.sh fuzz [SECONDS [TARGET...]]  build the libFuzzer targets with clang in build-fuzz
#                        (PMAP_FUZZ=ON) and run each for SECONDS (default 60) on a copy of its
#                        seed corpus (tests/fuzz/run.sh, docs/fuzzing.md)
#
# Environment: PMAP_BUILD_DIR (default build), PMAP_FUZZ_BUILD_DIR (default build-fuzz),
# PMAP_JOBS (default nproc), PMAP_SKIP_INSTALL=1.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${PMAP_BUILD_DIR:-$ROOT/build}
JOBS=${PMAP_JOBS:-$(nproc)}

# Debian 12 packages the build, the tests and the demo need.
PACKAGES=(
  cmake g++ make pkg-config
  libboost-dev libboost-system-dev libboost-program-options-dev libeigen3-dev
  libpaho-mqttpp-dev libpaho-mqtt-dev libsqlite3-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev libbenchmark-dev libpng-dev
  mosquitto mosquitto-clients sqlite3 tzdata poppler-utils
  qt6-base-dev qt6-svg-dev fonts-dejavu-core
  qt6-charts-dev libqt6opengl6-dev  # pmap-dashboard (Qt Charts needs the OpenGL package to be found)
  # packaging (cpack DEB: dpkg-shlibdeps, file; desktop-file-validate for the dashboard's
  # .desktop entry), the broker kit (openssl) and systemd-analyze (the unit's exposure score; no
  # systemd PID 1 needed)
  dpkg-dev file desktop-file-utils openssl systemd
)

log() { printf '\033[1m[pmap]\033[0m %s\n' "$*" >&2; }

# Runs one stage and says how long it took (the CI log shows where its time goes).
timed() {
  local name=$1 start=$SECONDS
  shift
  "$@"
  log "$name took $((SECONDS - start)) s"
}

# The fuzz build's compiler and runtimes (libFuzzer, ASan, UBSan), on top of PACKAGES.
FUZZ_PACKAGES=(clang libclang-rt-dev)

# Installs what is missing of the given packages (default: PACKAGES).
install_missing() {
  [ "${PMAP_SKIP_INSTALL:-0}" = 1 ] && return 0
  local missing=() p
  [ $# -gt 0 ] || set -- "${PACKAGES[@]}"
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" = 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  fi
}

build() {
  log "building in $BUILD"
  # -g1 (line tables: backtraces name file and line) instead of the full -g: 25-40 % less compile
  # time on the heavy Asio/Beast files (api_server.cpp 30 s against 42-49 s, measured 2026-11-26),
  # which keeps CI's build well inside its budget. Configure a build of your own for a debugger.
  cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >/dev/null
  cmake --build "$BUILD" -j"$JOBS"
}

# A TCP port on 127.0.0.1 that nothing listens on.
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}

# Starts a private mosquitto on loopback; sets BROKER_PORT and BROKER_PID.
start_broker() {
  local dir=$1
  mkdir -p "$dir"
  BROKER_PORT=$(free_port)
  cat >"$dir/mosquitto.conf" <<CONF
# Private development broker: loopback only, no persistence.
listener $BROKER_PORT 127.0.0.1
allow_anonymous true
persistence false
# pmap-gateway's back-pressure leaves frames queued here; mosquitto's default (1000 per client)
# would drop the rest.
max_queued_messages 1000000
sys_interval 1
log_dest file $dir/mosquitto.log
CONF
  # Its own output goes to a file, so it never holds the caller's terminal or pipe open.
  /usr/sbin/mosquitto -c "$dir/mosquitto.conf" >>"$dir/mosquitto.out" 2>&1 &
  BROKER_PID=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$BROKER_PORT") 2>/dev/null && return 0
    sleep 0.1
  done
  log "mosquitto did not start; see $dir/mosquitto.log"
  return 1
}

stop_pid() { if [ -n "${1:-}" ]; then kill "$1" 2>/dev/null && wait "$1" 2>/dev/null; fi; return 0; }

run_tests() {
  BROKER_PID=""
  trap 'stop_pid "$BROKER_PID"' EXIT
  start_broker "$BUILD/test-broker"
  export PMAP_TEST_BROKER_PORT=$BROKER_PORT
  log "running tests (private mosquitto on 127.0.0.1:$BROKER_PORT for the tests that share one)"
  ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS" --timeout 900
  if [ "$(id -u)" = 0 ]; then
    log "Debian packages: install, TLS round trip, Home Assistant, /metrics, dashboard, upgrade," \
      "remove, purge (deploy/package-test.sh)"
    "$ROOT/deploy/package-test.sh" "$BUILD"
  else
    log "not root: skipping deploy/package-test.sh (it installs and purges the packages)"
  fi
}

make_package() {
  (cd "$BUILD" && cpack -G DEB)
  ls -l "$BUILD"/packages/*.deb
}

# The fuzz build: clang, libFuzzer + ASan + UBSan, only what the fuzz targets link.
fuzz() {
  local dir=${PMAP_FUZZ_BUILD_DIR:-$ROOT/build-fuzz} seconds=${1:-60}
  [ $# -gt 0 ] && shift
  if ! command -v clang++ >/dev/null; then
    log "fuzzing needs clang and libFuzzer: apt-get install ${FUZZ_PACKAGES[*]}"
    return 1
  fi
  local launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  log "building the fuzz targets in $dir"
  # -O1 -g1: a third less build time than -O2 -g for about 80 % of the executions per second
  # (docs/fuzzing.md); asserts stay on (no NDEBUG).
  cmake -S "$ROOT" -B "$dir" -DPMAP_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" \
    "${launcher[@]}" >/dev/null
  timed "fuzz build" cmake --build "$dir" -j"$JOBS"
  log "fuzzing each target for ${seconds}s"
  timed "fuzzing" "$ROOT/tests/fuzz/run.sh" "$dir" "$seconds" "$@"
}

run_demo() {
  local dir=$ROOT/var/demo
  mkdir -p "$dir"
  rm -f "$dir"/pmap.db "$dir"/pmap.db-wal "$dir"/pmap.db-shm
  BROKER_PID=""
  GATEWAY_PID=""  # global: the EXIT trap runs after this function's locals are gone
  trap 'stop_pid "$GATEWAY_PID"; stop_pid "$BROKER_PID"' EXIT
  start_broker "$dir/broker"
  log "mosquitto on 127.0.0.1:$BROKER_PORT; gateway storing into $dir/pmap.db"
  "$BUILD/bin/pmap-gateway" --broker "tcp://127.0.0.1:$BROKER_PORT" --db "$dir/pmap.db" \
    --client-id pmap-demo-gateway >"$dir/gateway-summary.json" 2>"$dir/gateway.log" &
  GATEWAY_PID=$!
  sleep 2
  log "simulating an 8-hour night in bed and a workday on a chair (--speed max)"
  "$BUILD/bin/pmap-sim" --broker "tcp://127.0.0.1:$BROKER_PORT" --speed max --seed 1 \
    --mat bed1 --kind bed --scenario night --mat chair1 --kind chair --scenario workday \
    --publish-truth >"$dir/sim-summary.json" 2>"$dir/sim.log"
  sleep 3
  kill -TERM "$GATEWAY_PID"
  wait "$GATEWAY_PID"
  GATEWAY_PID=""
  "$BUILD/bin/pmap-db" summary --db "$dir/pmap.db" | tee "$dir/db-summary.json"
  cat <<TXT

Results:
  database          $dir/pmap.db   (sqlite3 $dir/pmap.db 'SELECT * FROM epoch_means LIMIT 5')
  database summary  $dir/db-summary.json
  simulator         $dir/sim-summary.json   (log: $dir/sim.log)
  gateway           $dir/gateway-summary.json   (log: $dir/gateway.log)
TXT
}

case "${1:-}" in
  demo) install_missing; build; run_demo ;;
  test) timed "install" install_missing; timed "build" build; timed "tests" run_tests ;;
  build) install_missing; build ;;
  package) install_missing; build; make_package ;;
  fuzz) install_missing; install_missing "${FUZZ_PACKAGES[@]}"; shift; fuzz "$@" ;;
  -h|--help|help|"") sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; [ -n "${1:-}" ] ;;
  *) log "unknown command '$1' (demo, test, build, package, fuzz)"; exit 2 ;;
esac
