#!/usr/bin/env python3
"""test_harness_dry_run.py - `mcs-harness --dry-run` prints the plan and
changes nothing: no sysctl changed, no network namespace made, no file
written under --out, exit 0; and a target this machine cannot hold exits 1
with the same one-line refusal a real run gives.

Usage: test_harness_dry_run.py MCS_HARNESS FIRST_PORT   (uses 8 ports)
Exit 0 pass, 1 fail, 77 skip (not root: the plan of a root run, with its
namespace and sysctls, is what is checked).
"""
import os
import re
import subprocess
import sys
import tempfile

SYSCTLS = ["fs/file-max", "fs/nr_open", "net/core/somaxconn",
           "net/ipv4/tcp_max_syn_backlog", "net/core/netdev_max_backlog",
           "net/ipv4/tcp_child_ehash_entries",
           "net/ipv4/ip_local_port_range"]
EHASH_SAVED = "/run/mcs-harness-ehash-saved"
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"FAIL: {what}", file=sys.stderr)


def sysctls():
    values = {}
    for name in SYSCTLS:
        try:
            with open(f"/proc/sys/{name}") as f:
                values[name] = f.read().strip()
        except OSError:
            values[name] = None
    return values


def namespaces():
    out = subprocess.run(["ip", "netns", "list"], capture_output=True,
                         text=True, timeout=30).stdout
    return {line.split()[0] for line in out.splitlines() if line.strip()}


def run(harness, args):
    return subprocess.run([harness] + args, capture_output=True, text=True,
                          timeout=120)


def test_plan(harness, ports, out):
    before, netns_before = sysctls(), namespaces()
    saved_before = os.path.exists(EHASH_SAVED)
    r = run(harness, ["--dry-run", "--backend", "epoll", "--target", "100k",
                      "--ports", ports, "--out", out])
    print(r.stdout, end="")
    print(r.stderr, end="", file=sys.stderr)
    check(r.returncode == 0, f"--target 100k exited {r.returncode}")
    text = r.stdout
    for pattern in [
            r"^harness: dry run: epoll to 100,000 connections \(nothing",
            r"^  steps: 1,000, 10,000, 100,000$",
            r"^  server: \d+ workers, ports \d+-\d+, up to [\d,]+ "
            r"connections each",
            r"^  client: (tun|kernel) \(",
            r"^  sources: \S+ \([\d,]+ addresses\)$",
            r"^  sysctl: (none to change|\S+ \d+ -> \d+ \(.+\))$",
            r"^  memory: [\d,]+ B per connection \(kernel [\d,]+ B, .*"
            r"about .+ in all .* available, .+ kept free",
            r"^  most: [\d,]+ connections here, capped by ",
            r"^  namespace: would make mcs-sweep-\d+ \(established hash "
            r"[\d,]+ buckets"]:
        check(re.search(pattern, text, re.M),
              f"no line matching {pattern!r} in the plan")
    check(sysctls() == before, "a sysctl changed: "
          f"{before} -> {sysctls()}")
    named = re.search(r"would make (mcs-sweep-\d+)", text)
    check(not named or named.group(1) not in namespaces() - netns_before,
          "the namespace it would make exists")
    check(os.path.exists(EHASH_SAVED) == saved_before,
          f"{EHASH_SAVED} appeared or went")
    check(not os.path.exists(out), f"{out} was created")


def test_changes(harness, ports):
    """In a namespace of the test's own (unshare -n: the kernel's
    defaults, somaxconn 4096), the plan names the sysctls it would raise,
    from -> to and why, and they are left as they were."""
    script = ("ip link set lo up || exit 77; "
              "before=$(cat /proc/sys/net/core/somaxconn); "
              f"{harness} --dry-run --backend epoll --target 100k "
              f"--ports {ports} --out /nonexistent/mcs-dry-run || exit $?; "
              "echo \"after: $before $(cat /proc/sys/net/core/somaxconn)\"")
    r = subprocess.run(["unshare", "-n", "sh", "-c", script],
                       capture_output=True, text=True, timeout=120)
    if r.returncode == 77 or "unshare failed" in r.stderr:
        print(f"skipped the fresh-namespace plan: {r.stderr.strip()}")
        return
    print(r.stdout, end="")
    check(r.returncode == 0, f"in a fresh namespace: exit {r.returncode}: "
          f"{r.stderr}")
    change = re.search(r"^  sysctl: net\.core\.somaxconn (\d+) -> (\d+) "
                       r"\(fast connect bursts\)$", r.stdout, re.M)
    check(change and int(change.group(1)) < int(change.group(2)),
          "no 'sysctl: net.core.somaxconn FROM -> TO (why)' line")
    kept = re.search(r"^after: (\d+) (\d+)$", r.stdout, re.M)
    check(kept and kept.group(1) == kept.group(2),
          "somaxconn changed in the namespace")
    check(not change or not kept or change.group(1) == kept.group(1),
          "the plan's FROM is not the value the namespace had")


def normalized(line):
    """The refusal without its figures (memory moves between runs)."""
    return re.sub(r"\d[\d,.]*", "#", line)


def test_refusal(harness, ports, out):
    # Memory: a --min-free floor above any machine's memory. Workers: 10M
    # connections need more than the 256 server processes the harness
    # starts (at RLIMIT_NOFILE 20,000). Both refused before any sysctl
    # or namespace, so the real run changes nothing either.
    for args in (["--target", "100k", "--min-free", "1000G"],
                 ["--target", "10M"]):
        common = ["--backend", "epoll", "--out", out, "--ports", ports,
                  "--no-netns"] + args
        dry = run(harness, ["--dry-run"] + common)
        real = run(harness, common)
        what = " ".join(args)
        check(dry.returncode == 1, f"{what}: --dry-run exited "
              f"{dry.returncode}: {dry.stderr}")
        check(real.returncode == 1, f"{what}: the real run exited "
              f"{real.returncode}")
        lines = dry.stderr.strip().splitlines()
        check(len(lines) == 1 and ": preflight: " in dry.stderr,
              f"{what}: not one preflight line: {dry.stderr!r}")
        check(normalized(dry.stderr) == normalized(real.stderr),
              f"{what}: the dry run said {dry.stderr!r}, a real run "
              f"{real.stderr!r}")
        check(dry.stdout == "", f"{what}: stdout {dry.stdout!r}")
        check(not os.path.exists(out), f"{what}: {out} was created")
        print(f"{what}: {dry.stderr.strip()}")


def main(argv):
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("skipped: not root", file=sys.stderr)
        return 77
    harness, first = argv[1], int(argv[2])
    ports = f"{first}-{first + 7}"
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out")
        test_plan(harness, ports, out)
        test_changes(harness, ports)
        test_refusal(harness, ports, out)
    if failures:
        print(f"{len(failures)} failures", file=sys.stderr)
        return 1
    print("dry run: plan printed, nothing changed; refusals as a real run")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
