/**
 * Trusting the simulator's CA must not weaken anything else: a certificate nobody trusted is
 * still refused, and the one we trusted is accepted, through the same global agent jsforce uses.
 */
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import selfsigned from 'selfsigned';
import { trustExtraCa } from '../../salesforce/trust';

function certificate(): { cert: string; key: string } {
  const pems = selfsigned.generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keySize: 2048,
    days: 1,
    algorithm: 'sha256',
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] }],
  });
  return { cert: pems.cert, key: pems.private };
}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https
      .get(url, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      })
      .on('error', reject);
  });
}

describe('trusting an extra CA', () => {
  const trusted = certificate();
  const stranger = certificate();
  const servers: https.Server[] = [];

  async function serve(pair: { cert: string; key: string }): Promise<string> {
    const server = https.createServer(pair, (_req, res) => res.end('ok'));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  }

  afterAll(async () => {
    https.globalAgent.destroy();
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  });

  it('accepts the trusted certificate and still refuses any other', async () => {
    const trustedUrl = await serve(trusted);
    const strangerUrl = await serve(stranger);
    trustExtraCa(trusted.cert);
    await expect(get(trustedUrl)).resolves.toBe(200);
    await expect(get(strangerUrl)).rejects.toThrow(/self[- ]signed|certificate/i);
  });
});
