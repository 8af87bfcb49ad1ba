#!/usr/bin/env bash
# Says, loudly, which database suites `make test` will skip because their server cannot be
# reached (go test prints nothing for a skipped test without -v). It never fails: the tests
# themselves skip, or fail when CI=true.
set -uo pipefail

hostport() { # URL, default port -> host:port
	local rest=${1#*://}
	rest=${rest#*@}
	rest=${rest%%/*}
	rest=${rest%%\?*}
	[[ $rest == *:* ]] || rest="$rest:$2"
	echo "$rest"
}

check() { # name, variable, URL, default port, packages
	local hp
	hp=$(hostport "$3" "$4")
	if timeout 2 bash -c "</dev/tcp/${hp%:*}/${hp##*:}" 2>/dev/null; then
		echo "dbs-check: $1 at $hp: the $5 suites run"
	else
		echo "================================================================================"
		echo "SKIPPED: the $1 suites ($5): no server at $hp."
		echo "         Start it (bash scripts/dbs-up.sh) or point $2 at one."
		[[ ${CI:-} == true ]] && echo "         CI=true: these suites will FAIL instead of skipping."
		echo "================================================================================"
	fi
}

check PostgreSQL DORM_TEST_POSTGRES_URL "${DORM_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}" 5432 "drivers/postgres, cmd/dorm"
check MySQL DORM_TEST_MYSQL_URL "${DORM_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}" 3306 "drivers/mysql, cmd/dorm"
exit 0
