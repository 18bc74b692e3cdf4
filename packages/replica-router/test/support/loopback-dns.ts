/**
 * A DNS server on 127.0.0.1 (a random UDP port) for discovery tests: answers A queries for the names it is
 * told about, from records the test changes as it goes; `fail` answers SERVFAIL to everything. Packets are
 * encoded and decoded by dns-packet over node:dgram.
 */
import { createSocket, type Socket } from 'node:dgram';
import dnsPacket from 'dns-packet';

export interface LoopbackDns {
  /** `127.0.0.1:<port>`, for `Resolver#setServers` / `READ_REPLICA_DISCOVERY_DNS_SERVERS`. */
  readonly server: string;
  /** Answer `name` with these A records from now on (empty: NXDOMAIN). */
  setA(name: string, addresses: readonly string[]): void;
  /** Answer every query with SERVFAIL (true) or normally again (false). */
  fail(failing: boolean): void;
  /** Queries received so far. */
  readonly queries: number;
  close(): Promise<void>;
}

export async function startLoopbackDns(): Promise<LoopbackDns> {
  const records = new Map<string, readonly string[]>();
  let failing = false;
  let queries = 0;
  const socket: Socket = createSocket('udp4');
  socket.on('message', (message, peer) => {
    let query: dnsPacket.Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return;
    }
    queries++;
    const question = query.questions?.[0];
    const name = question?.name.toLowerCase() ?? '';
    const addresses = records.get(name);
    const rcode = failing ? 'SERVFAIL' : addresses && addresses.length > 0 ? 'NOERROR' : 'NXDOMAIN';
    const answers: dnsPacket.Answer[] =
      rcode === 'NOERROR' && question?.type === 'A'
        ? addresses!.map((data) => ({ type: 'A', name: question.name, class: 'IN', ttl: 1, data }))
        : [];
    const response = dnsPacket.encode({
      id: query.id ?? 0,
      type: 'response',
      // QR, RD and RA; the response code goes in the low bits.
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcodeBits(rcode),
      questions: query.questions ?? [],
      answers,
    });
    socket.send(response, peer.port, peer.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  const { port } = socket.address();
  return {
    server: `127.0.0.1:${port}`,
    setA: (name, addresses) => void records.set(name.toLowerCase(), [...addresses]),
    fail: (value) => {
      failing = value;
    },
    get queries() {
      return queries;
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

function rcodeBits(rcode: 'NOERROR' | 'NXDOMAIN' | 'SERVFAIL'): number {
  return { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 }[rcode];
}
