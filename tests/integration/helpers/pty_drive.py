#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""pty_drive.py SCRIPT LOG: an admin at a terminal. Runs an interactive bash on a new pty (33 rows,
99 columns) and types the lines of SCRIPT into it one at a time, each once the previous line has
finished (each line is followed by an echo of a marker with its exit status). A line starting with
"@ctrl-c " is typed, then after a second a Ctrl-C follows. Everything the terminal shows goes to
LOG. Prints one "LINE n rc=N" per line and exits 0, or 1 when a line did not finish in time.
Waits scale with $PTY_DRIVE_SCALE (default 1; slow machines, the emulated VM)."""
import fcntl, os, pty, re, select, struct, sys, termios, time

script, logpath = sys.argv[1], sys.argv[2]
lines = [l.rstrip("\n") for l in open(script) if l.strip()]
pid, fd = pty.fork()
if pid == 0:
    os.environ["PS1"] = "$ "
    os.environ["TERM"] = "xterm"
    os.execvp("bash", ["bash", "--norc", "--noprofile", "-i"])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 33, 99, 0, 0))
log = open(logpath, "wb")
buf = b""
scale = float(os.environ.get("PTY_DRIVE_SCALE", "1"))


def read_until(pattern, timeout):
    global buf
    end = time.time() + timeout
    while time.time() < end:
        m = re.search(pattern, buf)
        if m:
            buf = buf[m.end():]
            return m
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return None
            if not data:
                return None
            log.write(data)
            log.flush()
            buf += data
    return None


rc = 0
for n, line in enumerate(lines, 1):
    ctrl_c = line.startswith("@ctrl-c ")
    if ctrl_c:
        line = line[len("@ctrl-c "):]
    os.write(fd, (line + '; echo "@@DONE-%d rc=$?"\n' % n).encode())
    if ctrl_c:
        time.sleep(1.5 * scale)
        os.write(fd, b"\x03")
    m = read_until(rb"@@DONE-%d rc=(\d+)" % n, 60 * scale)
    if not m:
        print("LINE %d timeout" % n)
        rc = 1
        break
    print("LINE %d rc=%s" % (n, m.group(1).decode()))
    sys.stdout.flush()
os.write(fd, b"exit\n")
read_until(rb"$^", 3)
try:
    os.kill(pid, 9)
except OSError:
    pass
os.waitpid(pid, 0)
sys.exit(rc)
