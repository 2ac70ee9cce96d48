#!/usr/bin/env bash
# Makes a PostGIS database reachable for gridgis, installing and starting a
# local cluster when none answers. Idempotent: a second run only checks.
#
# Uses DATABASE_URL when it is set and reachable; otherwise the local Debian
# cluster over its Unix socket, with a role named after the current OS user
# (CREATEDB, so tests can make their own databases) and PostGIS in template1
# (so every database created later already has it).
set -euo pipefail

DB_NAME=${GRIDGIS_DB_NAME:-gridgis}
ROLE=$(id -un)

say() { printf 'db-setup: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi
}

if [ -n "${DATABASE_URL:-}" ]; then
  if psql "$DATABASE_URL" -Atqc "select 1" >/dev/null 2>&1; then
    psql "$DATABASE_URL" -Atqc "create extension if not exists postgis" >/dev/null
    say "using DATABASE_URL"
    exit 0
  fi
  say "DATABASE_URL is set but does not answer; setting up the local cluster instead"
fi

# The PostgreSQL major version: the installed server's, else Debian's default.
major=""
if ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  major=$(ls -d /usr/lib/postgresql/*/bin/postgres | sed -E 's#.*/postgresql/([0-9]+)/.*#\1#' | sort -n | tail -1)
fi

need=()
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
if [ -z "$major" ]; then
  need+=(postgresql postgresql-contrib)
fi
if [ -z "$major" ] || [ ! -f "/usr/share/postgresql/$major/extension/postgis.control" ]; then
  need+=("postgresql-${major:-15}-postgis-3")
fi
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq "${need[@]}" >/dev/null
  major=$(ls -d /usr/lib/postgresql/*/bin/postgres | sed -E 's#.*/postgresql/([0-9]+)/.*#\1#' | sort -n | tail -1)
fi

if ! pg_lsclusters -h 2>/dev/null | awk -v m="$major" '$1==m && $2=="main"' | grep -q .; then
  say "creating cluster $major/main"
  as_root pg_createcluster "$major" main >/dev/null
fi
if ! pg_lsclusters -h | awk -v m="$major" '$1==m && $2=="main" {print $4}' | grep -q online; then
  say "starting cluster $major/main"
  as_root pg_ctlcluster "$major" main start
fi
for _ in $(seq 1 50); do
  as_postgres psql -Atqc "select 1" >/dev/null 2>&1 && break
  sleep 0.2
done

psql_pg() { as_postgres env PGOPTIONS="-c client_min_messages=warning" psql -v ON_ERROR_STOP=1 -Atq "$@"; }

if [ "$(psql_pg -c "select count(*) from pg_roles where rolname = '$ROLE'")" = 0 ]; then
  say "creating role $ROLE"
  psql_pg -c "create role \"$ROLE\" login createdb"
fi
psql_pg -d template1 -c "create extension if not exists postgis" \
        -c "create extension if not exists btree_gist"
if [ "$(psql_pg -c "select count(*) from pg_database where datname = '$DB_NAME'")" = 0 ]; then
  say "creating database $DB_NAME"
  psql_pg -c "create database \"$DB_NAME\" owner \"$ROLE\""
fi
psql_pg -d "$DB_NAME" -c "create extension if not exists postgis" \
        -c "create extension if not exists btree_gist"
say "local PostGIS ready: database $DB_NAME, role $ROLE (socket /var/run/postgresql)"
