#!/usr/bin/env bash
# `fleet submit` and `fleet report` against a real Slurm: munged, slurmctld and three slurmd
# (`slurmd -N`, one host) started here from a generated slurm.conf in a private folder, stopped
# and removed afterwards. Three jobs: `-- topo` and `-- bw ...` leave a result and an exit status
# per node, which fleet report merges; a command that fails on every node is recorded per node
# (NODE.rc), never fatal, and fleet report names the failed nodes (exit 4).
# Exit 77 when Slurm or munge is not installed (scripts/deps installs Debian's).
# usage: slurm_fleet.sh CXLPROBE OUTDIR
set -u
exe=$1 out=$2
for tool in munged munge slurmctld slurmd sbatch srun sinfo scontrol; do
  command -v "$tool" >/dev/null || { echo "skipped: no $tool (apt-get install slurmctld slurmd slurm-client munge)"; exit 77; }
done
rm -rf "$out" && mkdir -p "$out" && chmod 700 "$out"
T=$(cd "$out" && pwd)
fail=0
say() { echo "$1: $2"; if [ "$1" = FAIL ]; then fail=1; fi; return 0; }
stop_cluster() {  # every daemon gone before we return; the folder removed unless a check failed
  local pids pid_file
  pids=$(cat "$T"/slurmd-*.pid "$T/slurmctld.pid" "$T/munge/munged.pid" 2>/dev/null)
  SLURM_CONF=$T/slurm.conf scontrol shutdown >/dev/null 2>&1
  kill $pids 2>/dev/null
  alive() { local p; for p in $pids; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
  for _ in $(seq 50); do
    alive || break
    sleep 0.2
  done
  alive && kill -9 $pids 2>/dev/null
  if [ "$fail" = 0 ]; then rm -rf "$T"; else echo "logs kept in $T/log"; fi
}
trap stop_cluster EXIT

# munge: a key of its own, its socket in the private folder (the host's munged is left alone).
mkdir -p "$T/munge" "$T/state" "$T/log" && chmod 700 "$T/munge"
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none && chmod 600 "$T/munge/munge.key"
munged --force --socket="$T/munge/sock" --key-file="$T/munge/munge.key" --log-file="$T/log/munged.log" \
  --pid-file="$T/munge/munged.pid" --seed-file="$T/munge/seed" ||
  { echo "FAIL: munged did not start"; cat "$T/log/munged.log"; exit 1; }

# Six free TCP ports in a row: slurmctld, slurmd's default, one per slurmd.
base=$(python3 - <<'PY'
import random, socket
for _ in range(200):
    b = random.randrange(20000, 60000)
    try:
        socks = []
        for p in range(b, b + 6):
            s = socket.socket(); s.bind(("127.0.0.1", p)); socks.append(s)
        print(b); break
    except OSError:
        pass
    finally:
        for s in socks: s.close()
PY
)
host=$(hostname -s)
user=$(id -un)
cat >"$T/slurm.conf" <<CONF
ClusterName=cxlprobetest
SlurmctldHost=$host
SlurmctldPort=$base
SlurmdPort=$((base + 1))
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$T/munge/sock
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool/%n
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd-%n.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd-%n.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/linear
MpiDefault=none
ReturnToService=2
InactiveLimit=0
KillWait=5
NodeName=n[1-3] NodeHostname=$host NodeAddr=127.0.0.1 Port=$((base + 2))-$((base + 4)) CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=n[1-3] Default=YES MaxTime=10 State=UP OverSubscribe=EXCLUSIVE
CONF
export SLURM_CONF=$T/slurm.conf
slurmctld -f "$SLURM_CONF" || { echo "FAIL: slurmctld did not start"; cat "$T/log/slurmctld.log"; exit 1; }
for n in n1 n2 n3; do
  mkdir -p "$T/spool/$n"
  slurmd -f "$SLURM_CONF" -N "$n" || { echo "FAIL: slurmd -N $n did not start"; cat "$T/log/slurmd-$n.log"; exit 1; }
done
for _ in $(seq 60); do
  [ "$(sinfo -h -o '%T %D' 2>/dev/null)" = "idle 3" ] && break
  sleep 0.5
done
[ "$(sinfo -h -o '%T %D')" = "idle 3" ] && say ok "a cluster of 3 slurmd nodes is up" ||
  { say FAIL "nodes not idle: $(sinfo -h 2>&1)"; tail -5 "$T/log/slurmctld.log"; exit 1; }

submit() {  # submit DIR COMMAND...: fleet submit --wait on the three nodes
  local dir=$1
  shift
  "$exe" fleet submit --nodes 3 --time 00:05:00 --out "$dir" --wait --json "$dir.submit.json" -q -- "$@"
}
check_nodes() {  # check_nodes DIR WHAT: a result file and exit status 0 from each node
  local n ok=1
  for n in n1 n2 n3; do
    [ -s "$1/$n.json" ] && [ "$(cat "$1/$n.rc" 2>/dev/null)" = 0 ] || ok=0
  done
  [ "$ok" = 1 ] && say ok "$2: n1, n2 and n3 each left NODE.json and NODE.rc = 0" ||
    { say FAIL "$2: files: $(ls "$1" | tr '\n' ' ')"; cat "$1"/slurm-*.out 2>/dev/null | tail -5; }
}

submit "$T/topo" topo && check_nodes "$T/topo" "submit -- topo"
[ "$(cat "$T/topo/allocated-nodes.txt" 2>/dev/null | tr '\n' ' ')" = "n1 n2 n3 " ] &&
  say ok "the job's nodes are recorded (allocated-nodes.txt)" || say FAIL "allocated-nodes.txt"
"$exe" fleet report "$T/topo" -o "$T/topo-report" >"$T/topo.txt" 2>&1
rc=$?
[ "$rc" = 0 ] && grep -q "Summary: 3 nodes, .*uniform" "$T/topo.txt" && [ -s "$T/topo-report/report.html" ] &&
  say ok "fleet report: 3 nodes of one topology are uniform (exit 0), report.html written" ||
  { say FAIL "fleet report of topo: exit $rc"; cat "$T/topo.txt"; }

submit "$T/bw" bw --tier dram --size 16MiB --threads 1 --reps 3 --warmup 1 && check_nodes "$T/bw" "submit -- bw"
"$exe" fleet report "$T/bw" --json "$T/bw.json" -q
rc=$?
# Three nodes on one host share its cores: which one reads slowest is chance, not a finding.
python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))["analysis"]["fleet"]
m = {x["name"]: x for x in f["measurements"]}
ok = sorted(f["nodes"]) == ["n1", "n2", "n3"] and m["cpu read dram"]["nodes"] == 3
sys.exit(0 if ok else 1)' "$T/bw.json" && [ "$rc" = 0 -o "$rc" = 4 ] &&
  say ok "fleet report: the CPU read of dram measured on each of the 3 nodes" || say FAIL "fleet report of bw: exit $rc"

submit "$T/bad" bw --tier file:/nonexistent/cxlprobe.bin --size 16MiB
rc=$?
[ "$rc" != 0 ] && python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
v = {m["name"]: m["value"] for m in r["metrics"]}
sys.exit(0 if v["nodes_ok"] == 0 and v["nodes_failed"] == 3 else 1)' "$T/bad.submit.json" &&
  say ok "a command that fails on every node: submit says 0 ok, 3 failed (exit $rc)" || say FAIL "failing submit: exit $rc"
"$exe" fleet report "$T/bad" --json "$T/bad.json" -q
rc=$?
[ "$rc" = 4 ] && python3 -c '
import json, sys
f = json.load(open(sys.argv[1]))["analysis"]["fleet"]["failed"]
sys.exit(0 if [x["node"] for x in f] == ["n1", "n2", "n3"] and all("exit status 2" in x["reason"] for x in f) else 1)' "$T/bad.json" &&
  say ok "fleet report names the 3 failed nodes with their exit status (exit 4)" || say FAIL "fleet report of failures: exit $rc"
exit $fail
