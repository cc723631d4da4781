#!/usr/bin/env python3
"""measure_tun.py - measure tun-client against the real server in a private
network namespace (made here with an established hash of its own, always
removed): the control commands given,
with the wall time, tun-client's CPU and the server's CPU per command (from
/proc/PID/stat), and the machine's busy time (/proc/stat). Run as root from
the build tree's parent:

    tun-client/measure_tun.py BUILD_DIR CONNECTIONS 'grow 100000' verify ...

MCS_TUN_ARGS adds arguments to tun-client's (e.g. --queues 2). The
server gets --ports 2048-(2048+ports-1), one worker per port, enough
ports for CONNECTIONS at 10,000 per worker. Not part of the test suite."""
import json, os, signal, subprocess, sys, time

HZ = os.sysconf("SC_CLK_TCK")


def cpu_of(pid):
    try:
        f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(f[11]) + int(f[12])) / HZ
    except OSError:
        return 0.0


def children(pid):
    try:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)],
                             capture_output=True, text=True).stdout
        return [int(x) for x in out.split()]
    except OSError:
        return []


def busy():
    f = open("/proc/stat").readline().split()[1:]
    v = [int(x) for x in f]
    return (sum(v) - v[3] - v[4]) / HZ


def main():
    # SIGTERM (timeout, kill) unwinds through the finally below, which
    # stops the processes and removes the namespace.
    signal.signal(signal.SIGTERM, lambda sig, frame: sys.exit(128 + sig))
    build, n, commands = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    ports = max(4, (n + 9999) // 10000)
    ns = f"mcs-tunmeasure-{os.getpid()}"
    buckets = 1 << max(12, (2 * n - 1).bit_length())
    subprocess.run(["ip", "netns", "add", ns], check=True)
    client = None
    spid = 0
    try:
        # The run's namespace is made from inside ns, whose
        # tcp_child_ehash_entries gives it an established hash of its own
        # sized for n (the host's sysctl is left alone): a shared or tiny
        # table makes every lookup walk long chains.
        ex = ["ip", "netns", "exec", ns]
        subprocess.run(ex + ["sysctl", "-qw",
                             f"net.ipv4.tcp_child_ehash_entries={buckets}"],
                       check=True)
        port_range = f"2048-{2048 + ports - 1}"
        script = (
            "sysctl -qw net.core.somaxconn=65535 "
            "net.ipv4.tcp_max_syn_backlog=65535 && "
            f"(sleep 1; exec {build}/bin/server --backend epoll --address "
            f"198.18.0.1 --ports {port_range} --interval 0 >/dev/null) & "
            f"exec {build}/bin/tun-client --control --connections {n} "
            f"--ports {port_range} {os.environ.get('MCS_TUN_ARGS', '')}")
        client = subprocess.Popen(
            ex + ["unshare", "--net", "--", "sh", "-c", script],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        print(client.stdout.readline().strip())
        time.sleep(3 + ports / 50)
        # ip netns exec and unshare exec: the pid is tun-client's, and the
        # server is its child.
        cpid = client.pid
        spid = children(cpid)[0]
        print(f"established hash: {buckets} buckets", flush=True)
        for line in commands + ["quit"]:
            workers = children(spid)
            c0, s0, b0 = cpu_of(cpid), sum(cpu_of(p) for p in workers), busy()
            t0 = time.monotonic()
            client.stdin.write(line + "\n")
            client.stdin.flush()
            reply = json.loads(client.stdout.readline())
            wall = time.monotonic() - t0
            c1, s1, b1 = cpu_of(cpid), sum(cpu_of(p) for p in workers), busy()
            for k in ("connect_latency_hist", "rtt_hist"):
                reply.pop(k, None)
            print(json.dumps(reply))
            print(f"  {line}: wall {wall:.2f} s, tun-client cpu "
                  f"{c1 - c0:.2f} s, server cpu {s1 - s0:.2f} s, "
                  f"machine busy {b1 - b0:.2f} s", flush=True)
        client.wait(timeout=120)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # finish the cleanup
        if spid:  # the server is tun-client's child: it outlives it
            try:
                os.kill(spid, 15)
                while os.path.exists(f"/proc/{spid}"):
                    time.sleep(0.2)
            except ProcessLookupError:
                pass
        for p in (client,):
            if p and p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    p.kill()
        subprocess.run(["ip", "netns", "del", ns])


if __name__ == "__main__":
    main()
