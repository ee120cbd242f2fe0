#!/bin/sh
# The database image's entrypoint (scripts/build-database-image.sh): MariaDB, from Debian's
# mariadb-server, standing in for MySQL in the real-node tests (Debian does not package Oracle's
# MySQL server; MariaDB speaks the MySQL protocol). What a MySQLCluster member's container needs:
#   - on the first start (no $DATADIR/mysql), initialises the data directory with
#     mariadb-install-db, then, with a server that listens on no port, sets root's password from
#     MYSQL_ROOT_PASSWORD (required), for root@localhost and root@'%', password only (no
#     unix_socket); the password goes to the client on its stdin, never on a command line, and is
#     never printed. Later starts keep the data and the password it holds;
#   - reads /etc/mysql/my.cnf, which includes /etc/mysql/conf.d/*.cnf (the ConfigMap's my.cnf);
#   - execs mariadbd listening on 0.0.0.0:3306, so the tcpSocket probe passes only once the real
#     server runs.
# It starts as root because the data directory may be a folder only root can write (the host-path
# provisioner makes them 0750 root:root, and the kubelet applies no fsGroup to a hostPath volume):
# it gives the folder to the `mysql` user, and mariadbd runs as `mysql` (--user), never as root.
set -eu

DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/init.sock
log() { printf 'entrypoint: %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  log "must start as root (it gives $DATADIR to the mysql user; the server then runs as mysql)"
  exit 1
fi
mkdir -p /run/mysqld
chown mysql:mysql /run/mysqld "$DATADIR"

if [ ! -d "$DATADIR/mysql" ]; then
  if [ -z "${MYSQL_ROOT_PASSWORD:-}" ]; then
    log "MYSQL_ROOT_PASSWORD is empty or unset: refusing to initialise $DATADIR"
    exit 1
  fi
  log "initialising $DATADIR"
  # --cross-bootstrap --skip-name-resolve, as Debian's postinst and MariaDB's own image: no account
  # for the host's name, which a container need not resolve.
  if ! out=$(mariadb-install-db --user=mysql --datadir="$DATADIR" --skip-test-db --cross-bootstrap \
    --skip-name-resolve --auth-root-authentication-method=socket 2>&1); then
    printf '%s\n' "$out" >&2
    exit 1
  fi
  mariadbd --user=mysql --datadir="$DATADIR" --skip-networking --socket="$SOCKET" &
  pid=$!
  i=0
  until mariadb-admin --socket="$SOCKET" ping >/dev/null 2>&1; do
    i=$((i + 1))
    if [ "$i" -ge 60 ] || ! kill -0 "$pid" 2>/dev/null; then
      log "the server started for initialisation did not answer"
      exit 1
    fi
    sleep 1
  done
  # Quoted for a SQL string literal: each \ and ' doubled (the Secret's passwords are base64url).
  quoted=$(printf '%s' "$MYSQL_ROOT_PASSWORD" | sed "s/\\\\/\\\\\\\\/g; s/'/''/g")
  # printf is a shell builtin: the password is on no process's command line.
  printf "ALTER USER 'root'@'localhost' IDENTIFIED BY '%s';
CREATE USER 'root'@'%%' IDENTIFIED BY '%s';
GRANT ALL ON *.* TO 'root'@'%%' WITH GRANT OPTION;
DROP USER IF EXISTS 'mysql'@'localhost';
FLUSH PRIVILEGES;
" "$quoted" "$quoted" | mariadb --socket="$SOCKET" -uroot
  unset quoted
  kill "$pid"
  wait "$pid" || true
  log "initialised $DATADIR; root's password is the Secret's"
fi

unset MYSQL_ROOT_PASSWORD
exec mariadbd --user=mysql --datadir="$DATADIR" --bind-address=0.0.0.0 --port=3306 "$@"
