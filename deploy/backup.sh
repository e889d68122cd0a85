#!/bin/sh
# Coproduce's database backups: the "backup" service in docker-compose.yml
# runs this as /usr/local/bin/coproduce-backup in a postgres:15 container.
#
#   coproduce-backup            take one backup now, then remove old ones
#   coproduce-backup --nightly  every day at BACKUP_AT, do the same (forever)
#   coproduce-backup --prune    only remove old backups
#
# The database comes from libpq's variables (PGHOST, PGUSER, PGDATABASE,
# PGPASSWORD, ...). Settings, with their defaults:
#   BACKUP_DIR=/backups      where backups are kept
#   BACKUP_KEEP_DAYS=14      backups older than this many days are removed;
#                            the newest one is always kept, however old
#   BACKUP_AT=02:30          the time of the nightly backup (HH:MM), in the
#                            container's time zone: UTC unless TZ is set
#
# A backup is BACKUP_DIR/coproduce-YYYYMMDD-HHMMSS.dump, pg_dump's custom
# format. It is written under a hidden temporary name, checked with
# pg_restore --list, and only then given its real name, so a file with that
# name is always a whole, readable backup. deploy/restore.sh restores one.
set -u

BACKUP_DIR="${BACKUP_DIR:-/backups}"
BACKUP_KEEP_DAYS="${BACKUP_KEEP_DAYS:-14}"
BACKUP_AT="${BACKUP_AT:-02:30}"
# Backups hold personal data: only their owner may read them.
umask 077

fail() {
  echo "coproduce-backup: $*" >&2
  exit 1
}

log() {
  echo "$(date '+%Y-%m-%d %H:%M:%S %Z') $*"
}


# The newest backup in BACKUP_DIR (by modification time), or nothing.
newest_backup() {
  find "$BACKUP_DIR" -maxdepth 1 -type f -name 'coproduce-*.dump' -printf '%T@ %p\n' \
    | sort -n | tail -n 1 | cut -d ' ' -f 2-
}

# Remove backups older than BACKUP_KEEP_DAYS days, except the newest, and
# what a backup killed half-way (docker stop's SIGKILL) left a day ago.
prune() {
  find "$BACKUP_DIR" -maxdepth 1 -type f -name '.coproduce-*.dump.partial' -mmin +1440 -delete
  newest="$(newest_backup)"
  [ -n "$newest" ] || return 0
  find "$BACKUP_DIR" -maxdepth 1 -type f -name 'coproduce-*.dump' \
    -mmin +"$((BACKUP_KEEP_DAYS * 24 * 60))" ! -samefile "$newest" -print \
    | while IFS= read -r old; do
      rm -f "$old" && log "removed $old (older than $BACKUP_KEEP_DAYS days)"
    done
}

backup() {
  [ -n "${PGDATABASE:-}" ] || fail "PGDATABASE is not set: name the database to back up"
  mkdir -p "$BACKUP_DIR" || fail "cannot create the backup folder $BACKUP_DIR"
  [ -w "$BACKUP_DIR" ] || fail "cannot write to the backup folder $BACKUP_DIR"
  name="coproduce-$(date +%Y%m%d-%H%M%S).dump"
  file="$BACKUP_DIR/$name"
  partial="$BACKUP_DIR/.$name.partial"
  [ -e "$file" ] && fail "$file already exists: try again in a second"
  # A backup stopped half-way (by an error or a signal) leaves nothing behind.
  trap 'rm -f "$partial"' EXIT
  trap 'rm -f "$partial"; exit 143' TERM
  trap 'rm -f "$partial"; exit 130' INT
  if ! pg_dump --format=custom --file="$partial"; then
    rm -f "$partial"
    fail "pg_dump of database $PGDATABASE failed (see above): no backup was made"
  fi
  if ! pg_restore --list "$partial" >/dev/null; then
    rm -f "$partial"
    fail "the backup of $PGDATABASE could not be read back by pg_restore: it was deleted"
  fi
  mv "$partial" "$file" || fail "could not rename $partial to $file"
  trap - EXIT TERM INT
  log "backup written: $file ($(wc -c <"$file" | tr -d ' ') bytes)"
  prune
}

# A number of hours, minutes or seconds without its leading zero, which would
# make sh read 08 and 09 as (invalid) octal numbers.
decimal() {
  number="${1#0}"
  echo "${number:-0}"
}

# Seconds from now until the next BACKUP_AT (1 to 86400).
seconds_until_next_run() {
  now="$(date +%H:%M:%S)"
  rest="${now#*:}"
  target=$(($(decimal "${BACKUP_AT%%:*}") * 3600 + $(decimal "${BACKUP_AT#*:}") * 60))
  current=$(($(decimal "${now%%:*}") * 3600 + $(decimal "${rest%%:*}") * 60))
  current=$((current + $(decimal "${rest#*:}")))
  wait=$((target - current))
  [ "$wait" -gt 0 ] || wait=$((wait + 86400))
  echo "$wait"
}

nightly() {
  case "$BACKUP_AT" in
    [0-9]:[0-5][0-9] | [01][0-9]:[0-5][0-9] | 2[0-3]:[0-5][0-9]) ;;
    *) fail "BACKUP_AT must be a time of day such as 02:30, not '$BACKUP_AT'" ;;
  esac
  sleeper=""
  # As a container's main process, sh ignores docker stop's TERM unless it
  # has a trap for it; sleeping in the background lets the trap run at once.
  trap 'kill "$sleeper" 2>/dev/null; log "stopped"; exit 0' TERM INT
  log "nightly backups at $BACKUP_AT to $BACKUP_DIR, kept for $BACKUP_KEEP_DAYS days"
  while :; do
    wait_seconds="$(seconds_until_next_run)"
    log "next backup in $wait_seconds seconds"
    sleep "$wait_seconds" &
    sleeper=$!
    wait "$sleeper"
    # A failed backup is logged and tried again the next night; a subshell,
    # so that its failure does not end the loop.
    (backup) || log "the backup FAILED (see above); the next try is at $BACKUP_AT"
  done
}

case "$BACKUP_KEEP_DAYS" in
  '' | *[!0-9]*) fail "BACKUP_KEEP_DAYS must be a whole number of days, not '$BACKUP_KEEP_DAYS'" ;;
esac
case "${1:-}" in
  "") backup ;;
  --nightly) nightly ;;
  --prune) prune ;;
  *) fail "unknown option '$1' (use no option, --nightly or --prune)" ;;
esac
