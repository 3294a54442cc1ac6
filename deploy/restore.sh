#!/bin/sh
# Restore one archive of deploy/backup.sh into a database (which must exist, empty or not:
# what the archive holds is dropped first and recreated).
#
#   deploy/restore.sh ARCHIVE DATABASE_URL
#
# Stop web, worker, scheduler and Rasa first (`docker compose stop web worker
# scheduler rasa1 rasa2`, or the systemd units), restore both databases, then
# `lessonbot db upgrade` (an older dump gets the newer migrations) and start them.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 ARCHIVE DATABASE_URL" >&2; exit 2; }
libpq_url=$(printf '%s' "$2" | sed -E 's#^postgresql\+[a-z0-9]+://#postgresql://#')
pg_restore --clean --if-exists --no-owner --exit-on-error --single-transaction \
    --dbname="$libpq_url" "$1"
echo "restored $1"
