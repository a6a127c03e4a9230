# Sourced by .ci/run: start a throwaway PostgreSQL server for the store tests and export
# SISTERCITY_TEST_PG_URL. Installs Debian's postgresql when no server binaries are there,
# puts the cluster in a temporary folder on a free port (so it never touches a cluster the
# machine already has), and stops and removes it when the calling script exits.

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

if [ -z "$(pg_bindir)" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "ci: installing postgresql (apt-get)"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        echo "ci: PostgreSQL is not installed and cannot be installed here (apt-get install postgresql)" >&2
        exit 1
    fi
fi
PG_BIN="$(pg_bindir)"
PG_DIR="$(mktemp -d /tmp/sistercity-ci-pg.XXXXXX)"
PG_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
if [ "$(id -u)" = 0 ]; then  # the server refuses to run as root
    chown postgres: "$PG_DIR"
    as_pg() { runuser -u postgres -- "$@"; }
else
    as_pg() { "$@"; }
fi
as_pg "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$PG_DIR/initdb.log"
as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
    -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
stop_ci_postgres() {
    as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
}
trap stop_ci_postgres EXIT
"$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres sistercity_test
export SISTERCITY_TEST_PG_URL="postgresql+psycopg://postgres@127.0.0.1:$PG_PORT/sistercity_test"
echo "ci: $("$PG_BIN/postgres" --version) at $SISTERCITY_TEST_PG_URL"
