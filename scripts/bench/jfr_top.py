"""Top frames of a Java Flight Recorder file, as `scripts/bench/run.sh profile` prints them.

Reads `jfr print --json --events jdk.ExecutionSample,jdk.NativeMethodSample FILE` on stdin. A sample is either a
thread running Java code (its top frame is where it was) or a thread inside a native method (its top frame is that
method: ND4J's ops, BLAS and oneDNN are all below such a frame). Prints the share of samples by top frame, and by
the first frame of each of three layers of the stack: Secateur's code, DL4J's (org.deeplearning4j) and ND4J's
(org.nd4j), so that a share of time can be put on the code that asked for it.

    jfr print --json --events jdk.ExecutionSample,jdk.NativeMethodSample rec.jfr | python3 jfr_top.py [N]
"""
import collections
import json
import sys


def frame_name(frame):
    method = frame["method"]
    return f'{method["type"]["name"].replace("/", ".")}.{method["name"]}'


def main():
    top_n = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    events = json.load(sys.stdin)["recording"]["events"]
    samples = [e for e in events if e["values"].get("stackTrace") and e["values"]["stackTrace"].get("frames")]
    # the JVM's own threads (JIT, GC, JFR) never appear in these events; the workload is the main thread
    samples = [e for e in samples if e["values"].get("sampledThread", {}).get("javaName") in ("main", None)]
    total = len(samples)
    if total == 0:
        print("no samples")
        return
    by_top = collections.Counter()
    by_layer = {name: collections.Counter() for name in ("dev.secateur", "org.deeplearning4j", "org.nd4j")}
    native = 0
    for e in samples:
        frames = e["values"]["stackTrace"]["frames"]
        by_top[frame_name(frames[0])] += 1
        native += e["type"] == "jdk.NativeMethodSample"
        for prefix, counter in by_layer.items():
            first = next((frame_name(f) for f in frames if frame_name(f).startswith(prefix)), None)
            if first:
                counter[first] += 1
    print(f"{total} samples of the main thread; {100 * native / total:.1f}% inside a native method")
    print(f"\ntop frames (where the thread was):")
    for name, count in by_top.most_common(top_n):
        print(f"  {100 * count / total:5.1f}%  {name}")
    for prefix, counter in by_layer.items():
        print(f"\nfirst {prefix} frame on the stack:")
        for name, count in counter.most_common(top_n):
            print(f"  {100 * count / total:5.1f}%  {name}")


if __name__ == "__main__":
    main()
