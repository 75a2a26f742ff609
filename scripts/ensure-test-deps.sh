#!/usr/bin/env bash
# Installs the real components the test suite runs against, when they are missing:
# Prometheus + promtool, Alertmanager, headless Chromium, SciPy (Debian's python3),
# PostgreSQL server, docker-compose (config validation only), nginx + njs (tap mode), hey (bench),
# VictoriaMetrics + vmalert (the second Prometheus-API backend of the window tests; one Debian package ships both).
set -euo pipefail

need=()
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 || need+=(prometheus-alertmanager)
[ -x /usr/bin/chromium ] || need+=(chromium)
/usr/bin/python3 -c 'import scipy' >/dev/null 2>&1 || need+=(python3-scipy)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
# nginx with njs: the tap-mode tests run the shipped deploy/nginx configuration in a real nginx.
command -v nginx >/dev/null 2>&1 || need+=(nginx)
[ -f /usr/lib/nginx/modules/ngx_http_js_module.so ] || need+=(libnginx-mod-http-js)
# hey: the bursty load generator of bench/sidecar (not used by tests).
command -v hey >/dev/null 2>&1 || need+=(hey)
{ [ -x /usr/bin/victoria-metrics ] && [ -x /usr/bin/vmalert ]; } || need+=(victoria-metrics)

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
echo "ensure-test-deps: installing ${need[*]}"
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The Debian packages start services on install where systemd runs; tests start their own
# instances on loopback ports, so stop any that were started (ignored where there is no systemd).
for svc in prometheus prometheus-alertmanager postgresql nginx victoria-metrics; do
  $SUDO systemctl stop "$svc" >/dev/null 2>&1 || true
done
