// Records, and refuses before anything is sent, every attempt of this Node process to reach an
// address that is not loopback: TCP/IPC connects (net, and so http, https, http2, tls, gRPC),
// UDP sends and connects, and DNS lookups of names that are not loopback. Each attempt is one
// JSON line appended to the file named by COWORK_TRAFFIC_LOG. Loaded two ways, by
// test/harness/offMachineTraffic.ts: in the test's own process (install), and in every child
// process it starts, through NODE_OPTIONS=--require (then it installs itself from the environment).
'use strict';
const fs = require('node:fs');
const net = require('node:net');
const dgram = require('node:dgram');
const dns = require('node:dns');

const LOOPBACK_NAMES = new Set(['localhost', 'localhost.', 'ip6-localhost', 'ip6-loopback']);

/** True for 127.0.0.0/8, ::1, IPv4-mapped loopback, the loopback names, and "no host" (loopback by default). */
function isLoopback(host) {
  if (host === undefined || host === null || host === '') return true;
  const h = String(host)
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (LOOPBACK_NAMES.has(h)) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  return mapped !== null && mapped[1].startsWith('127.');
}

let installed;

function install(logFile) {
  if (installed) return installed;
  const record = (kind, host, port) => {
    const line = JSON.stringify({
      pid: process.pid,
      argv: process.argv.slice(1, 3).join(' '),
      kind,
      host: String(host),
      port: port === undefined ? null : Number(port),
    });
    fs.appendFileSync(logFile, `${line}\n`);
  };
  const refused = (what) => Object.assign(new Error(`off-machine ${what} refused by the test harness`), { code: 'ECONNREFUSED' });

  const originalConnect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function connect(...args) {
    let options = args[0];
    if (Array.isArray(options)) options = options[0]; // net's internal normalized form
    let host;
    let port;
    if (options !== null && typeof options === 'object') {
      if (options.path !== undefined) return originalConnect.apply(this, args); // a local socket
      host = options.host;
      port = options.port;
    } else if (typeof options === 'string' && !/^\d+$/.test(options)) {
      return originalConnect.apply(this, args); // a local socket path
    } else {
      port = options;
      host = typeof args[1] === 'string' ? args[1] : undefined;
    }
    if (isLoopback(host)) return originalConnect.apply(this, args);
    record('connect', host, port);
    process.nextTick(() => this.destroy(refused(`connection to ${host}:${port}`)));
    return this;
  };

  const originalSend = dgram.Socket.prototype.send;
  dgram.Socket.prototype.send = function send(msg, ...rest) {
    const address = rest.find((a, i) => typeof a === 'string' && i > 0);
    const port = rest.find((a) => typeof a === 'number');
    if (address !== undefined && !isLoopback(address)) {
      record('udp', address, port);
      const callback = rest.find((a) => typeof a === 'function');
      if (callback) process.nextTick(callback, refused(`datagram to ${address}`));
      return undefined;
    }
    return originalSend.call(this, msg, ...rest);
  };
  const originalUdpConnect = dgram.Socket.prototype.connect;
  dgram.Socket.prototype.connect = function connect(port, address, callback) {
    if (typeof address === 'string' && !isLoopback(address)) {
      record('udp', address, port);
      throw refused(`datagram connection to ${address}`);
    }
    return originalUdpConnect.call(this, port, address, callback);
  };

  const originalLookup = dns.lookup;
  dns.lookup = function lookup(hostname, ...rest) {
    if (isLoopback(hostname) || net.isIP(String(hostname)) !== 0) return originalLookup.call(this, hostname, ...rest);
    record('dns', hostname, undefined);
    const callback = rest.find((a) => typeof a === 'function');
    const err = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (off-machine lookup refused by the test harness)`), { code: 'ENOTFOUND', hostname });
    if (callback) process.nextTick(callback, err);
    return undefined;
  };
  const originalPromiseLookup = dns.promises.lookup;
  dns.promises.lookup = function lookup(hostname, options) {
    if (isLoopback(hostname) || net.isIP(String(hostname)) !== 0) return originalPromiseLookup.call(this, hostname, options);
    record('dns', hostname, undefined);
    return Promise.reject(
      Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (off-machine lookup refused by the test harness)`), { code: 'ENOTFOUND', hostname }),
    );
  };

  installed = {
    uninstall() {
      net.Socket.prototype.connect = originalConnect;
      dgram.Socket.prototype.send = originalSend;
      dgram.Socket.prototype.connect = originalUdpConnect;
      dns.lookup = originalLookup;
      dns.promises.lookup = originalPromiseLookup;
      installed = undefined;
    },
  };
  return installed;
}

module.exports = { install, isLoopback };

// Loaded with --require in a child process: watch it for the whole of its life.
if (require.main !== module && process.env.COWORK_TRAFFIC_LOG && process.env.COWORK_TRAFFIC_HOOK_CHILD === '1') {
  install(process.env.COWORK_TRAFFIC_LOG);
}
