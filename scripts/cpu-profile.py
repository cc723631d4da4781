#!/usr/bin/env python3
"""cpu-profile.py - where the machine's CPU went during a run, by who did
the work: reads `perf script` output of a system-wide profile
(`perf record -a -g`) and sorts every sample into one class:

  server            the server's processes (comm "server")
  server_rx         inside a TUN client's device write (tun_get_user on
                    the stack): the server kernel's receive path, run in
                    the writer's thread
  client_read       inside a TUN client's device read (tun_do_read)
  client_kernel     the rest of the TUN client's kernel time (io_uring's
                    submission, system call entry, waiting)
  client_user       the TUN client's user space
  idle              the idle task (swapper)
  other             everything else on the machine (the harness, kernel
                    threads, other jobs)

Prints JSON: the share of every class over the whole profile, and per
second; and uring_overhead_percent, the share of the TUN client's
io_uring submissions (its batched device writes) spent outside the
device's receive path: io_uring's own cost, which the client's
device_write_cpu_s counts on the server's side. A measurement tool, not
a test.

  perf record -a -g -F 250 -o perf.data -- ./harness --backend epoll \\
      --target 1M --no-plot --out /tmp/profile
  perf script -i perf.data -F comm,time,ip,sym | scripts/cpu-profile.py \\
      --command "..." > profile.json
"""
import argparse
import collections
import json
import sys

CLASSES = ("server", "server_rx", "client_read", "client_kernel",
           "client_user", "idle", "other")


def samples(lines):
    """(comm, time, [function, ...]) per sample, innermost first."""
    head, stack = None, []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if head:
                yield head[0], head[1], stack
            head, stack = None, []
        elif line[0] not in " \t":
            words = line.split()
            head = (" ".join(words[:-1]), float(words[-1].rstrip(":")))
        else:
            words = line.split()
            stack.append(words[1] if len(words) > 1 else "?")
    if head:
        yield head[0], head[1], stack


def is_kernel(stack):
    return any(f.startswith(("entry_SYSCALL", "do_syscall_64", "asm_"))
               for f in stack)


def classify(comm, stack):
    if comm == "swapper" or comm.startswith("swapper/"):
        return "idle"
    if comm == "server":
        return "server"
    if comm.startswith("tun-client"):
        names = set(stack)
        if "tun_get_user" in names:
            return "server_rx"
        if "tun_do_read" in names or "tun_chr_read_iter" in names:
            return "client_read"
        return "client_kernel" if is_kernel(stack) else "client_user"
    return "other"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--command", default="",
                        help="the profiled command, for the record")
    args = parser.parse_args()
    total = collections.Counter()
    per_second = collections.defaultdict(collections.Counter)
    start = None
    uring = collections.Counter()
    for comm, t, stack in samples(sys.stdin):
        start = t if start is None else start
        c = classify(comm, stack)
        if comm.startswith("tun-client") and \
                "__do_sys_io_uring_enter" in stack:
            uring["rx" if c == "server_rx" else "own"] += 1
        total[c] += 1
        per_second[int(t - start)][c] += 1
    n = sum(total.values())
    if not n:
        sys.exit("cpu-profile.py: no samples on standard input "
                 "(give it `perf script -F comm,time,ip,sym` output)")

    def shares(counter):
        k = sum(counter.values())
        return {c: round(100.0 * counter[c] / k, 1) for c in CLASSES}
    json.dump({"command": args.command, "samples": n,
               "percent": shares(total),
               "uring_overhead_percent": round(
                   100.0 * uring["own"] / max(1, sum(uring.values())), 1),
               "per_second": [dict(second=s, **shares(per_second[s]))
                              for s in sorted(per_second)]},
              sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
