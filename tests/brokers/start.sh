#!/bin/bash
# tests/brokers/start.sh — install (if missing) and start the real test brokers
# used by the bricks broker tests, on a Debian 12 machine without an init
# system, as root; idempotent (a running broker is left alone).
#
#   start.sh [start]   install, start RabbitMQ + ActiveMQ + Qpid, wait, print URIs
#   start.sh stop      stop them by pidfile (and the epmd RabbitMQ spawned)
#   start.sh status    show what is listening; exit 1 unless all brokers listen
#
# Go tests find the brokers through internal/brokertest (same ports as below).
#
# RabbitMQ 3.10 (Debian rabbitmq-server): STOMP 61613, AMQP 0-9-1 + AMQP 1.0 5672,
#   user guest/guest (loopback only), vhost "/".
# ActiveMQ 5.17 (Debian activemq): STOMP 61614, OpenWire 61616, users admin/admin
#   and guest/guest. Debian's ActiveMQ has NO AMQP transport (no activemq-amqp /
#   proton-j jars in Debian), so there is no ActiveMQ AMQP 1.0 port.
# Qpid Proton's example broker (Debian python3-qpid-proton +
#   libqpid-proton11-dev-examples): AMQP 1.0 on 127.0.0.1:5673, in-memory, no
#   SASL (connect with SASL ANONYMOUS); run with Debian's /usr/bin/python3.
# Environment overrides: BROKERS (default "rabbitmq activemq qpid"), AMQ_BASE,
#   AMQ_STOMP_PORT, AMQ_OPENWIRE_PORT, QPID_PORT, START_TIMEOUT (seconds, default 90).
set -euo pipefail
# No job control, even when the caller exported SHELLOPTS with monitor on:
# a background subshell is then no process group leader, so setsid does
# not fork and $! is the broker's own pid (the pid files rely on it).
set +m

BROKERS=${BROKERS:-"rabbitmq activemq qpid"}
START_TIMEOUT=${START_TIMEOUT:-90}
RMQ_PIDFILE=/var/lib/rabbitmq/bricks-rabbit.pid
RMQ_EPMD_PIDFILE=/var/lib/rabbitmq/bricks-epmd.pid
AMQ_BASE=${AMQ_BASE:-/var/lib/activemq/bricks}
AMQ_PIDFILE=$AMQ_BASE/activemq.pid
AMQ_STOMP_PORT=${AMQ_STOMP_PORT:-61614}
AMQ_OPENWIRE_PORT=${AMQ_OPENWIRE_PORT:-61616}
QPID_PORT=${QPID_PORT:-5673}
QPID_DIR=/var/lib/bricks-qpid
QPID_PIDFILE=$QPID_DIR/qpid.pid
QPID_EXAMPLE=/usr/share/proton/examples/python/broker.py
# The example, run through a launcher that fixes a reactor crash (see it).
QPID_BROKER="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/qpid_broker.py"

log() { echo "[brokers] $*" >&2; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
want() { case " $BROKERS " in *" $1 "*) return 0;; esac; return 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() { # port pid-or-empty
  local i
  for ((i = 0; i < START_TIMEOUT * 4; i++)); do
    port_open "$1" && return 0
    if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then return 1; fi
    sleep 0.25
  done
  return 1
}
# pids_of NAME: pids of processes named NAME (pgrep is missing on minimal images).
pids_of() {
  if command -v pgrep >/dev/null; then pgrep -x "$1"; return; fi
  local d
  for d in /proc/[0-9]*; do [ "$(cat "$d/comm" 2>/dev/null)" = "$1" ] && echo "${d#/proc/}"; done
  return 0
}
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

install_pkgs() {
  local missing=()
  want rabbitmq && ! command -v rabbitmq-server >/dev/null && missing+=(rabbitmq-server)
  want activemq && [ ! -f /usr/share/activemq/bin/activemq.jar ] && missing+=(activemq)
  if want qpid; then
    [ -f "$QPID_EXAMPLE" ] || missing+=(libqpid-proton11-dev-examples)
    /usr/bin/python3 -c 'import proton' 2>/dev/null || missing+=(python3-qpid-proton)
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]} (apt)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# bounded CMD...: every broker command runs under a time limit, so a start
# that hangs fails this script (with the broker's log) instead of CI's run.
bounded() { timeout -k 10 "$START_TIMEOUT" "$@"; }

# rabbit_log_tail: what the node said, for a failed start.
rabbit_log_tail() {
  local f
  for f in /var/log/rabbitmq/startup_err /var/log/rabbitmq/startup_log /var/log/rabbitmq/rabbit@*.log; do
    [ -s "$f" ] || continue
    echo "--- $f (last lines)"; tail -15 "$f"
  done >&2
}

# kill_rabbitmq: the node of a failed start, and any node left over (the
# pid file a SIGKILLed node leaves behind may name another process by now:
# what is killed is user rabbitmq's Erlang VMs).
kill_rabbitmq() {
  local p i vms=()
  for p in $(pids_of beam.smp); do
    [ "$(stat -c %U "/proc/$p" 2>/dev/null)" = rabbitmq ] && vms+=("$p")
  done
  if [ ${#vms[@]} -gt 0 ]; then
    kill -9 "${vms[@]}" 2>/dev/null || true
    # gone, not dying: a new node must not meet the old one's ports
    for ((i = 0; i < 40; i++)); do
      kill -0 "${vms[@]}" 2>/dev/null || break
      sleep 0.25
    done
  fi
  rm -f "$RMQ_PIDFILE"
  return 0
}

# rabbitmq_boot: one start of the node, every step bounded; fails unless
# the node serves STOMP and AMQP in time.
rabbitmq_boot() {
  # -detached forks beam.smp as user rabbitmq; RABBITMQ_PID_FILE is written by the node
  RABBITMQ_PID_FILE=$RMQ_PIDFILE bounded rabbitmq-server -detached >/dev/null 2>&1 &&
    bounded rabbitmqctl wait "$RMQ_PIDFILE" --timeout "$START_TIMEOUT" >/dev/null &&
    bounded rabbitmq-diagnostics -q check_port_connectivity >/dev/null &&
    wait_port 61613 && wait_port 5672
}

start_rabbitmq() {
  if alive "$RMQ_PIDFILE" && port_open 61613 && port_open 5672; then
    log "rabbitmq already running (pid $(cat "$RMQ_PIDFILE"))"; return
  fi
  # getent must resolve the short host name, Erlang's node name is rabbit@$(hostname -s)
  getent hosts "$(hostname -s)" >/dev/null || echo "127.0.0.1 $(hostname -s)" >>/etc/hosts
  cat >/etc/rabbitmq/rabbitmq.conf <<'EOF'
listeners.tcp.default = 5672
stomp.listeners.tcp.1 = 61613
stomp.default_user = guest
stomp.default_pass = guest
loopback_users.guest = true
EOF
  bounded rabbitmq-plugins enable --offline rabbitmq_stomp rabbitmq_amqp1_0 >/dev/null
  local t0 attempt; t0=$(now)
  # A node started right after a SIGKILLed one now and then dies or stalls
  # while booting: it is killed and started again, the last time on a
  # fresh database (the tests declare the queues they use).
  for attempt in 1 2 3; do
    kill_rabbitmq
    if rabbitmq_boot; then
      pids_of epmd | head -1 >"$RMQ_EPMD_PIDFILE" || true
      log "rabbitmq up in $(elapsed "$t0")s (pid $(cat "$RMQ_PIDFILE"), attempt $attempt)"
      return
    fi
    log "rabbitmq start attempt $attempt failed after $(elapsed "$t0")s"
    rabbit_log_tail
    if [ "$attempt" = 2 ]; then
      log "moving the RabbitMQ database aside for the last attempt"
      kill_rabbitmq
      mv /var/lib/rabbitmq/mnesia "/var/lib/rabbitmq/mnesia.failed.$(date +%s)" 2>/dev/null || true
    fi
  done
  kill_rabbitmq
  log "rabbitmq did not start"
  exit 1
}

write_activemq_xml() {
  mkdir -p "$AMQ_BASE/conf" "$AMQ_BASE/data" "$AMQ_BASE/tmp"
  cp /etc/activemq/instances-available/main/log4j2.properties "$AMQ_BASE/conf/" 2>/dev/null || true
  cat >"$AMQ_BASE/conf/activemq.xml" <<EOF
<beans xmlns="http://www.springframework.org/schema/beans"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
  xsi:schemaLocation="http://www.springframework.org/schema/beans http://www.springframework.org/schema/beans/spring-beans-2.0.xsd
  http://activemq.apache.org/schema/core http://activemq.apache.org/schema/core/activemq-core.xsd">
  <bean class="org.springframework.beans.factory.config.PropertyPlaceholderConfigurer"/>
  <broker xmlns="http://activemq.apache.org/schema/core" useJmx="false" brokerName="bricks"
          dataDirectory="\${activemq.data}" schedulerSupport="false">
    <persistenceAdapter><kahaDB directory="\${activemq.data}/kahadb"/></persistenceAdapter>
    <plugins>
      <simpleAuthenticationPlugin anonymousAccessAllowed="false">
        <users>
          <authenticationUser username="admin" password="admin" groups="admins,users"/>
          <authenticationUser username="guest" password="guest" groups="users"/>
        </users>
      </simpleAuthenticationPlugin>
    </plugins>
    <transportConnectors>
      <transportConnector name="openwire" uri="tcp://127.0.0.1:${AMQ_OPENWIRE_PORT}"/>
      <transportConnector name="stomp" uri="stomp+nio://127.0.0.1:${AMQ_STOMP_PORT}"/>
    </transportConnectors>
  </broker>
</beans>
EOF
}

start_activemq() {
  if alive "$AMQ_PIDFILE" && port_open "$AMQ_STOMP_PORT"; then log "activemq already running (pid $(cat "$AMQ_PIDFILE"))"; return; fi
  stop_pidfile activemq "$AMQ_PIDFILE" # alive but deaf: a stuck JVM
  write_activemq_xml
  local t0 pid; t0=$(now)
  # Run the JVM directly: /usr/bin/activemq re-reads /usr/share/activemq/activemq-options,
  # which overrides ACTIVEMQ_BASE and friends; the direct call keeps $! == JVM pid.
  # setsid: a session of its own, so the broker outlives the process group of
  # whatever shell started it (RabbitMQ's -detached does the same).
  (cd "$AMQ_BASE" && exec setsid nohup java -Xms256M -Xmx512M \
    --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED \
    --add-opens java.base/java.util.concurrent=ALL-UNNAMED --add-opens java.base/java.net=ALL-UNNAMED \
    --add-opens java.base/java.security=ALL-UNNAMED \
    -Dactivemq.home=/usr/share/activemq -Dactivemq.base="$AMQ_BASE" -Dactivemq.conf="$AMQ_BASE/conf" \
    -Dactivemq.data="$AMQ_BASE/data" -Djava.io.tmpdir="$AMQ_BASE/tmp" \
    -jar /usr/share/activemq/bin/activemq.jar start "xbean:file:$AMQ_BASE/conf/activemq.xml" \
    >"$AMQ_BASE/activemq.out" 2>&1 </dev/null) &
  pid=$!
  echo "$pid" >"$AMQ_PIDFILE"
  if ! wait_port "$AMQ_STOMP_PORT" "$pid"; then
    log "activemq failed to start; last lines of $AMQ_BASE/activemq.out:"; tail -20 "$AMQ_BASE/activemq.out" >&2; exit 1
  fi
  log "activemq up in $(elapsed "$t0")s (pid $pid)"
}

start_qpid() {
  if alive "$QPID_PIDFILE" && port_open "$QPID_PORT"; then log "qpid already running (pid $(cat "$QPID_PIDFILE"))"; return; fi
  stop_pidfile qpid "$QPID_PIDFILE"
  mkdir -p "$QPID_DIR"
  local t0 pid; t0=$(now)
  # Debian's interpreter: a python3 earlier on PATH (pyenv) lacks the proton module.
  setsid nohup /usr/bin/python3 "$QPID_BROKER" -a "127.0.0.1:$QPID_PORT" >"$QPID_DIR/qpid.out" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$QPID_PIDFILE"
  if ! wait_port "$QPID_PORT" "$pid"; then
    log "qpid failed to start; last lines of $QPID_DIR/qpid.out:"; tail -20 "$QPID_DIR/qpid.out" >&2; exit 1
  fi
  log "qpid up in $(elapsed "$t0")s (pid $pid)"
}

stop_pidfile() { # name pidfile
  if alive "$2"; then
    local pid; pid=$(cat "$2"); kill "$pid"
    for _ in $(seq 1 120); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    log "$1 stopped (pid $pid)"
  fi
  rm -f "$2"
}

stop_all() {
  if want rabbitmq && alive "$RMQ_PIDFILE"; then
    bounded rabbitmqctl stop "$RMQ_PIDFILE" >/dev/null 2>&1 || stop_pidfile rabbitmq "$RMQ_PIDFILE"
    rm -f "$RMQ_PIDFILE"; log "rabbitmq stopped"
  fi
  want rabbitmq && stop_pidfile epmd "$RMQ_EPMD_PIDFILE"
  want activemq && stop_pidfile activemq "$AMQ_PIDFILE"
  want qpid && stop_pidfile qpid "$QPID_PIDFILE"
  return 0
}

print_uris() {
  want rabbitmq && cat <<EOF
RABBITMQ_STOMP_URI=stomp://guest:guest@127.0.0.1:61613      # host header "/"
RABBITMQ_AMQP_URI=amqp://guest:guest@127.0.0.1:5672         # AMQP 1.0 (and 0-9-1) on the same port
EOF
  want activemq && cat <<EOF
ACTIVEMQ_STOMP_URI=stomp://admin:admin@127.0.0.1:${AMQ_STOMP_PORT}
ACTIVEMQ_OPENWIRE_URI=tcp://127.0.0.1:${AMQ_OPENWIRE_PORT}
EOF
  want qpid && cat <<EOF
QPID_AMQP_URI=amqp://127.0.0.1:${QPID_PORT}                 # AMQP 1.0, SASL ANONYMOUS, in-memory
EOF
  return 0
}

case "${1:-start}" in
  start)
    install_pkgs
    want rabbitmq && start_rabbitmq
    want activemq && start_activemq
    want qpid && start_qpid
    print_uris ;;
  stop) stop_all ;;
  status) # ss (iproute2) is missing on minimal images: it only adds detail
          if command -v ss >/dev/null; then
            ss -ltnp | grep -E ":(5672|61613|${AMQ_STOMP_PORT}|${AMQ_OPENWIRE_PORT}|${QPID_PORT}) " || true
          fi
          print_uris
          # exit 0 only when every wanted broker port accepts connections
          ports=()
          want rabbitmq && ports+=(5672 61613)
          want activemq && ports+=("${AMQ_STOMP_PORT}")
          want qpid && ports+=("${QPID_PORT}")
          for p in "${ports[@]}"; do port_open "$p" || exit 1; done ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac
