#!/usr/bin/env bash
# Give the local MariaDB (127.0.0.1:3306) TLS, so the check tests can provoke REQUIRE SSL for
# real. Restarts mariadbd with a self-signed certificate for 127.0.0.1/localhost; if it does
# not come back with TLS, starts it as it was and says so (those tests then skip, named).
set -euo pipefail
dir=/var/lib/hostkontor-ci-mariadb-tls
ping() { mysqladmin --protocol=tcp -h 127.0.0.1 -u root ping >/dev/null 2>&1; }
have_ssl() { mysql --protocol=tcp -h 127.0.0.1 -u root -N -e "SELECT @@have_ssl" 2>/dev/null; }
restart() {
  mysqladmin --protocol=tcp -h 127.0.0.1 -u root shutdown || true
  for _ in $(seq 1 30); do pgrep -x mariadbd >/dev/null || break; sleep 1; done
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- "$@"
  for _ in $(seq 1 60); do ping && return 0; sleep 1; done
  return 1
}
[ "$(have_ssl)" = "YES" ] && { echo "MariaDB already has TLS"; exit 0; }
mkdir -p "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=127.0.0.1" \
  -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
chown -R mysql:mysql "$dir"
chmod 600 "$dir/key.pem"
if restart --ssl-cert="$dir/cert.pem" --ssl-key="$dir/key.pem" && [ "$(have_ssl)" = "YES" ]; then
  echo "MariaDB restarted with TLS ($dir/cert.pem)"
else
  echo "MariaDB did not start with TLS; starting it without" >&2
  restart
fi
