# Sourced: s3_start brings up a throwaway S3-protocol server (moto in server mode, from the
# dev extras) on a loopback port and exports OMNI_TEST_S3_ENDPOINT_URL, which the object
# storage tests upload to; s3_stop ends it. The caller stops it (trap ... EXIT).
S3_PORT=${S3_PORT:-59000}

s3_start() {
  [ -x .venv/bin/moto_server ] || return 1
  S3_DIR=$(mktemp -d /tmp/omni-s3.XXXXXX)
  .venv/bin/moto_server -H 127.0.0.1 -p "$S3_PORT" >"$S3_DIR/log" 2>&1 &
  S3_PID=$!
  export S3_DIR S3_PID
  local _
  for _ in $(seq 100); do
    if .venv/bin/python -c "import urllib.request as u; u.urlopen('http://127.0.0.1:$S3_PORT/')" \
      2>/dev/null; then
      export OMNI_TEST_S3_ENDPOINT_URL="http://127.0.0.1:$S3_PORT"
      return 0
    fi
    kill -0 "$S3_PID" 2>/dev/null || break
    sleep 0.2
  done
  s3_stop
  return 1
}

s3_stop() {
  [ -n "${S3_DIR:-}" ] || return 0
  kill "$S3_PID" 2>/dev/null || true
  wait "$S3_PID" 2>/dev/null || true
  rm -rf "$S3_DIR"
  unset S3_DIR S3_PID OMNI_TEST_S3_ENDPOINT_URL
}
