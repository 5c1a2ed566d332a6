/**
 * Watches every process a test starts for traffic to anything but loopback, and refuses it before
 * anything is sent. Three independent witnesses, so the check can fail whichever process tries:
 *
 * - Node processes (the test's own, with the bot and the simulator in it, and every child it spawns
 *   afterwards, e.g. the Agents Playground): `offMachineHook.cjs`, installed here and passed to the
 *   children through NODE_OPTIONS=--require, records and refuses non-loopback connects, datagrams
 *   and DNS lookups.
 * - Chromium: started with `chromiumArgs` it sends every non-loopback request to a recording proxy
 *   on 127.0.0.1 that answers 403 and forwards nothing.
 * - Any process of the test's tree (Chromium's children too): its sockets are sampled from /proc
 *   (`/proc/<pid>/fd` → socket inodes → `/proc/net/{tcp,tcp6,udp,udp6}`) for a non-loopback peer.
 *
 * `attempts()` lists what any of them saw; a test expects it to be empty.
 */
import { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

interface HookModule {
  install(logFile: string): { uninstall(): void };
  isLoopback(host: string | undefined): boolean;
}

const HOOK_PATH = path.join(__dirname, 'offMachineHook.cjs');
const hook = createRequire(__filename)(HOOK_PATH) as HookModule;
export const isLoopback = (host: string | undefined): boolean => hook.isLoopback(host);

const SAMPLE_INTERVAL_MS = 100;

/**
 * Chromium's own background services, which it calls whatever its flags say (seen with Debian's
 * Chromium, headless, with --disable-background-networking and --disable-component-update: the
 * component updater, its clock check and download redirector, account sign-in, and, seen with Debian's
 * Chromium 150, its GCM check-in at android.clients.google.com). They reach
 * only the refusing proxy, so nothing is sent; `attemptsBeyondChromiumServices` leaves them out
 * and keeps anything else the browser tried (a page request a route did not abort).
 */
export const CHROMIUM_OWN_SERVICES =
  /^proxy (?:CONNECT |[A-Z]+ http:\/\/)(?:update\.googleapis\.com|accounts\.google\.com|clients2\.google\.com|redirector\.gvt1\.com|android\.clients\.google\.com)[:/]/;

export interface OffMachineTraffic {
  /** Arguments that make Chromium send every non-loopback request to the recording proxy. */
  readonly chromiumArgs: string[];
  /** Everything seen so far, one line each (`pid 123 node …: connect 192.0.2.1:443`); empty when nothing tried. */
  attempts(): string[];
  /** What Chromium tried and the proxy refused, leaving out its own background services (see CHROMIUM_OWN_SERVICES). */
  attemptsBeyondChromiumServices(): string[];
  stop(): Promise<void>;
}

type SpawnOptions = { envPairs?: string[] } & Record<string, unknown>;
type SpawnFn = (this: ChildProcess, options: SpawnOptions) => unknown;

/** Starts watching this process and every process started from now until `stop()`. */
export async function watchOffMachineTraffic(): Promise<OffMachineTraffic> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cowork-traffic-'));
  const logFile = path.join(dir, 'attempts.jsonl');
  appendFileSync(logFile, '');
  const installed = hook.install(logFile);

  // Every child_process API (spawn, exec, fork, and playwright's launch) ends in ChildProcess#spawn.
  const prototype = ChildProcess.prototype as unknown as { spawn: SpawnFn };
  const originalSpawn = prototype.spawn;
  prototype.spawn = function spawn(this: ChildProcess, options: SpawnOptions) {
    const pairs = (options.envPairs ?? []).filter((p) => !/^(NODE_OPTIONS|COWORK_TRAFFIC_LOG|COWORK_TRAFFIC_HOOK_CHILD)=/.test(p));
    const nodeOptions = (options.envPairs ?? []).find((p) => p.startsWith('NODE_OPTIONS='))?.slice('NODE_OPTIONS='.length) ?? '';
    pairs.push(`NODE_OPTIONS=${`${nodeOptions} --require ${HOOK_PATH}`.trim()}`, `COWORK_TRAFFIC_LOG=${logFile}`, 'COWORK_TRAFFIC_HOOK_CHILD=1');
    return originalSpawn.call(this, { ...options, envPairs: pairs });
  };

  const proxied: string[] = [];
  const proxy: Server = createServer((req, res) => {
    proxied.push(`proxy ${req.method ?? '?'} ${req.url ?? ''}`);
    // Not `res.writeHead(403).end()`: restify, loaded in the same process, replaces writeHead with one returning nothing.
    res.statusCode = 403;
    res.end('off-machine request refused by the test harness');
  });
  proxy.on('connect', (req: { url?: string }, socket: { end(data: string): void }) => {
    proxied.push(`proxy CONNECT ${req.url ?? ''}`);
    socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const proxyPort = (proxy.address() as AddressInfo).port;

  const sampled = new Set<string>();
  const sample = (): void => {
    for (const line of nonLoopbackSockets(process.pid)) sampled.add(line);
  };
  const sampler = setInterval(sample, SAMPLE_INTERVAL_MS);
  sampler.unref();

  const attempts = (): string[] => {
    sample();
    const hooked = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const a = JSON.parse(line) as { pid: number; argv: string; kind: string; host: string; port: number | null };
        return `pid ${a.pid} ${a.argv}: ${a.kind} ${a.host}${a.port === null ? '' : `:${a.port}`}`;
      });
    return [...hooked, ...proxied, ...sampled];
  };

  return {
    chromiumArgs: [`--proxy-server=http://127.0.0.1:${proxyPort}`],
    attempts,
    attemptsBeyondChromiumServices: () => attempts().filter((line) => !CHROMIUM_OWN_SERVICES.test(line)),
    async stop() {
      clearInterval(sampler);
      prototype.spawn = originalSpawn;
      installed.uninstall();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `pid comm: proto peer` for every socket of `root`'s process tree whose peer is not loopback. */
function nonLoopbackSockets(root: number): string[] {
  const pids = processTree(root);
  const owners = new Map<string, string>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // exited meanwhile
    }
    for (const fd of fds) {
      try {
        const inode = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1];
        if (inode) owners.set(inode, `pid ${pid} ${comm(pid)}`);
      } catch {
        // closed meanwhile
      }
    }
  }
  const found: string[] = [];
  for (const proto of ['tcp', 'tcp6', 'udp', 'udp6']) {
    let table: string;
    try {
      table = readFileSync(`/proc/${root}/net/${proto}`, 'utf8');
    } catch {
      continue;
    }
    for (const row of table.split('\n').slice(1)) {
      const cols = row.trim().split(/\s+/);
      const [remote, inode] = [cols[2], cols[9]];
      if (!remote || !inode || !owners.has(inode)) continue;
      const peer = decodeAddress(remote);
      if (peer && !isLoopback(peer.host)) found.push(`${owners.get(inode) ?? ''}: ${proto} ${peer.host}:${peer.port}`);
    }
  }
  return found;
}

/** `root` and its descendants, from /proc/<pid>/stat's parent ids. */
function processTree(root: number): number[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(Number(name), ppid);
    } catch {
      // exited meanwhile
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) for (const [pid, ppid] of parents) if (ppid === tree[i] && !tree.includes(pid)) tree.push(pid);
  return tree;
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** `0100007F:1F90` (tcp) or a 32-hex-digit IPv6 form → host and port; undefined for "no peer" (0.0.0.0:0, [::]:0). */
function decodeAddress(hex: string): { host: string; port: number } | undefined {
  const [addr, portHex] = hex.split(':');
  if (!addr || !portHex) return undefined;
  const port = parseInt(portHex, 16);
  const bytes = (addr.match(/../g) ?? []).map((b) => parseInt(b, 16));
  // The kernel prints each 32-bit word in host (little-endian) order.
  const words: number[][] = [];
  for (let i = 0; i < bytes.length; i += 4) words.push(bytes.slice(i, i + 4).reverse());
  const ordered = words.flat();
  if (ordered.every((b) => b === 0) && port === 0) return undefined;
  if (ordered.length === 4) return { host: ordered.join('.'), port };
  const isMappedV4 = ordered.slice(0, 10).every((b) => b === 0) && ordered[10] === 0xff && ordered[11] === 0xff;
  if (isMappedV4) return { host: `::ffff:${ordered.slice(12).join('.')}`, port };
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((ordered[i] ?? 0) << 8) | (ordered[i + 1] ?? 0)).toString(16));
  const host = groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
  return { host, port };
}
