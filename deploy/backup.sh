#!/bin/sh
# Dump PostgreSQL databases, one custom-format archive each, and keep the last days' dumps.
#
#   deploy/backup.sh DIRECTORY DATABASE_URL...
#
# DATABASE_URL as lessonbot's settings write it (postgresql+psycopg://user@host:5432/name)
# or as libpq does; a password is best in PGPASSWORD or ~/.pgpass, not in the URL.
# Each archive is written beside its final name and renamed only once pg_restore
# can read its table of contents: a dump cut short never looks like a backup.
# LESSONBOT_BACKUP_KEEP_DAYS (default 14): older dumps in DIRECTORY are deleted.
# Prints the path of each archive written. Run daily: the compose `backup`
# service or deploy/systemd/lessonbot-backup.timer.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 DIRECTORY DATABASE_URL..." >&2; exit 2; }
directory=$1
shift
keep_days=${LESSONBOT_BACKUP_KEEP_DAYS:-14}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$directory"
umask 077  # the dumps hold personal data
for url in "$@"; do
    libpq_url=$(printf '%s' "$url" | sed -E 's#^postgresql\+[a-z0-9]+://#postgresql://#')
    name=$(printf '%s' "$libpq_url" | sed -E 's#.*/([^/?]+)(\?.*)?$#\1#')
    target="$directory/$name-$stamp.dump"
    pg_dump --format=custom --no-owner --dbname="$libpq_url" --file="$target.partial"
    pg_restore --list "$target.partial" > /dev/null
    mv "$target.partial" "$target"
    echo "$target"
done
find "$directory" -name '*.dump' -type f -mtime +"$keep_days" -delete
