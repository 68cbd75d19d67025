#!/usr/bin/env bash
# Starts and stops a throwaway PostgreSQL cluster for tests and benchmarks, on loopback only.
#   scripts/postgres.sh start DIR [--port N] [--password PW] [--socket-only] [--no-fsync] [--fresh]
#       initdb in DIR unless it holds a cluster, start it (127.0.0.1 on a free port, or port N;
#       always a socket in DIR), create the database "comments", print its URL
#   scripts/postgres.sh stop DIR [--mode fast|immediate] [--remove]
#   scripts/postgres.sh url DIR [--socket]       the URL (user postgres, no password in it)
#   scripts/postgres.sh psql DIR [psql args...]  psql on the database "comments" as postgres
#   scripts/postgres.sh freeze|thaw DIR          SIGSTOP / SIGCONT every server process
# As root the server runs as the "postgres" user, since PostgreSQL refuses to run as root. The
# binaries come from PG_BINDIR, else the newest /usr/lib/postgresql/*/bin, else PATH.
set -euo pipefail

usage() { sed -n '2,12s/^# \{0,1\}//p' "$0"; }
die() { echo "postgres.sh: $*" >&2; exit 1; }

[ $# -ge 1 ] || { usage >&2; exit 2; }
command=$1
shift
case "$command" in
  -h|--help) usage; exit 0 ;;
  start|stop|url|psql|freeze|thaw) ;;
  *) echo "postgres.sh: unknown command '$command' (see --help)" >&2; exit 2 ;;
esac
[ $# -ge 1 ] || die "$command needs a cluster directory"
dir=$1
shift
case "$dir" in
  /*) ;;
  *) dir=$PWD/$dir ;;
esac

bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
  for candidate in /usr/lib/postgresql/*/bin; do
    [ -x "$candidate/pg_ctl" ] && bindir=$candidate
  done
fi
if [ -z "$bindir" ] && command -v pg_ctl >/dev/null 2>&1; then
  bindir=$(dirname "$(command -v pg_ctl)")
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  die "PostgreSQL server binaries not found; run scripts/deps.sh test (Debian package postgresql) or set PG_BINDIR"
fi

# PostgreSQL refuses to run as root: then the server (and everything touching its files) runs as
# the postgres user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

data=$dir/data
settings=$dir/cluster.env
port=""
password=""
load_settings() {
  [ -f "$settings" ] || die "no cluster in $dir (run: postgres.sh start $dir)"
  # shellcheck source=/dev/null
  . "$settings"
}

running() {
  [ -f "$data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1
}

signal_server() {  # signal: the postmaster and its children
  local main pids
  main=$(head -n 1 "$data/postmaster.pid" 2>/dev/null) || return 0
  mapfile -t pids < <(pgrep -P "$main" || true)
  kill -"$1" "$main" "${pids[@]}"
}

url() {
  if [ "${1:-}" = socket ]; then
    echo "postgresql:///comments?host=$dir&port=$port&user=postgres"
  else
    echo "postgresql://postgres@127.0.0.1:$port/comments"
  fi
}

run_psql() {
  PGPASSWORD=$password as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" \
    -U postgres "$@"
}

free_port() {
  command -v python3 >/dev/null 2>&1 || die "python3 is needed to find a free port; pass --port N"
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local want_port="" fresh=0 socket_only=0 fsync=on
  while [ $# -gt 0 ]; do
    case "$1" in
      --port) want_port=$2; shift 2 ;;
      --password) password=$2; shift 2 ;;
      --socket-only) socket_only=1; shift ;;
      --no-fsync) fsync=off; shift ;;
      --fresh) fresh=1; shift ;;
      *) die "start: unknown option $1" ;;
    esac
  done
  # The socket path (DIR/.s.PGSQL.PORT) must fit in sockaddr_un.
  [ ${#dir} -le 90 ] || die "directory path too long for a socket (${#dir} > 90 characters): $dir"
  if [ "$fresh" = 1 ] && [ -d "$dir" ]; then
    if running; then
      signal_server CONT 2>/dev/null || true
      as_owner "$bindir/pg_ctl" -D "$data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
  fi
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the postgres user (Debian package postgresql)"
    chown postgres: "$dir"
    as_owner test -w "$dir" ||
      die "the postgres user cannot write $dir; use a directory whose parents are world-searchable"
  fi
  chmod 0700 "$dir"

  if [ ! -f "$data/PG_VERSION" ]; then
    local auth=trust pwfile=""
    if [ -n "$password" ]; then
      auth=scram-sha-256
      pwfile=$dir/initdb.pw
      printf '%s\n' "$password" > "$pwfile"
      [ "$(id -u)" -ne 0 ] || chown postgres: "$pwfile"
    fi
    as_owner "$bindir/initdb" -D "$data" -U postgres -E UTF8 --locale=C -A "$auth" \
      ${pwfile:+--pwfile="$pwfile"} > "$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; die "initdb failed (log above)"; }
    rm -f "$pwfile"
    port=${want_port:-}
    local listen="127.0.0.1"
    if [ "$socket_only" = 1 ]; then
      listen=""
      port=${port:-5432}
    fi
    port=${port:-$(free_port)}
    as_owner tee -a "$data/postgresql.conf" > /dev/null <<EOF
listen_addresses = '$listen'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = $fsync
EOF
    printf 'port=%q\npassword=%q\n' "$port" "$password" > "$settings"
  fi
  load_settings
  if ! running; then
    as_owner "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 30 start > /dev/null ||
      { tail -n 20 "$dir/server.log" >&2; die "the server did not start (log above)"; }
  fi
  if [ -z "$(run_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'comments'")" ]; then
    run_psql -d postgres -c 'CREATE DATABASE comments'
  fi
  url
}

stop() {
  local mode=fast remove=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --mode) mode=$2; shift 2 ;;
      --remove) remove=1; shift ;;
      *) die "stop: unknown option $1" ;;
    esac
  done
  case "$mode" in fast|immediate|smart) ;; *) die "stop: --mode must be fast or immediate" ;; esac
  if [ -d "$data" ] && running; then
    signal_server CONT 2>/dev/null || true  # a frozen server cannot stop
    as_owner "$bindir/pg_ctl" -D "$data" -m "$mode" -w -t 30 stop > /dev/null
  fi
  if [ "$remove" = 1 ]; then
    rm -rf "$dir"
  fi
}

case "$command" in
  start) start "$@" ;;
  stop) stop "$@" ;;
  url) load_settings; url "$([ "${1:-}" = --socket ] && echo socket)" ;;
  psql) load_settings; run_psql -d comments "$@" ;;
  freeze|thaw)
    load_settings
    running || die "no server running in $dir"
    signal=STOP
    [ "$command" = thaw ] && signal=CONT
    signal_server "$signal"
    ;;
esac
