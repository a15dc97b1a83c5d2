# shellcheck shell=bash
# NAME
#   lib.sh - shared helpers for the deploy/local scripts
# DESCRIPTION
#   Sourced, never run. Resolves the repository root and the one state
#   folder ($WARMWIRE_STATE_DIR, default <repo>/.run), checks Java and
#   loopback ports, fetches server jars with the project's Maven Wrapper,
#   and starts, watches and stops a background Java process through a pid
#   file. Every function is prefixed ww_; nothing runs on load except the
#   variable set-up below.
#
#   A process started by ww_start_java carries -Dwwlocal=<name> on its
#   command line; ww_pid_of checks that marker, so a stale pid file whose
#   number was reused by another process is never mistaken for the server.
#
#   Environment:
#     WARMWIRE_STATE_DIR      state folder (default <repo>/.run)
#     WARMWIRE_START_TIMEOUT  seconds to wait for readiness (default 120)
#     WARMWIRE_STOP_TIMEOUT   seconds between TERM and KILL (default 30)
#     JAVA_HOME               used when set, else java from PATH

if [[ -n ${WW_LIB_LOADED:-} ]]; then
    return 0
fi
WW_LIB_LOADED=1

WW_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck disable=SC2034 # used by the scripts that source this file
WW_STATE=$(realpath -m -- "${WARMWIRE_STATE_DIR:-$WW_ROOT/.run}")
WW_START_TIMEOUT=${WARMWIRE_START_TIMEOUT:-120}
WW_STOP_TIMEOUT=${WARMWIRE_STOP_TIMEOUT:-30}
WW_PROG=${WW_PROG:-$(basename "$0")}

# ww_log MESSAGE... - progress on stderr, prefixed by the script's name
ww_log() {
    printf '%s: %s\n' "$WW_PROG" "$*" >&2
}

# ww_die MESSAGE... - error on stderr and exit 1
ww_die() {
    printf '%s: error: %s\n' "$WW_PROG" "$*" >&2
    exit 1
}

# ww_now - seconds since the epoch
ww_now() {
    date +%s
}

# ww_now_ms - milliseconds since the epoch
ww_now_ms() {
    date +%s%3N
}

# ww_elapsed T0_MS - seconds since T0_MS (from ww_now_ms), one decimal
ww_elapsed() {
    local ms=$(($(ww_now_ms) - $1))
    printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100))
}

# ww_require_int NAME VALUE - die unless VALUE is a positive integer
ww_require_int() {
    [[ $2 =~ ^[0-9]+$ && $2 -gt 0 ]] || ww_die "$1 must be a positive integer, got '$2'"
}

# ww_require_java [MIN] - set WW_JAVA to a java binary of version >= MIN (17)
ww_require_java() {
    local min=${1:-17} java spec
    if [[ -n ${JAVA_HOME:-} && -x $JAVA_HOME/bin/java ]]; then
        java=$JAVA_HOME/bin/java
    else
        java=$(command -v java) ||
            ww_die "java not found: install a JDK >= $min (e.g. apt-get install openjdk-17-jdk-headless) or set JAVA_HOME"
    fi
    spec=$("$java" -XshowSettings:properties -version 2>&1 |
        sed -n 's/^ *java\.specification\.version = //p')
    spec=${spec#1.}
    [[ $spec =~ ^[0-9]+$ ]] || ww_die "cannot tell the version of $java"
    ((spec >= min)) || ww_die "$java is Java $spec; Java >= $min is required (set JAVA_HOME)"
    WW_JAVA=$java
}

# ww_alive PID - true while PID runs (a zombie counts as dead)
ww_alive() {
    local state
    kill -0 "$1" 2>/dev/null || return 1
    state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null)
    [[ $state != Z ]]
}

# ww_port_accepts PORT [HOST] - true when something accepts TCP connections
ww_port_accepts() {
    local port=$1 host=${2:-127.0.0.1}
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
}

# ww_port_listener PORT - the ss line of a TCP listener on PORT, any address
ww_port_listener() {
    command -v ss >/dev/null || return 0
    ss -Htlnp "( sport = :$1 )" 2>/dev/null | head -n 1
}

# ww_require_port_free PORT WHAT - die when PORT is taken by anything
ww_require_port_free() {
    local port=$1 what=$2 who
    who=$(ww_port_listener "$port")
    if [[ -n $who ]] || ww_port_accepts "$port"; then
        ww_die "port $port ($what) is already in use${who:+: $who}; stop that process or choose another port"
    fi
}

# ww_pid_of PIDFILE NAME - print the pid when the process NAME of PIDFILE is alive
ww_pid_of() {
    local pidfile=$1 name=$2 pid
    [[ -s $pidfile ]] || return 1
    pid=$(<"$pidfile")
    [[ $pid =~ ^[0-9]+$ ]] || return 1
    [[ -r /proc/$pid/cmdline ]] || return 1
    tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null | grep -qxF -- "-Dwwlocal=$name" || return 1
    echo "$pid"
}

# ww_lock FILE - hold an exclusive lock on fd 9 until the script exits
#   (ww_start_java closes fd 9 for the child, so the server never holds it)
ww_lock() {
    exec 9>"$1"
    flock -w "$WW_START_TIMEOUT" 9 || ww_die "another $WW_PROG is running (lock $1)"
}

# ww_fetch_jars POM LIBDIR - copy the runtime dependencies of POM into LIBDIR
#   with the project's Maven Wrapper, unless LIBDIR already holds them for
#   this very POM (its checksum is kept in LIBDIR/.pom.sha256).
ww_fetch_jars() {
    local pom=$1 lib=$2 sum tmp
    sum=$(sha256sum "$pom" | cut -d' ' -f1)
    if [[ -f $lib/.pom.sha256 && $(<"$lib/.pom.sha256") == "$sum" ]]; then
        return 0
    fi
    ww_log "fetching jars of $(realpath --relative-to="$WW_ROOT" "$pom") into $lib (Maven Wrapper)"
    tmp=$lib.tmp.$$
    rm -rf "$tmp"
    mkdir -p "$(dirname "$lib")"
    if ! "$WW_ROOT/mvnw" -q -B -f "$pom" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >&2; then
        rm -rf "$tmp"
        ww_die "Maven could not fetch the jars of $pom"
    fi
    echo "$sum" >"$tmp/.pom.sha256"
    rm -rf "$lib"
    mv "$tmp" "$lib"
    ww_log "$(find "$lib" -name '*.jar' | wc -l) jars, $(du -sh "$lib" | cut -f1)"
}

# ww_rotate_log FILE - keep the previous run's log as FILE.1
ww_rotate_log() {
    [[ -f $1 ]] && mv -f "$1" "$1.1"
    : >"$1"
}

# ww_start_java NAME PIDFILE LOGFILE JAVA-ARGS... - start java in the background
#   with -Dwwlocal=NAME, output appended to LOGFILE, pid into PIDFILE.
#   Detached from the terminal (nohup, stdin /dev/null), lock fd 9 closed,
#   working directory the pid file's folder (where a JVM crash file lands).
ww_start_java() {
    local name=$1 pidfile=$2 log=$3
    shift 3
    (cd "$(dirname "$pidfile")" &&
        exec nohup "$WW_JAVA" "-Dwwlocal=$name" "$@" </dev/null >>"$log" 2>&1 9>&-) &
    echo $! >"$pidfile"
}

# ww_tail_log FILE [LINES] - the last LINES (30) lines of FILE on stderr
ww_tail_log() {
    local file=$1 n=${2:-30}
    [[ -f $file ]] || return 0
    printf '%s: ---- last %s lines of %s ----\n' "$WW_PROG" "$n" "$file" >&2
    tail -n "$n" "$file" >&2
    printf '%s: ----\n' "$WW_PROG" >&2
}

# ww_wait_for_port PID PORT DEADLINE - wait until PORT accepts while PID lives.
#   Returns 0 when ready, 1 when the process died, 2 at the deadline.
ww_wait_for_port() {
    local pid=$1 port=$2 deadline=$3
    while :; do
        ww_alive "$pid" || return 1
        ww_port_accepts "$port" && return 0
        (($(ww_now) >= deadline)) && return 2
        sleep 0.3
    done
}

# ww_wait_for_log PID FILE PATTERN DEADLINE [FAILURE] - wait until FILE
#   matches PATTERN (grep -E) while PID lives. Returns 0 ready, 1 died,
#   2 deadline, 3 FILE matches the FAILURE pattern (process may live on).
ww_wait_for_log() {
    local pid=$1 file=$2 pattern=$3 deadline=$4 failure=${5:-}
    while :; do
        grep -qE -- "$pattern" "$file" 2>/dev/null && return 0
        [[ -n $failure ]] && grep -qE -- "$failure" "$file" 2>/dev/null && return 3
        ww_alive "$pid" || return 1
        (($(ww_now) >= deadline)) && return 2
        sleep 0.3
    done
}

# ww_startup_failed NAME PIDFILE LOGFILE REASON - report a failed start and exit 1.
#   A process still alive (timeout) is stopped first.
ww_startup_failed() {
    local name=$1 pidfile=$2 log=$3 reason=$4
    ww_log "$name: $reason"
    ww_tail_log "$log" 30
    if ww_pid_of "$pidfile" "$name" >/dev/null; then
        ww_stop_pid "$name" "$pidfile" >/dev/null 2>&1
    fi
    rm -f "$pidfile"
    ww_die "$name did not start ($reason); full log: $log"
}

# ww_instance_args USAGE-WORDS ARGS... - for scripts that run named instances
#   (postfix-peer.sh, dns-peer.sh): exactly COMMAND NAME, else usage (exit 2); NAME of
#   letters, digits, - and _. Sets WW_CMD, WW_NAME and WW_STATE (made absolute, created).
ww_instance_args() {
    local words=$1
    shift
    if [[ $# -ne 2 ]]; then
        echo "usage: $WW_PROG $words NAME" >&2
        exit 2
    fi
    WW_CMD=$1
    WW_NAME=$2
    [[ $WW_NAME =~ ^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$ ]] ||
        ww_die "bad instance name '$WW_NAME' (letters, digits, - and _)"
    mkdir -p "$WW_STATE"
    WW_STATE=$(cd "$WW_STATE" && pwd)
}

# ww_postfix_master QUEUE - the pid of the running master of the Postfix instance whose
#   queue directory is QUEUE (its pid file must name a live process working in QUEUE)
ww_postfix_master() {
    local queue=$1 pid
    [[ -r $queue/pid/master.pid ]] || return 1
    pid=$(tr -dc '0-9' <"$queue/pid/master.pid")
    [[ -n $pid ]] && ww_alive "$pid" || return 1
    [[ $(readlink "/proc/$pid/cwd" 2>/dev/null) == "$queue" ]] || return 1
    echo "$pid"
}

# ww_postfix_pids QUEUE - every process of that instance: Postfix daemons chdir to the queue
#   directory, so /proc/PID/cwd identifies them (and exe names a Postfix daemon)
ww_postfix_pids() {
    local queue=$1 link pid
    find /proc -mindepth 2 -maxdepth 2 -name cwd -lname "$queue" 2>/dev/null | while read -r link; do
        pid=${link#/proc/}
        pid=${pid%/cwd}
        [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == /usr/lib/postfix/sbin/* ]] && echo "$pid"
    done
    return 0
}

# ww_postfix_stop QUEUE CONFIG-DIR - stop that instance: TERM to its master (what
#   "postfix -c DIR stop" does, without its 1 s polling steps), then TERM and at last KILL to
#   any of its processes still alive. Never touches another instance.
ww_postfix_stop() {
    local queue=$1 etc=$2 pid pids
    if pid=$(ww_postfix_master "$queue"); then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 100); do
            ww_alive "$pid" || break
            sleep 0.05
        done
        ww_alive "$pid" && { /usr/sbin/postfix -c "$etc" stop >/dev/null 2>&1 || true; }
    fi
    mapfile -t pids < <(ww_postfix_pids "$queue")
    ((${#pids[@]})) || return 0
    kill -TERM "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 50); do
        mapfile -t pids < <(ww_postfix_pids "$queue")
        ((${#pids[@]})) || return 0
        sleep 0.1
    done
    kill -KILL "${pids[@]}" 2>/dev/null || true
}

# ww_postfix_internal_services - the master.cf lines of the internal services every private
#   Postfix instance here needs (queue manager, cleanup, bounce, TLS manager, connection
#   cache, discard/error transports, postlogd for maillog_file), chroot off. Listeners and
#   delivery agents are each instance's own.
ww_postfix_internal_services() {
    cat <<'EOF'
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
discard   unix  -       -       n       -       -       discard
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# ww_status NAME PIDFILE WHERE READY-COMMAND... - one status line for a server started by
#   ww_start_java. Returns 0 running and ready, 1 running but not ready, 3 stopped.
ww_status() {
    local name=$1 pidfile=$2 where=$3 pid
    shift 3
    if ! pid=$(ww_pid_of "$pidfile" "$name"); then
        echo "$name: stopped"
        return 3
    fi
    if "$@"; then
        echo "$name: running (pid $pid) on $where"
        return 0
    fi
    echo "$name: running (pid $pid) but not ready on $where"
    return 1
}

# ww_daemon_pid PIDFILE EXE ARG - prints the pid of PIDFILE when that process runs EXE with ARG
#   as one of its arguments (so a recycled pid, or another instance, is never taken for it)
ww_daemon_pid() {
    local pidfile=$1 exe=$2 arg=$3 pid
    [[ -r $pidfile ]] || return 1
    pid=$(tr -dc '0-9' <"$pidfile")
    [[ -n $pid && -r /proc/$pid/cmdline ]] || return 1
    [[ $(readlink "/proc/$pid/exe" 2>/dev/null) == "$exe" ]] || return 1
    tr '\0' '\n' <"/proc/$pid/cmdline" | grep -qxF -- "$arg" || return 1
    echo "$pid"
}

# ww_daemon_status NAME PID-FUNCTION STAMP - one status line for a daemon whose pid the
#   function PID-FUNCTION prints (it fails when the daemon does not run), with the first line of
#   STAMP (what it was started with). Returns 0 running, 3 stopped.
ww_daemon_status() {
    local name=$1 fn=$2 stamp=$3 pid
    if pid=$("$fn"); then
        echo "$WW_PROG: $name running (pid $pid, $(head -n 1 "$stamp" 2>/dev/null))"
        return 0
    fi
    echo "$WW_PROG: $name stopped"
    return 3
}

# ww_daemon_stop NAME PID-FUNCTION PIDFILE - TERM the daemon PID-FUNCTION finds, wait up to
#   5 s, then KILL; removes PIDFILE. Idempotent.
ww_daemon_stop() {
    local name=$1 fn=$2 pidfile=$3 pid
    if pid=$("$fn"); then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 100); do
            "$fn" >/dev/null || break
            sleep 0.05
        done
        if pid=$("$fn"); then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    rm -f "$pidfile"
    echo "$WW_PROG: $name stopped"
}

# ww_stop_pid NAME PIDFILE - TERM, wait up to WARMWIRE_STOP_TIMEOUT, then KILL.
#   Removes PIDFILE. Idempotent: prints whether anything was stopped.
ww_stop_pid() {
    local name=$1 pidfile=$2 pid deadline
    if ! pid=$(ww_pid_of "$pidfile" "$name"); then
        rm -f "$pidfile"
        echo "$name: not running"
        return 0
    fi
    ww_log "$name: stopping pid $pid (TERM)"
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$(($(ww_now) + WW_STOP_TIMEOUT))
    while ww_alive "$pid"; do
        if (($(ww_now) >= deadline)); then
            ww_log "$name: still alive after ${WW_STOP_TIMEOUT}s, sending KILL"
            kill -KILL "$pid" 2>/dev/null || true
            sleep 0.5
            break
        fi
        sleep 0.3
    done
    rm -f "$pidfile"
    echo "$name: stopped (pid $pid)"
}

# ww_apt_installed PACKAGE - true when Debian's package is installed
ww_apt_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q '^install ok installed$'
}

# ww_apt_install PACKAGE... - installs the packages that are missing (as root, apt-get,
# no recommends), prints each one installed with its version and fails when one is still
# missing afterwards; "nothing to install" when all are there. A debconf answer a package needs
# is the caller's to set first (ww_apt_missing tells which are missing).
ww_apt_install() {
    local missing=() p
    [[ $(id -u) -eq 0 ]] || ww_die "must run as root (apt-get install)"
    read -r -a missing <<<"$(ww_apt_missing "$@")"
    if ((${#missing[@]} == 0)); then
        ww_log "nothing to install"
        return 0
    fi
    ww_log "installing: ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    for p in "${missing[@]}"; do
        ww_apt_installed "$p" || ww_die "FAILED to install: $p"
        ww_log "installed: $p $(dpkg-query -W -f='${Version}' "$p")"
    done
}

# ww_apt_missing PACKAGE... - the packages among them that are not installed, on one line
ww_apt_missing() {
    local p out=()
    for p in "$@"; do
        ww_apt_installed "$p" || out+=("$p")
    done
    echo "${out[*]}"
}
