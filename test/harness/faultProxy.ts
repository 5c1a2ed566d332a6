/**
 * A loopback HTTP proxy of our own in front of a store (Azurite), which injects the faults a real
 * network and service have and Azurite has not: a connection reset before the request is read, a 503, a request that never
 * answers (the client's timeout ends it), and a response lost after the service applied the write.
 * Each request takes the next fault from `plan` (or from `choose`), `'pass'` by default.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'pass' | 'reset' | '503' | 'hang' | 'lose-response';

export interface FaultProxy {
  /** The proxy's base URL (http://127.0.0.1:port). */
  url: string;
  /** Faults for the next requests, in order; once used up, `choose` (default: pass) decides. */
  plan: Fault[];
  choose: (request: { method: string; url: string }) => Fault;
  /** Every fault applied, in order (for the test's report). */
  applied: { fault: Fault; method: string; url: string }[];
  stop(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  const hanging = new Set<http.ServerResponse>();
  const proxy: FaultProxy = {
    url: '',
    plan: [],
    choose: () => 'pass',
    applied: [],
    stop: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const request = { method: req.method ?? 'GET', url: req.url ?? '/' };
    const fault = proxy.plan.shift() ?? proxy.choose(request);
    if (fault !== 'pass') proxy.applied.push({ fault, ...request });
    if (fault === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault === '503') {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ 'odata.error': { code: 'ServerBusy', message: { lang: 'en-US', value: 'The server is busy (fault proxy).' } } }));
      return;
    }
    if (fault === 'hang') {
      req.resume();
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const forwarded = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => body.push(chunk));
          answer.on('end', () => {
            // The service applied the request; its answer never reaches the client.
            if (fault === 'lose-response') {
              req.socket.destroy();
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      forwarded.on('error', () => req.socket.destroy());
      forwarded.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return proxy;
}

/** A fault proxy in front of the table service a connection string names (Azurite's), and the string that goes through it. */
export async function proxyTableService(connectionString: string): Promise<{ proxy: FaultProxy; connectionString: string }> {
  const endpoint = /TableEndpoint=(http:\/\/[^/;]+)/.exec(connectionString)?.[1];
  if (!endpoint) throw new Error(`no http TableEndpoint in the connection string: ${connectionString}`);
  const proxy = await startFaultProxy(endpoint);
  return { proxy, connectionString: connectionString.replace(endpoint, proxy.url) };
}
