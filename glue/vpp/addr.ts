/** ip46_address_t: 16 bytes in network order, IPv4 in bytes 12..15. */
import * as net from 'net';

export function ipToBytes(address: string, family: number): Uint8Array {
  const out = new Uint8Array(16);
  if (family === 4) {
    const parts = address.split('.').map(Number);
    out.set(parts, 12);
    return out;
  }
  const sock = new net.SocketAddress({ address, family: 'ipv6' });
  const groups = expand6(sock.address);
  for (let i = 0; i < 8; i++) { out[2 * i] = groups[i] >> 8; out[2 * i + 1] = groups[i] & 0xff; }
  return out;
}

function expand6(a: string): number[] {
  const [head, tail] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const fill = tail !== undefined ? 8 - h.length - t.length : 0;
  return [...h, ...Array(fill).fill('0'), ...t].map((g) => parseInt(g, 16) || 0);
}

export function bytesToIp(b: Uint8Array, isIp4: boolean): string {
  if (isIp4) return `${b[12]}.${b[13]}.${b[14]}.${b[15]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] << 8) | b[i + 1]).toString(16));
  return new net.SocketAddress({ address: groups.join(':'), family: 'ipv6' }).address;
}

/** VPP picks no listener or UDP port: port 0 is the app's to pick, from IANA's dynamic range, retried while taken. */
export const EPHEMERAL_TRIES = 64;
export const ephemeralPort = (): number => 49152 + Math.floor(Math.random() * 16384);
