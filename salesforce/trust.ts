/**
 * Trusting one extra CA (the simulator's self-signed certificate) for the REST side.
 *
 * jsforce 3 sends every request through node-fetch 2 without an agent of its own, so Node's
 * `https.globalAgent` carries them. The agent gets one TLS context holding the public roots plus
 * the extra CA, so every other certificate check stays intact; `NODE_TLS_REJECT_UNAUTHORIZED=0`
 * would switch them all off and is never used.
 *
 * Why a `secureContext` and not the agent's `ca` option: with `ca` set (about 150 PEMs), Node
 * builds a new TLS context for every socket and joins all the certificates into the pool key on
 * every request — measured at about 28% of the bot's CPU (docs/BENCHMARKS.md). One context,
 * built once, costs nothing per request.
 */
import https from 'node:https';
import { createSecureContext, rootCertificates } from 'node:tls';

const extraCas: string[] = [];

export function trustExtraCa(pem: string): void {
  const normalized = pem.trim();
  if (extraCas.includes(normalized)) return;
  extraCas.push(normalized);
  https.globalAgent.options.secureContext = createSecureContext({ ca: [...rootCertificates, ...extraCas] });
}
