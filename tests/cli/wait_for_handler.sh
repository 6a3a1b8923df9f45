# Sourced by the signal tests. A background job of a non-interactive shell starts with SIGINT
# ignored until cxlprobe installs its handler (a sanitizer build takes seconds to get there):
# wait until /proc says the handler is in place (SigCgt bit 2 = SIGINT).
wait_for_handler() {
  for _ in $(seq 600); do
    mask=$(awk '/^SigCgt:/ {print $2}' "/proc/$1/status" 2>/dev/null) || return 0
    [ -n "$mask" ] && [ $((0x$mask & 2)) -ne 0 ] && return 0
    sleep 0.05
  done
}
