#!/bin/sh
# Runs once, when the PostgreSQL volume is first created (docker-entrypoint-initdb.d):
# the app's database and Rasa's tracker database, each with its own user.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" <<SQL
CREATE USER lessonbot PASSWORD '$LESSONBOT_DB_PASSWORD';
CREATE DATABASE lessonbot OWNER lessonbot;
CREATE USER rasa PASSWORD '$LESSONBOT_RASA_TRACKER_STORE_PASSWORD';
CREATE DATABASE rasa_tracker OWNER rasa;
SQL
