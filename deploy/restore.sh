#!/bin/sh
# Restore a Coproduce backup (made by deploy/backup.sh) into the database.
# In Docker, the "backup" service has this as /usr/local/bin/coproduce-restore:
#
#   docker compose stop web worker beat
#   docker compose run --rm backup sh /usr/local/bin/coproduce-restore /backups/FILE
#   docker compose exec redis redis-cli -n 1 flushdb   (the cache: counts kept from before)
#   docker compose up -d
#
# The database comes from libpq's variables (PGHOST, PGUSER, PGDATABASE,
# PGPASSWORD, ...). Everything the backup holds replaces what the database
# has now, in one transaction: if anything fails, nothing is changed.
set -u

fail() {
  echo "coproduce-restore: $*" >&2
  exit 1
}

[ "$#" -eq 1 ] \
  || fail "usage: coproduce-restore FILE (a backup, such as /backups/coproduce-20250101-023000.dump)"
file="$1"
[ -e "$file" ] || fail "there is no file $file"
[ -f "$file" ] || fail "$file is not a file"
[ -r "$file" ] || fail "cannot read $file"
[ -n "${PGDATABASE:-}" ] || fail "PGDATABASE is not set: name the database to restore into"
pg_restore --list "$file" >/dev/null 2>&1 \
  || fail "$file is not a backup that pg_restore can read (deploy/backup.sh makes them)"

target="database $PGDATABASE on ${PGHOST:-the local server}"
others="$(psql --no-psqlrc --tuples-only --no-align --command "SELECT count(*)
  FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")" \
  || fail "cannot connect to the $target (see above)"
if [ "$others" != "0" ]; then
  echo "Warning: $others other connection(s) to the $target are open." >&2
  echo "Stop Coproduce first (docker compose stop web worker beat)." >&2
fi

echo "Restoring $file ($(wc -c <"$file" | tr -d ' ') bytes) into the $target ..."
pg_restore --clean --if-exists --no-owner --exit-on-error --single-transaction \
  --dbname="$PGDATABASE" "$file" \
  || fail "the restore failed (see above); the database was left as it was"
echo "Restored $file into the $target."
echo "Next: start Coproduce again (docker compose up -d), which first applies any newer migrations."
