#!/usr/bin/env bash
# Starts Debian's PostgreSQL cluster (installing it if missing) and makes a throw-away database
# for the store's integration tests. Prints the URL to use, and nothing else, on stdout: whatever
# apt, pg_ctlcluster ("Removed stale pid file.") or psql say goes to stderr.
set -euo pipefail

start_cluster() {
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
        $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
    fi
    ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
    if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main"' | grep -q .; then
        $SUDO pg_createcluster "$ver" main >/dev/null
    fi
    if ! pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" && $4=="online"' | grep -q .; then
        $SUDO pg_ctlcluster "$ver" main start
    fi
    port=$(pg_lsclusters -h | awk -v v="$ver" '$1==v && $2=="main" {print $3}')
    run_psql() { $SUDO -u postgres psql -p "$port" -qAt "$@" 2>/dev/null || su postgres -c "psql -p $port -qAt $(printf '%q ' "$@")"; }
    run_psql -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='forecast') THEN CREATE ROLE forecast LOGIN PASSWORD 'forecast' CREATEDB; END IF; END \$\$;" >/dev/null
    # No CREATEROLE for the suite's role (on PostgreSQL 15 it may then grant itself almost any
    # role): an earlier version of this script gave it, this takes it back.
    run_psql -c "ALTER ROLE forecast NOCREATEROLE" >/dev/null
    # A login role without rights, for the tests of a role that may only read (or partly write)
    # the store: each test's schema is owned by forecast, which grants it rights there.
    run_psql -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='forecast_reader') THEN CREATE ROLE forecast_reader; END IF; END \$\$;" >/dev/null
    run_psql -c "ALTER ROLE forecast_reader LOGIN PASSWORD 'r3ader-s3cret' NOSUPERUSER NOCREATEROLE NOCREATEDB" >/dev/null
    # A role without login the suite's role is a member of (so it may give tables to it), for
    # the tests of a store whose tables a role other than the one restoring owns.
    run_psql -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='forecast_tables') THEN CREATE ROLE forecast_tables NOLOGIN; END IF; END \$\$;" >/dev/null
    run_psql -c "DO \$\$ BEGIN IF NOT pg_has_role('forecast', 'forecast_tables', 'MEMBER') THEN GRANT forecast_tables TO forecast; END IF; END \$\$;" >/dev/null
    run_psql -tc "SELECT 1 FROM pg_database WHERE datname='forecast_test'" | grep -q 1 || run_psql -c "CREATE DATABASE forecast_test OWNER forecast" >/dev/null
}

start_cluster >&2
echo "postgresql+psycopg://forecast:forecast@127.0.0.1:${port}/forecast_test"
