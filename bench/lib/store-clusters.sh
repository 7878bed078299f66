# Sourced by the store benches: the two 3-member stores they compare, on loopback.

# Starts a 3-member etcd; does not wait for it.
#   start_etcd_members DATA_DIR LOG_PREFIX CLIENT_PORT   (client ports CLIENT_PORT, +2 and +4,
#   each member's peer port one above its client port)
# Sets etcd_pids (array), etcd_endpoints (comma-separated host:port) and etcd_urls (the same as
# http:// URLs); appends the pids to the caller's pids array, which its cleanup kills.
start_etcd_members() {
  local dir="$1" log="$2" base="$3" i client peer cluster=""
  for i in 1 2 3; do
    cluster="${cluster:+$cluster,}e$i=http://127.0.0.1:$((base + 2 * i - 1))"
  done
  etcd_pids=()
  etcd_endpoints=""
  etcd_urls=""
  for i in 1 2 3; do
    client=$((base + 2 * i - 2)); peer=$((base + 2 * i - 1))
    etcd --name "e$i" --data-dir "$dir/e$i" \
      --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
      --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
      --initial-cluster "$cluster" --initial-cluster-state new --logger zap --log-level error \
      >"$log-$i.log" 2>&1 &
    pids+=($!)
    etcd_pids+=($!)
    etcd_endpoints="${etcd_endpoints:+$etcd_endpoints,}127.0.0.1:$client"
    etcd_urls="${etcd_urls:+$etcd_urls,}http://127.0.0.1:$client"
  done
}

# Starts a 3-peer Capstan store through the launcher (so it runs with the JVM options users get)
# and waits until it takes writes.
#   start_capstan_store_peers ROOT WORK_DIR   (client ports 23379/81/83, Raft ports 23380/82/84)
# Sets capstan_pids (array) and capstan_endpoints (comma-separated http:// URLs); appends the
# pids to the caller's pids array, which its cleanup kills.
start_capstan_store_peers() {
  local root="$1" work="$2" i client peer
  local cluster="c1=127.0.0.1:23380,c2=127.0.0.1:23382,c3=127.0.0.1:23384"
  local urls="c1=http://127.0.0.1:23379,c2=http://127.0.0.1:23381,c3=http://127.0.0.1:23383"
  capstan_pids=()
  for i in 1 2 3; do
    client=$((23377 + 2 * i)); peer=$((23378 + 2 * i))
    CAPSTAN_NO_REBUILD=1 "$root/capstan" store --name "c$i" --data-dir "$work/capstan-$i" \
      --raft-port "$peer" --client-port "$client" --initial-cluster "$cluster" \
      --cluster-client-urls "$urls" >"$work/capstan-$i.log" 2>&1 &
    pids+=($!)
    capstan_pids+=($!)
  done
  capstan_endpoints="http://127.0.0.1:23379,http://127.0.0.1:23381,http://127.0.0.1:23383"
  wait_for_writes 127.0.0.1:23379
}

# Waits (up to a minute) until ENDPOINT takes a put.
wait_for_writes() {
  for _ in $(seq 1 120); do
    ETCDCTL_API=3 etcdctl --endpoints "$1" put /bench-ready x >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "no write went through $1 within a minute" >&2
  return 1
}
