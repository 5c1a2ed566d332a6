/**
 * Trusting one extra CA (the simulator's self-signed certificate) for the REST side.
 *
 * jsforce 3 sends every request through node-fetch 2 without an agent of its own, so Node's
 * `https.globalAgent` carries them. Adding the PEM to that agent's `ca`, next to the public
 * roots, keeps every other certificate check intact; `NODE_TLS_REJECT_UNAUTHORIZED=0` would
 * switch them all off and is never used.
 */
import https from 'node:https';
import { rootCertificates } from 'node:tls';

export function trustExtraCa(pem: string): void {
  const options = https.globalAgent.options;
  const current = options.ca === undefined ? [...rootCertificates] : Array.isArray(options.ca) ? [...options.ca] : [options.ca];
  const normalized = pem.trim();
  if (current.some((ca) => ca.toString().trim() === normalized)) return;
  options.ca = [...current, normalized];
}
