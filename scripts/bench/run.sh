#!/usr/bin/env bash
# Secateur's benchmarks. They are never part of `mvn verify`; run them here, on a quiet machine if you can.
#
#   scripts/bench/run.sh threshold   # JMH: global 90% cut over 100M scores (radix select, full plan, sort baseline)
#   scripts/bench/run.sh masked      # fine-tuning with masks enforced vs without, LeNet-300-100, paired
#   scripts/bench/run.sh bus         # one pruning step through the event bus vs the plain classes, paired
#   scripts/bench/run.sh backends    # LeNet-5 training throughput per ND4J native classifier, round-robin
#   scripts/bench/run.sh threads     # LeNet-300-100 and LeNet-5 training with 1 vs 2 OpenMP threads, round-robin
#   scripts/bench/run.sh obs         # layer-wise OBS on one 1024x1024 dense layer with 2,048 calibration rows
#   scripts/bench/run.sh statistics  # the statistics pass for OBD (gradients + Fisher) vs a plain forward/backward, paired
#   scripts/bench/run.sh reload      # a jar, then a Groovy source plugin, reloaded 100 and 1000 times: classes and metaspace
#   scripts/bench/run.sh dashboard   # the quick-start run with a dashboard page open on it vs none, paired (needs chromium)
#   scripts/bench/run.sh cluster     # li2016's LeNet-5 sensitivity analysis on 1 vs 2 worker JVMs, alternating (full data)
#   scripts/bench/run.sh peer        # Secateur against PyTorch on the same work, 1 and 2 threads, alternating (full data,
#                                    # and gpt-tiny on python3.11-doc text: GPT_SEQUENCES, default 800; LENET5_EXAMPLES,
#                                    # LENET300_EXAMPLES, SMALL_CONV_EXAMPLES or GPT_SEQUENCES at 0 leave that model out);
#                                    # PEER_BEFORE=1 adds Secateur on DL4J's own paths and the generic build;
#                                    # PEER_BEFORE_OPTS='-Dkey=value ...' adds this build run with those JVM options
#                                    # (say -Dsecateur.training.dl4jConvolutions=true), side by side
#   scripts/bench/run.sh profile     # Java Flight Recorder on LeNet-5 and resnet-small training at batch 64 and on
#                                    # batch-1 inference of the LeNets: the top frames of each (full data)
#   scripts/bench/run.sh onednn      # oneDNN's own account (DNNL_VERBOSE) of LeNet-5 training: Secateur with DL4J's
#                                    # convolution layers, Secateur, then PyTorch
#   scripts/bench/run.sh moments     # a dense control through 16 cosine-decayed epochs, Adam's tiny values flushed vs
#                                    # kept (subnormal floats), epoch by epoch alternating (full data; EPOCHS=16)
#   scripts/bench/run.sh evalbatch   # the evaluator through DL4J at batch 1,000 vs in batches sized to memory, each built-in
#                                    # convolutional network and scripts/interop/example model, the order flipped each round (full data; ROUNDS, default 5)
#   scripts/bench/run.sh denseproducts # LeNet-300-100's eight products per training batch through Nd4j.gemm (oneDNN's matmul)
#                                    # vs OpenBLAS's cblas_sgemm, alternating, at batch 32 to 1,000, then the forward ones alone (ROUNDS, default 5)
#   scripts/bench/run.sh smallbatch  # each built-in through SmallBatchForward vs DL4J's output at batch 1 to 32 (LeNet-300-100 to 1,000)
#   scripts/bench/run.sh testjit     # bin/secateur as the integration tests start it, with the JIT's C2 and stopped at C1,
#                                    # alternating: a script refused at its first line, and integration-tests' lenet300-subset.groovy
#   scripts/bench/run.sh testforks   # a module's tests (TESTFORKS_MODULE, default framework/core) with each fork count of
#                                    # TESTFORKS (default "2 3"), alternating: wall and CPU seconds, and every test must pass;
#                                    # it first installs this checkout's snapshot into the local Maven repository
#   scripts/bench/run.sh pair D.zip P.zip  # a dense model and its shrunk version timed side by side, as at removal
#   scripts/bench/run.sh onnx D.onnx P.onnx [--rounds N] [--data DIR]
#                                    # two ONNX files in onnxruntime, one thread, alternating at batch 1 and 256;
#                                    # --data DIR adds each one's accuracy on the test split of the IDX files there
#
# The full Fashion-MNIST is used when `apt-get install dataset-fashion-mnist` has put it in
# /usr/share/datasets/fashion-mnist; otherwise the embedded subset.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CALLER_DIR="$PWD"
cd "$ROOT"
WHAT="${1:-all}"
# the same OpenMP default as bin/secateur
CORES="$(nproc 2>/dev/null || echo 2)"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-$(( CORES > 2 ? CORES / 2 : 1 ))}"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
ROUNDS="${ROUNDS:-5}"
JAVA_OPTS=(-Xmx8g -Dlogback.configurationFile="$ROOT/config/logback.xml")

BUILT=""
build() { # [classifier]: prints the benchmark classpath, with that ND4J native build
  local classifier="${1:-}"
  local extra=()
  [[ -n "$classifier" ]] && extra=(-Dnd4j.classifier="$classifier")
  if [[ -z "$BUILT" ]]; then
    mvn -q -B -Dstyle.color=never -DskipTests -pl scripts/bench -am install >&2
    BUILT=1
  fi
  mvn -q -B -Dstyle.color=never "${extra[@]}" -pl scripts/bench dependency:build-classpath \
      -Dmdep.outputFile="$ROOT/scripts/bench/target/classpath${classifier:+-$classifier}.txt" >&2
  echo "$ROOT/scripts/bench/target/classes:$(cat "$ROOT/scripts/bench/target/classpath${classifier:+-$classifier}.txt")"
}

run_threshold() {
  local cp; cp="$(build)"
  java "${JAVA_OPTS[@]}" -cp "$cp" org.openjdk.jmh.Main ThresholdBenchmark -jvmArgsPrepend "-Dlogback.configurationFile=$ROOT/config/logback.xml"
}

run_masked() {
  local cp; cp="$(build)"
  java "${JAVA_OPTS[@]}" -cp "$cp" dev.secateur.bench.MaskedFineTuneBench "$ROUNDS"
}

run_bus() {
  local cp; cp="$(build)"
  java "${JAVA_OPTS[@]}" -Dsecateur.bench.plugins="$ROOT/scripts/bench/target/plugins" -cp "$cp" dev.secateur.bench.BusOverheadBench "$ROUNDS"
}

run_backends() {
  local variants=(${BACKENDS:-linux-x86_64 linux-x86_64-avx2 linux-x86_64-avx512 linux-x86_64-onednn-avx2})
  declare -A cps
  for v in "${variants[@]}"; do
    # the base linux-x86_64 jar is always on the classpath; JavaCPP prefers the more specific build
    cps[$v]="$(build "$v")"
  done
  local results="$ROOT/scripts/bench/target/backends.txt"
  : > "$results"
  for round in $(seq 1 "${BACKEND_ROUNDS:-3}"); do
    for v in "${variants[@]}"; do
      line="$(java "${JAVA_OPTS[@]}" -Dorg.bytedeco.javacpp.cachedir="$ROOT/target/javacpp-cache" -cp "${cps[$v]}" \
              dev.secateur.bench.BackendBench "${EXAMPLES:-3000}" | grep '^BACKEND')"
      echo "round $round classifier $v: $line" | tee -a "$results"
    done
  done
  echo "median training examples/s per classifier, batch 64 (and ratio to linux-x86_64):"
  python3 - "$results" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"round \d+ classifier (\S+): BACKEND (\S+) lenet5_examples_per_s (\S+) lenet300_examples_per_s (\S+)", line)
    if m:
        rows.setdefault(m.group(1), []).append((m.group(2), float(m.group(3)), float(m.group(4))))
def med(values, i):
    return statistics.median(v[i] for v in values)
base = rows.get("linux-x86_64")
for classifier, values in rows.items():
    loaded = ",".join(sorted({v[0] for v in values}))
    r5 = f" x{med(values, 1) / med(base, 1):.3f}" if base else ""
    r3 = f" x{med(values, 2) / med(base, 2):.3f}" if base else ""
    print(f"  {classifier:26s} loaded {loaded:26s} LeNet-5 {med(values, 1):7.1f}{r5}   LeNet-300-100 {med(values, 2):8.1f}{r3}")
PY
}

run_threads() {
  local cp; cp="$(build)"
  local results="$ROOT/scripts/bench/target/threads.txt"
  : > "$results"
  for round in $(seq 1 "${THREAD_ROUNDS:-3}"); do
    for omp in 1 2; do
      line="$(OMP_NUM_THREADS=$omp java "${JAVA_OPTS[@]}" -cp "$cp" dev.secateur.bench.BackendBench "${EXAMPLES:-3000}" | grep '^BACKEND')"
      echo "round $round omp $omp: $line" | tee -a "$results"
    done
  done
  python3 - "$results" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"round \d+ omp (\d+): BACKEND \S+ lenet5_examples_per_s (\S+) lenet300_examples_per_s (\S+)", line)
    if m:
        rows.setdefault(m.group(1), []).append((float(m.group(2)), float(m.group(3))))
for model, i in (("LeNet-5", 0), ("LeNet-300-100", 1)):
    med = {omp: statistics.median(v[i] for v in values) for omp, values in rows.items()}
    print(f"  {model:14s} OMP_NUM_THREADS=1 {med['1']:8.1f} ex/s, =2 {med['2']:8.1f} ex/s, ratio 1/2 = x{med['1'] / med['2']:.2f}")
PY
}

run_obs() {
  local cp; cp="$(build)"
  java "${JAVA_OPTS[@]}" -Dsecateur.bench.plugins="$ROOT/scripts/bench/target/plugins" -cp "$cp" dev.secateur.bench.LayerwiseObsBench "$ROUNDS"
}

run_statistics() {
  local cp; cp="$(build)"
  java "${JAVA_OPTS[@]}" -Dsecateur.bench.plugins="$ROOT/scripts/bench/target/plugins" -cp "$cp" \
      dev.secateur.bench.StatisticsPassBench "$ROUNDS" "${EXAMPLES:-4096}"
}

run_reload() {
  local cp; cp="$(build)"
  # the second pass turns off C2's profiling, whose MethodData for the host's own warming code also lives in metaspace
  for jit in "" "-XX:TieredStopAtLevel=1"; do
    for kind in jar groovy; do
      echo "${jit:-default JIT}:"
      java "${JAVA_OPTS[@]}" $jit -Dsecateur.bench.plugins="$ROOT/scripts/bench/target/plugins" -cp "$cp" \
          dev.secateur.bench.PluginReloadBench "${RELOADS:-100,1000}" "$kind"
    done
  done
}

run_dashboard() {
  local cp; cp="$(build)"
  java "${JAVA_OPTS[@]}" -Dsecateur.bench.plugins="$ROOT/scripts/bench/target/plugins" -cp "$cp" \
      dev.secateur.bench.DashboardOverheadBench "$ROUNDS" scripts/quickstart.groovy
}

run_testforks() {
  local module="${TESTFORKS_MODULE:-framework/core}" counts=(${TESTFORKS:-2 3})
  # failsafe's forks are it.forks, surefire's test.forks (pom.xml)
  local goal prop
  goal="$([[ $module == integration-tests ]] && echo verify || echo test)"
  prop="$([[ $module == integration-tests ]] && echo it.forks || echo test.forks)"
  # the integration tests start bin/secateur, which starts from the class-data archive the package phase dumps
  mvn -q -B -Dstyle.color=never -DskipTests install >&2
  local dir="$ROOT/scripts/bench/target/testforks"
  rm -rf "$dir"; mkdir -p "$dir"
  local results="$dir/results.txt"
  : > "$results"
  local TIMEFORMAT='%R %U %S'
  for round in $(seq 1 "$ROUNDS"); do
    for forks in "${counts[@]}"; do
      local log="$dir/round-$round-forks-$forks.log" t status=0
      t="$( { LC_ALL=C; time mvn -B -o -Dstyle.color=never "$goal" -pl "$module" -D"$prop"="$forks" > "$log" 2>&1 ; } 2>&1 )" || status=$?
      if [[ $status != 0 ]]; then
        echo "testforks: $module's tests failed with $forks forks; see $log" >&2
        exit 1
      fi
      # the module's summary line: INFO, or WARNING where a test was skipped (outside CI, for want of installed data)
      local tests; tests="$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E '^\[(INFO|WARNING)\] Tests run: [0-9]+, Failures: 0, Errors: 0, Skipped: [0-9]+$' \
          | tail -1 | sed -E 's/.*Tests run: ([0-9]+).*Skipped: ([0-9]+)$/\1 tests (\2 skipped)/' || true)"
      echo "$forks $t $tests" | tee -a "$results" >&2
    done
  done
  echo "testforks: $module, ${ROUNDS} alternating rounds; wall and CPU (user + system) seconds of mvn $goal, medians; ratio = the first count's wall / this count's"
  awk -v first="${counts[0]}" '
    function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                       return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    { n[$1]++; w[$1, n[$1]] = $2; c[$1, n[$1]] = $3 + $4; tests[$1] = ""; for (i = 5; i <= NF; i++) tests[$1] = tests[$1] (i > 5 ? " " : "") $i
      if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
    END { for (i = 1; i <= k; i++) { f = order[i]; delete ws; delete cs
            for (j = 1; j <= n[f]; j++) { ws[j] = w[f, j]; cs[j] = c[f, j] }
            mw[f] = median(ws, n[f]); mc[f] = median(cs, n[f]) }
          for (i = 1; i <= k; i++) { f = order[i]; all = ""
            for (j = 1; j <= n[f]; j++) all = all sprintf(" %.0f", w[f, j])
            printf "%d forks: wall %6.1f s (rounds:%s) cpu %6.1f s, %s | wall x%.2f\n", f, mw[f], all, mc[f], tests[f], mw[first] / mw[f] } }' "$results"
}

run_testjit() {
  mvn -q -B -Dstyle.color=never -DskipTests -pl framework/cli -am package >&2
  local dir="$ROOT/scripts/bench/target/testjit"
  rm -rf "$dir"; mkdir -p "$dir"
  # a user's typo, refused once the script runs: start-up, Groovy, ND4J and the verticles, then the error
  printf '%s\n' "run(experiment('typo') { model { train 'lenet-300-100', epochs: 1 }; data fashionMnist(source: 'embedded', train: 100, test: 50); schedule 'one-shot', target: 1.5 })" \
      > "$dir/refused.groovy"
  local options=("-Xmx3g -Dsecateur.latency.firstWarmupMillis=0" "-Xmx3g -Dsecateur.latency.firstWarmupMillis=0 -XX:TieredStopAtLevel=1")
  local names=(c2 c1)
  local results="$dir/results.txt"
  : > "$results"
  local TIMEFORMAT='%R %U %S'
  for round in $(seq 1 "$ROUNDS"); do
    for script in "$dir/refused.groovy" integration-tests/src/test/resources/scripts/lenet300-subset.groovy; do
      # the typo must be refused as bad input (exit 2) and the subset run must succeed, or the timings mean nothing
      local expected; expected="$([[ $script == *refused.groovy ]] && echo 2 || echo 0)"
      for i in 0 1; do
        local runs="$dir/runs-$round-${names[$i]}" log="$dir/run-$round-${names[$i]}-$(basename "$script" .groovy).log"
        local t status=0
        t="$( { time SECATEUR_JAVA_OPTS="${options[$i]}" bin/secateur run "$script" --runs-dir "$runs" --no-progress > "$log" 2>&1 ; } 2>&1 )" \
            || status=$?
        if [[ $status != "$expected" ]]; then
          echo "testjit: $script exited $status with ${options[$i]}, not $expected; see $log" >&2
          exit 1
        fi
        echo "$(basename "$script" .groovy) ${names[$i]} $t" | tee -a "$results" >&2
      done
    done
  done
  echo "testjit: ${ROUNDS} alternating rounds; wall and CPU (user + system) seconds, medians; ratio = C2 / C1 (above 1: C1 is cheaper)"
  for script in refused lenet300-subset; do
    awk -v s="$script" '
      function median(a, n,   i, j, t) { for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                                         return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
      $1 == s && $2 == "c2" { n2++; w2[n2] = $3; c2[n2] = $4 + $5 }
      $1 == s && $2 == "c1" { n1++; w1[n1] = $3; c1[n1] = $4 + $5 }
      END { mw2 = median(w2, n2); mc2 = median(c2, n2); mw1 = median(w1, n1); mc1 = median(c1, n1)
            printf "%-16s C2 wall %6.2f s cpu %6.2f s | C1 wall %6.2f s cpu %6.2f s | wall x%.2f cpu x%.2f\n", s, mw2, mc2, mw1, mc1, mw2 / mw1, mc2 / mc1 }' "$results"
  done
}

run_cluster() {
  local data=/usr/share/datasets/fashion-mnist
  if [[ ! -d "$data" ]]; then
    echo "cluster: the benchmark uses the full Fashion-MNIST; install it with: apt-get install dataset-fashion-mnist" >&2
    exit 2
  fi
  mvn -q -B -Dstyle.color=never -DskipTests -pl framework/cli -am package >&2
  local dir="$ROOT/scripts/bench/target/cluster"
  rm -rf "$dir"; mkdir -p "$dir"
  # one OpenMP thread per JVM: each worker is one job at a time on one core
  export OMP_NUM_THREADS=1 SECATEUR_JAVA_OPTS="-Xmx3g -Dsecateur.cluster.joinWaitSeconds=0"
  echo "cluster: training li2016's dense LeNet-5 (${DENSE_EPOCHS:-1} epoch(s), full data) once..." >&2
  bin/secateur run --no-progress --runs-dir "$dir/dense" scripts/bench/cluster-sensitivity.groovy dense "${DENSE_EPOCHS:-1}" \
      > "$dir/dense.log"
  local model; model="$(ls -d "$dir"/dense/*/)model-final.zip"
  # two clusters side by side, one worker and two workers, each worker idle while the other cluster works
  local one="bench-one-$$" two="bench-two-$$"
  CLUSTER_PIDS=()
  bin/secateur worker --cluster-name "$one" --work-dir "$dir/w1" > "$dir/w1.log" 2>&1 & CLUSTER_PIDS+=($!)
  bin/secateur worker --cluster-name "$two" --work-dir "$dir/w2a" > "$dir/w2a.log" 2>&1 & CLUSTER_PIDS+=($!)
  bin/secateur worker --cluster-name "$two" --work-dir "$dir/w2b" > "$dir/w2b.log" 2>&1 & CLUSTER_PIDS+=($!)
  # the workers stop with the benchmark, however it ends
  trap 'kill "${CLUSTER_PIDS[@]}" 2>/dev/null || true' EXIT
  for log in w1 w2a w2b; do
    until grep -q "waiting for jobs" "$dir/$log.log"; do sleep 1; done
  done
  local results="$dir/results.txt"
  : > "$results"
  for round in $(seq 1 "${CLUSTER_ROUNDS:-3}"); do
    for workers in 1 2; do
      local name; name="$([[ $workers == 1 ]] && echo "$one" || echo "$two")"
      local log="$dir/round$round-$workers.log"
      bin/secateur run --no-progress --cluster --cluster-name "$name" --runs-dir "$dir/runs-$round-$workers" \
          scripts/bench/cluster-sensitivity.groovy analysis "$model" > "$log"
      local seconds; seconds="$(sed -n 's/.* probes (.*) in \([0-9.]*\) s$/\1/p' "$log")"
      echo "round $round workers $workers seconds $seconds" | tee -a "$results"
      grep '^cluster: worker' "$log" | sed "s/^/  round $round workers $workers: /" | tee -a "$results"
    done
  done
  python3 - "$results" <<'PY'
import re, statistics, sys
times = {1: [], 2: []}
rounds = {}
for line in open(sys.argv[1]):
    m = re.match(r"round (\d+) workers (\d) seconds (\S+)", line)
    if m:
        times[int(m.group(2))].append(float(m.group(3)))
        rounds.setdefault(int(m.group(1)), {})[int(m.group(2))] = float(m.group(3))
ratios = [r[2] / r[1] for r in rounds.values() if 1 in r and 2 in r]
print("wall time of the sensitivity analysis (its probes evaluate 2,000 examples each), 1 and 2 workers alternating:")
for n in (1, 2):
    print(f"  {n} worker JVM(s): median {statistics.median(times[n]):.1f} s over {len(times[n])} rounds {times[n]}")
print(f"  ratio 2 workers / 1 worker, per round: {[round(r, 3) for r in ratios]}, median {statistics.median(ratios):.3f}")
PY
}

# PyTorch from Debian, with OpenBLAS unpacked under target/ (the system's BLAS alternatives stay as they are)
PEER_DIR="$ROOT/scripts/bench/target/peer"
peer_python() {
  local py=/usr/bin/python3
  if ! "$py" -c 'import torch' 2>/dev/null; then
    if [[ $(id -u) == 0 ]]; then
      echo "peer: installing Debian's python3-torch" >&2
      apt-get install -y -q python3-torch >&2
    else
      echo "peer: PyTorch is missing; install it with: sudo apt-get install python3-torch" >&2
      exit 2
    fi
  fi
  local blas="$PEER_DIR/openblas/usr/lib/x86_64-linux-gnu/openblas-pthread"
  if [[ ! -f "$blas/libblas.so.3" ]]; then
    mkdir -p "$PEER_DIR/deb"
    (cd "$PEER_DIR/deb" && apt-get download libopenblas0-pthread) >&2
    dpkg -x "$PEER_DIR"/deb/libopenblas0-pthread_*.deb "$PEER_DIR/openblas"
  fi
  echo "$blas"
}

run_peer() {
  local data=/usr/share/datasets/fashion-mnist
  if [[ ! -d "$data" ]]; then
    echo "peer: the benchmark uses the full Fashion-MNIST; install it with: apt-get install dataset-fashion-mnist" >&2
    exit 2
  fi
  local blas; blas="$(peer_python)"
  local cp; cp="$(build)"
  local impls=(secateur pytorch)
  local before_cp=""
  if [[ -n "${PEER_BEFORE_OPTS:-}" ]]; then
    # this build with one path switched back by a property: before and after in the same rounds
    before_cp="$cp"
    impls=(secateur-before secateur pytorch)
  elif [[ -n "${PEER_BEFORE:-}" ]]; then
    # Secateur as it was before oneDNN and the dense loop: the generic native build and DL4J's own paths
    before_cp="$(build linux-x86_64)"
    impls=(secateur-before secateur pytorch)
  fi
  local results="$PEER_DIR/results.txt"
  mkdir -p "$PEER_DIR"; : > "$results"
  local lenet5="${LENET5_EXAMPLES:-3000}" lenet300="${LENET300_EXAMPLES:-60000}" small_conv="${SMALL_CONV_EXAMPLES:-3000}"
  # gpt-tiny reads the Python 3.11 documentation's sources; 0 sequences leave it out
  local gpt="${GPT_SEQUENCES:-800}"
  if (( gpt > 0 )) && [[ ! -d /usr/share/doc/python3.11/html/_sources ]]; then
    echo "peer: gpt-tiny trains on the Python 3.11 documentation's sources; install them with: apt-get install python3.11-doc (or GPT_SEQUENCES=0)" >&2
    exit 2
  fi
  for round in $(seq 1 "${PEER_ROUNDS:-3}"); do
    for threads in ${PEER_THREADS:-1 2}; do
      # one program after the other in each round, the order swapped every round
      local order=("${impls[@]}")
      (( round % 2 == 0 )) && order=($(printf '%s\n' "${impls[@]}" | tac))
      for impl in "${order[@]}"; do
        echo "peer: round $round, $threads thread(s), $impl" >&2
        if [[ $impl == secateur ]]; then
          OMP_NUM_THREADS=$threads java "${JAVA_OPTS[@]}" -cp "$cp" dev.secateur.bench.PeerBench "$lenet5" "$lenet300" "$small_conv" "$gpt"
        elif [[ $impl == secateur-before && -n "${PEER_BEFORE_OPTS:-}" ]]; then
          # shellcheck disable=SC2086 # the options are words
          OMP_NUM_THREADS=$threads java "${JAVA_OPTS[@]}" -Dpeer.label=secateur-before $PEER_BEFORE_OPTS \
              -cp "$before_cp" dev.secateur.bench.PeerBench "$lenet5" "$lenet300" "$small_conv" "$gpt"
        elif [[ $impl == secateur-before ]]; then
          OMP_NUM_THREADS=$threads java "${JAVA_OPTS[@]}" -Dpeer.label=secateur-before -Dsecateur.training.denseLoop=false \
              -Dorg.eclipse.deeplearning4j.helpers.disable=true -cp "$before_cp" dev.secateur.bench.PeerBench "$lenet5" "$lenet300" "$small_conv" "$gpt"
        else
          # PyTorch with its own OpenMP defaults (no passive wait policy): each side as it runs out of the box.
          # Its OpenMP threads are bound one to a core, and peer.py holds torch to $threads intra-op threads and
          # one inter-op thread, so that it never runs more threads than cores it was given.
          env -u OMP_WAIT_POLICY OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads OMP_PROC_BIND=close OMP_PLACES=cores \
              LD_LIBRARY_PATH="$blas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
              /usr/bin/python3 "$ROOT/scripts/bench/peer.py" "$data" "$lenet5" "$lenet300" "$small_conv" "$gpt"
        fi | grep '^PEER' | sed "s/^PEER /round $round threads $threads /" | tee -a "$results" >&2
      done
    done
  done
  {
  python3 - "$results" <<'PY'
import collections, re, statistics, sys
values = collections.defaultdict(dict)  # (threads, figure, impl) -> {round: value}
notes = {}
for line in open(sys.argv[1]):
    m = re.match(r"round (\d+) threads (\d+) (\S+) (backend|shape|libraries) (.*)", line)
    if m:
        notes[(m.group(3), m.group(2), m.group(4))] = m.group(5).strip()
        continue
    m = re.match(r"round (\d+) threads (\d+) (\S+) (\S+) (\S+)", line)
    if m:
        values[(m.group(2), m.group(4), m.group(3))][int(m.group(1))] = float(m.group(5))
impls = [i for i in ("secateur-before", "secateur", "pytorch") if any(k[2] == i for k in values)]
for key, note in sorted(notes.items()):
    print(f"{key[0]}, {key[1]} thread(s), {key[2]}: {note}")
print()
print("Each figure is the median over rounds. The ratio is the median of the per-round ratios, Secateur / PyTorch for")
print("throughput and PyTorch / Secateur for latency (above 1: Secateur is faster), with the lowest and highest round.")
header = f"{'threads':>7}  {'figure':44s}" + "".join(f" {i:>15}" for i in impls)
header += "".join(f" {'ratio ' + i.replace('secateur', 'S') + ' (range)':>26}" for i in impls if i != "pytorch")
print(header)
for threads, figure in sorted({(t, f) for (t, f, _) in values}):
    rounds = {i: values.get((threads, figure, i), {}) for i in impls}
    row = f"{threads:>7}  {figure:44s}" + "".join(f" {statistics.median(rounds[i].values()):15.4g}" if rounds[i] else f" {'':>15}" for i in impls)
    for i in impls:
        if i == "pytorch":
            continue
        both = sorted(set(rounds[i]) & set(rounds["pytorch"])) if "pytorch" in rounds else []
        if both and (figure.endswith(".ms") or figure.endswith("examples_per_s")):
            per_round = [rounds["pytorch"][r] / rounds[i][r] if figure.endswith(".ms") else rounds[i][r] / rounds["pytorch"][r] for r in both]
            cell = f"x{statistics.median(per_round):.2f} ({min(per_round):.2f}-{max(per_round):.2f})"
            row += f" {cell:>26}"
        else:
            row += f" {'':>26}"
    print(row)
PY
  } | tee "$PEER_DIR/summary.txt"
}

run_profile() {
  local cp; cp="$(build)"
  local dir="$ROOT/scripts/bench/target/profile"
  mkdir -p "$dir"
  local workloads=("train lenet-5 64" "train resnet-small 64" "infer lenet-5 1" "infer lenet-300-100 1")
  [[ -n "${PROFILE_WORKLOADS:-}" ]] && IFS=';' read -r -a workloads <<< "$PROFILE_WORKLOADS"
  for workload in "${workloads[@]}"; do
    local name="${workload// /-}"
    echo "== $workload (OMP_NUM_THREADS=$OMP_NUM_THREADS, ${PROFILE_SECONDS:-20} s recorded)"
    # shellcheck disable=SC2086
    java "${JAVA_OPTS[@]}" -Dprofile.settings="$ROOT/scripts/bench/profile.jfc" -Dprofile.output="$dir/$name.jfr" \
        -cp "$cp" dev.secateur.bench.ProfileWorkload $workload "${PROFILE_SECONDS:-20}" >&2
    jfr print --json --events jdk.ExecutionSample,jdk.NativeMethodSample "$dir/$name.jfr" | python3 "$ROOT/scripts/bench/jfr_top.py" "${PROFILE_TOP:-10}"
    echo
  done
}

run_onednn() {
  local cp; cp="$(build)"
  local blas; blas="$(peer_python)"
  local dir="$ROOT/scripts/bench/target/profile"
  mkdir -p "$dir"
  echo "== Secateur with DL4J's convolution layers (-Dsecateur.training.dl4jConvolutions=true): LeNet-5 training at batch 64, 5 s after a warm-up, OMP_NUM_THREADS=1"
  DNNL_VERBOSE=1 OMP_NUM_THREADS=1 java "${JAVA_OPTS[@]}" -Dsecateur.training.dl4jConvolutions=true -Dprofile.settings="$ROOT/scripts/bench/profile.jfc" \
      -Dprofile.output="$dir/onednn-dl4j.jfr" -cp "$cp" dev.secateur.bench.ProfileWorkload train lenet-5 64 5 \
      | python3 "$ROOT/scripts/bench/onednn_top.py"
  echo
  echo "== Secateur: LeNet-5 training at batch 64, 5 s after a warm-up, OMP_NUM_THREADS=1"
  DNNL_VERBOSE=1 OMP_NUM_THREADS=1 java "${JAVA_OPTS[@]}" -Dprofile.settings="$ROOT/scripts/bench/profile.jfc" \
      -Dprofile.output="$dir/onednn.jfr" -cp "$cp" dev.secateur.bench.ProfileWorkload train lenet-5 64 5 \
      | python3 "$ROOT/scripts/bench/onednn_top.py"
  echo
  echo "== PyTorch: LeNet-5 training, 200 batches of 64, one thread"
  env -u OMP_WAIT_POLICY DNNL_VERBOSE=1 OMP_NUM_THREADS=1 LD_LIBRARY_PATH="$blas${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
      /usr/bin/python3 "$ROOT/scripts/bench/onednn_lenet5.py" | python3 "$ROOT/scripts/bench/onednn_top.py"
}

run_smallbatch() {
  local cp; cp="$(build)"
  java "${JAVA_OPTS[@]}" -cp "$cp" dev.secateur.bench.SmallBatchBench
}

run_evalbatch() {
  local cp; cp="$(build)"
  OMP_NUM_THREADS=1 java "${JAVA_OPTS[@]}" -cp "$cp" dev.secateur.bench.EvaluationBatchBench "$ROUNDS"
}

run_denseproducts() {
  local cp; cp="$(build)"
  OMP_NUM_THREADS=1 java "${JAVA_OPTS[@]}" -cp "$cp" dev.secateur.bench.DenseProductsBench "$ROUNDS"
}

run_moments() {
  local cp; cp="$(build)"
  java "${JAVA_OPTS[@]}" -cp "$cp" dev.secateur.bench.TinyMomentsBench "${EPOCHS:-16}"
}

run_pair() {
  if [[ $# -ne 2 ]]; then
    echo "usage: $0 pair DENSE_MODEL.zip PRUNED_MODEL.zip" >&2
    exit 2
  fi
  local cp; cp="$(build)"
  java "${JAVA_OPTS[@]}" -cp "$cp" dev.secateur.bench.LatencyPair "$1" "$2"
}

run_onnx() {
  if [[ $# -lt 2 ]]; then
    echo "usage: $0 onnx DENSE.onnx PRUNED.onnx [--rounds N] [--data DIR]" >&2
    exit 2
  fi
  local cp; cp="$(build)"
  # from the caller's directory, so relative paths to the models and the data mean what they meant there
  (cd "$CALLER_DIR" && java "${JAVA_OPTS[@]}" -cp "$cp" dev.secateur.bench.OnnxBench "$@")
}

case "$WHAT" in
  threshold) run_threshold ;;
  masked) run_masked ;;
  bus) run_bus ;;
  backends) run_backends ;;
  threads) run_threads ;;
  obs) run_obs ;;
  statistics) run_statistics ;;
  reload) run_reload ;;
  dashboard) run_dashboard ;;
  cluster) run_cluster ;;
  peer) run_peer ;;
  testjit) run_testjit ;;
  testforks) run_testforks ;;
  profile) run_profile ;;
  smallbatch) run_smallbatch ;;
  evalbatch) run_evalbatch ;;
  denseproducts) run_denseproducts ;;
  moments) run_moments ;;
  onednn) run_onednn ;;
  pair) shift; run_pair "$@" ;;
  onnx) shift; run_onnx "$@" ;;
  all) run_threshold; run_masked; run_bus; run_backends; run_threads; run_obs; run_statistics; run_reload; run_dashboard ;;
  *) echo "usage: $0 [threshold|masked|bus|backends|threads|obs|statistics|reload|dashboard|cluster|peer|profile|onednn|smallbatch|evalbatch|denseproducts|moments|pair|onnx|all]" >&2; exit 2 ;;
esac
