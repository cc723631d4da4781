"""halfclose.py - half-close check used for docs/IO_URING.md: send N bytes,
shutdown(SHUT_WR), wait without reading, then read to EOF and compare.

usage: python3 halfclose.py PORT   (against a running server)
"""
import socket, time, os, sys
port = int(sys.argv[1])
def run(size, pause):
    s = socket.create_connection(("127.0.0.1", port))
    data = os.urandom(size)
    s.setblocking(True)
    # send everything (the server echoes; we don't read yet) using a thread-free approach: nonblocking send with waits
    s.setblocking(False)
    sent = 0
    got = bytearray()
    while sent < size:
        try:
            sent += s.send(data[sent:sent+65536])
        except BlockingIOError:
            # read some to make room only if the pause is over
            time.sleep(0.01)
            try:
                chunk = s.recv(65536)
                got += chunk
            except BlockingIOError:
                pass
    s.shutdown(socket.SHUT_WR)
    time.sleep(pause)
    s.setblocking(True)
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        got += chunk
    s.close()
    return bytes(got) == data, len(got)
total = 0
for size, pause in [(1, 0), (4096, 0.2), (1 << 20, 0.5), (3 << 20, 0.3), (100000, 0)]:
    ok, n = run(size, pause)
    total += size
    print(size, pause, "ok" if ok else "MISMATCH", n)
print("total", total)
