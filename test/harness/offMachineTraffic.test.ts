/**
 * The off-machine traffic check can fail: each witness is shown a deliberate attempt to reach
 * 192.0.2.1 (TEST-NET-1, RFC 5737: reserved for documentation, never routed), and each reports it.
 * Nothing leaves the machine meanwhile: the hook refuses the connect before a packet is sent, the
 * proxy forwards nothing. Loopback traffic is not reported.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { connect, createServer, type AddressInfo } from 'node:net';
import { promises as dnsPromises } from 'node:dns';
import { watchOffMachineTraffic, type OffMachineTraffic } from './offMachineTraffic';
import { waitUntil } from './coworkSteps';

const DOCUMENTATION_ADDRESS = '192.0.2.1';

describe('the off-machine traffic check', () => {
  let traffic: OffMachineTraffic;
  beforeEach(async () => {
    traffic = await watchOffMachineTraffic();
  });
  afterEach(async () => {
    await traffic.stop();
  });

  it('reports nothing for loopback traffic', async () => {
    const server = createServer((socket) => socket.end('hi'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) =>
      connect(port, '127.0.0.1')
        .on('data', () => resolve())
        .on('error', reject),
    );
    await new Promise<void>((resolve, reject) =>
      connect(port, 'localhost')
        .on('data', () => resolve())
        .on('error', reject),
    );
    server.close();
    expect(traffic.attempts()).toEqual([]);
  });

  it("catches and refuses this process's connect and lookup", async () => {
    const error = await new Promise<NodeJS.ErrnoException>((resolve) => connect(443, DOCUMENTATION_ADDRESS).on('error', resolve));
    expect(error.message).toContain('refused by the test harness');
    await expect(dnsPromises.lookup('example.invalid')).rejects.toThrow(/ENOTFOUND/);
    expect(traffic.attempts()).toEqual([expect.stringContaining(`connect ${DOCUMENTATION_ADDRESS}:443`), expect.stringContaining('dns example.invalid')]);
  });

  it('catches a child process started after it, through NODE_OPTIONS', async () => {
    const child = spawn(process.execPath, ['-e', `require('node:net').connect(80, '${DOCUMENTATION_ADDRESS}').on('error', () => process.exit(3))`], {
      stdio: 'ignore',
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(3);
    expect(traffic.attempts()).toEqual([expect.stringMatching(new RegExp(`^pid ${child.pid} .*: connect ${DOCUMENTATION_ADDRESS.replace(/\./g, '\\.')}:80$`))]);
  });

  it('sees a socket with a non-loopback peer in any process of the tree, hook or not (from /proc)', async () => {
    // The child removes the hook, then connects a UDP socket: that sets its peer and sends nothing.
    const script = [
      `require(${JSON.stringify(require.resolve('./offMachineHook.cjs'))}).install('').uninstall();`,
      `const s = require('node:dgram').createSocket('udp4');`,
      `s.connect(9, '${DOCUMENTATION_ADDRESS}', () => process.stdout.write('connected'));`,
      `process.stdin.on('end', () => process.exit(0)).resume();`,
    ].join('\n');
    const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await waitUntil(() => traffic.attempts().some((a) => a.includes(`udp ${DOCUMENTATION_ADDRESS}:9`)), 'the sampler to see the socket');
      expect(traffic.attempts()).toEqual([expect.stringMatching(new RegExp(`^pid ${child.pid} node: udp ${DOCUMENTATION_ADDRESS.replace(/\./g, '\\.')}:9$`))]);
    } finally {
      child.stdin.end();
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('records what a browser sends to its proxy, and forwards nothing', async () => {
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(traffic.chromiumArgs.join(' '))?.[1]);
    const status = await new Promise<number | undefined>((resolve, reject) => {
      request({ host: '127.0.0.1', port, method: 'GET', path: `http://${DOCUMENTATION_ADDRESS}/font.woff2` }, (res) => {
        res.resume();
        resolve(res.statusCode);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(403);
    await waitUntil(() => traffic.attempts().length > 0, 'the proxy to record the request');
    expect(traffic.attempts()).toEqual([`proxy GET http://${DOCUMENTATION_ADDRESS}/font.woff2`]);
  });
});
