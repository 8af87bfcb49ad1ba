#!/usr/bin/env bash
# Makes sure the database servers the tests use are running on this machine: PostgreSQL on
# 127.0.0.1:5432 and MariaDB on 127.0.0.1:3306, started with the machine's own commands when
# they have stopped. Exits non-zero, naming the server, when one cannot be reached.
set -uo pipefail

wait_for() { # name, check command...
	local name=$1
	shift
	for _ in $(seq 1 60); do
		if "$@" >/dev/null 2>&1; then
			echo "dbs-up: $name is up"
			return 0
		fi
		sleep 1
	done
	echo "dbs-up: $name did not come up within 60s" >&2
	return 1
}

rc=0
if [[ -n "${DORM_TEST_POSTGRES_URL:-}" ]]; then
	echo "dbs-up: PostgreSQL from DORM_TEST_POSTGRES_URL; not starting a local server"
elif ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
	echo "dbs-up: PostgreSQL is not answering on 127.0.0.1:5432; starting it"
	if command -v pg_ctlcluster >/dev/null && [[ -d /etc/postgresql ]]; then
		pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
	fi
	wait_for PostgreSQL pg_isready -h 127.0.0.1 -p 5432 || rc=1
else
	echo "dbs-up: PostgreSQL is up"
fi

if [[ -n "${DORM_TEST_MYSQL_URL:-}" ]]; then
	echo "dbs-up: MySQL from DORM_TEST_MYSQL_URL; not starting a local server"
elif ! mysqladmin -h 127.0.0.1 -P 3306 -uroot ping >/dev/null 2>&1; then
	echo "dbs-up: MariaDB is not answering on 127.0.0.1:3306; starting it"
	if [[ -x /usr/sbin/mariadbd ]]; then
		start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd || true
	fi
	wait_for MariaDB mysqladmin -h 127.0.0.1 -P 3306 -uroot ping || rc=1
else
	echo "dbs-up: MariaDB is up"
fi
exit $rc
