// Who is at the other end of a loopback TCP connection. Node gives no peer credentials for
// TCP, but Linux lists every socket with its owner's uid in /proc/net/tcp and tcp6: the
// client's end of our connection is the line whose local port is the peer's port and whose
// remote port is ours. Another local user can reach the HTTP port, so connections are
// budgeted by this uid (docs/security.md).
import { closeSync, openSync, readSync } from 'node:fs';

/** /proc/net/tcp lists about 150 bytes per socket: 4 MiB is ~28,000 sockets. */
const MAX_TABLE_BYTES = 4 * 1024 * 1024;

/** The uid owning the socket at local port `peerPort` connected to remote port `ourPort`, or null. */
export function uidOfTcpPeer(
  peerPort: number,
  ourPort: number,
  tables = ['/proc/net/tcp', '/proc/net/tcp6'],
): number | null {
  for (const table of tables) {
    const uid = findInTable(readCapped(table), peerPort, ourPort);
    if (uid !== null) return uid;
  }
  return null;
}

/** Parses one /proc/net/tcp table (pure: tests hand it text). */
export function findInTable(text: string, peerPort: number, ourPort: number): number | null {
  const local = `:${hexPort(peerPort)}`;
  const remote = `:${hexPort(ourPort)}`;
  for (const line of text.split('\n')) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode …
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !f[1].endsWith(local) || !f[2].endsWith(remote)) continue;
    const uid = Number(f[7]);
    if (Number.isInteger(uid) && uid >= 0) return uid;
  }
  return null;
}

function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0');
}

function readCapped(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    // /proc files report size 0: read in chunks up to the cap.
    const chunks: Buffer[] = [];
    let used = 0;
    while (used < MAX_TABLE_BYTES) {
      const chunk = Buffer.allocUnsafe(64 * 1024);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n <= 0) break;
      chunks.push(chunk.subarray(0, n));
      used += n;
    }
    return Buffer.concat(chunks).toString('latin1');
  } finally {
    closeSync(fd);
  }
}
