"""Where oneDNN's time goes, from a program run with DNNL_VERBOSE=1 (or 2): `scripts/bench/run.sh onednn`.

Reads the verbose lines on stdin (`dnnl_verbose,exec,cpu,convolution,jit:avx2,backward_data,...,0.123`, or
`onednn_verbose,...` from newer versions) and prints, for each primitive kind, implementation and propagation kind,
its share of the summed execution time, its calls and its mean time per call. Creation lines (DNNL_VERBOSE=2) are
counted apart, so that a cache miss on every call would show.

    DNNL_VERBOSE=1 PROGRAM | python3 onednn_top.py [N]
"""
import collections
import sys


def main():
    top_n = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    times, calls = collections.Counter(), collections.Counter()
    version = "unknown"
    for line in sys.stdin:
        cells = line.strip().split(",")
        if len(cells) < 3 or not cells[0].endswith("_verbose"):
            continue
        if cells[1] == "info" and cells[2].startswith("oneDNN"):
            version = cells[2]
            continue
        if cells[1] == "exec" or cells[1].startswith("create"):
            if len(cells) < 7:
                continue
            key = (cells[1], cells[3], cells[4], cells[5])
            times[key] += float(cells[-1])
            calls[key] += 1
    total = sum(times.values())
    print(f"{version}; {sum(calls.values())} primitive calls, {total:.0f} ms in all")
    for key, ms in times.most_common(top_n):
        print(f"  {100 * ms / total:5.1f}%  {calls[key]:7d} calls  {ms / calls[key]:8.4f} ms/call  {' '.join(key)}")


if __name__ == "__main__":
    main()
