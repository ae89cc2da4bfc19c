#!/usr/bin/env python3
"""Drives a command in a real pseudo-terminal for prompt tests.

usage: pty_drive.py SCRIPT_JSON -- command args...
SCRIPT_JSON is a list of steps: {"expect": regex} waits for output matching regex (since
the previous match), {"send": text} writes keystrokes. Prints everything the command wrote
(as UTF-8 text, escape sequences removed unless PTY_RAW=1) and exits with the command's exit
code; 124 on a timeout. The terminal is PTY_COLS columns wide (default 120).
"""
import fcntl, json, os, pty, re, select, struct, sys, termios, time

def main():
    steps = json.loads(sys.argv[1])
    cmd = sys.argv[sys.argv.index('--') + 1:]
    pid, fd = pty.fork()
    cols = int(os.environ.get('PTY_COLS', '120'))
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', 40, cols, 0, 0))
        os.environ['COLUMNS'] = str(cols)
        os.execvp(cmd[0], cmd)
    out = b''
    seen = 0
    deadline_per_step = float(os.environ.get('PTY_STEP_TIMEOUT', '15'))

    def read_some(timeout):
        nonlocal out
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return True
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return False
        if not chunk:
            return False
        out += chunk
        return True

    def plain():
        return re.sub(r'\x1b\[[0-9;?]*[A-Za-z]', '', out.decode('utf-8', 'replace'))

    def shown():
        return out.decode('utf-8', 'replace') if os.environ.get('PTY_RAW') == '1' else plain()

    def fail(code, why):
        sys.stdout.write(shown())
        sys.stdout.write(f'\n[pty_drive] {why}\n')
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        sys.exit(code)

    for step in steps:
        if 'expect' in step:
            pat = re.compile(step['expect'])
            end = time.time() + deadline_per_step
            while True:
                m = pat.search(plain(), seen)
                if m:
                    seen = m.end()
                    break
                if time.time() > end:
                    fail(124, f'timed out waiting for {step["expect"]!r}')
                if not read_some(0.1) and not pat.search(plain(), seen):
                    fail(125, f'output ended before {step["expect"]!r}')
        if 'send' in step:
            time.sleep(0.05)
            os.write(fd, step['send'].encode('utf-8'))
    end = time.time() + deadline_per_step
    while time.time() < end and read_some(0.2):
        pass
    end = time.time() + 5
    done, status = os.waitpid(pid, os.WNOHANG)
    while done == 0 and time.time() < end:
        time.sleep(0.02)
        done, status = os.waitpid(pid, os.WNOHANG)
    if done == 0:
        fail(124, 'the command did not exit')
    sys.stdout.write(shown())
    sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, 'waitstatus_to_exitcode') else status >> 8)

main()
