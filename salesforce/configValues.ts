/**
 * One Salesforce setting checked on its own: an https origin, the API version, the Pub/Sub API's
 * host:port, a platform event topic, a PEM file read from disk. Each failure is a `ConfigError`
 * naming the variable, with an example. The defaults and how the values come together are
 * `config.ts`; the login's own variables are `authConfig.ts`.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { ConfigError } from '../util/configError';

/** An https URL reduced to its origin: jsforce appends `/services/...` itself. */
export function httpsOrigin(variable: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(variable, `"${raw}" is not a URL`, 'https://mycompany.my.salesforce.com');
  }
  if (url.protocol !== 'https:') {
    throw new ConfigError(variable, `must use https (got ${url.protocol.replace(':', '')})`, 'https://mycompany.my.salesforce.com');
  }
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new ConfigError(variable, 'must be just the server address, without path, query or credentials', 'https://mycompany.my.salesforce.com');
  }
  return url.origin;
}

/** `NN.N`, 52.0 or later (`example`: the default). */
export function apiVersion(raw: string, example: string): string {
  const match = /^(\d{2,3})\.(\d)$/.exec(raw);
  if (!match) throw new ConfigError('SF_API_VERSION', `"${raw}" is not a version like ${example}`, example);
  // EventUuid (the identity of an event) reaches API clients from 52.0 on.
  if (Number(match[1]) < 52) throw new ConfigError('SF_API_VERSION', `${raw} is too old: 52.0 or later is needed`, example);
  return raw;
}

/** `host:port` (a bracketed IPv6 address too), the port from 1 to 65535. */
export function pubSubEndpoint(raw: string, example: string): string {
  const match = /^([a-zA-Z0-9.-]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(raw);
  const port = match ? Number(match[2]) : 0;
  if (!match || port < 1 || port > 65535) {
    throw new ConfigError('SF_PUBSUB_ENDPOINT', `"${raw}" is not host:port`, example);
  }
  return raw;
}

/** A topic variable (`SF_EVENT_TOPIC`, `SF_REQUEST_TOPIC`, ...): a platform event topic, `/event/Name__e`. */
export function platformEventTopic(variable: string, raw: string, example: string): string {
  if (!/^\/event\/[a-zA-Z][a-zA-Z0-9_]*__e$/.test(raw)) {
    throw new ConfigError(variable, `"${raw}" is not a platform event topic (/event/Name__e)`, example);
  }
  return raw;
}

/** `SF_TRUST_CERT_FILE`'s content, a PEM certificate. */
export function readCertificate(file: string): string {
  const pem = readVariableFile('SF_TRUST_CERT_FILE', file, './.simulator/simulator-ca.pem');
  try {
    new X509Certificate(pem);
  } catch {
    throw new ConfigError('SF_TRUST_CERT_FILE', `${file} does not hold a PEM certificate`, './.simulator/simulator-ca.pem');
  }
  return pem;
}

/** The content of a file a variable names; a file that cannot be read is that variable's error. */
export function readVariableFile(variable: string, file: string, example: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(variable, `cannot read ${file} (${code})`, example);
  }
}
