/**
 * The self-signed certificate both servers present (SAN IP:127.0.0.1 and DNS:localhost) and
 * the RSA key pair for JWT bearer logins, generated on first start and kept in the data
 * folder. Files are published with an atomic hard link, so simulators starting at the same
 * time (parallel test workers) all end up using the same certificate and key.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import selfsigned from 'selfsigned';

export interface TlsMaterial {
  key: string;
  cert: string;
  certFile: string;
}

export interface JwtKeyPair {
  privateKey: string;
  publicKey: string;
}

const CERT_DAYS = 825;

/** Writes `content` to `file` unless it exists; the first writer wins, everyone reads the winner. */
function createOnce(file: string, make: () => string): string {
  if (!existsSync(file)) {
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(temp, make(), { mode: 0o600 });
    try {
      linkSync(temp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      unlinkSync(temp);
    }
  }
  return readFileSync(file, 'utf8');
}

function rsaPair(): JwtKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privateKey, publicKey };
}

export function loadTlsMaterial(dataDir: string): TlsMaterial {
  mkdirSync(dataDir, { recursive: true });
  const bundle = createOnce(path.join(dataDir, 'tls-bundle.pem'), () => {
    const keyPair = rsaPair();
    // `keyPair` (supported by selfsigned 2.4, missing from its types) avoids node-forge's slow JS key generation.
    const options = {
      keyPair,
      days: CERT_DAYS,
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'keyUsage', keyCertSign: true, digitalSignature: true, keyEncipherment: true },
        { name: 'extKeyUsage', serverAuth: true },
        {
          name: 'subjectAltName',
          altNames: [
            { type: 2, value: 'localhost' },
            { type: 7, ip: '127.0.0.1' },
          ],
        },
      ],
    };
    const pems = selfsigned.generate([{ name: 'commonName', value: 'cowork-simulator.localhost' }], options);
    return `${keyPair.privateKey}${pems.cert}`;
  });
  const key = /-----BEGIN RSA PRIVATE KEY-----[\s\S]+?-----END RSA PRIVATE KEY-----\n?/.exec(bundle)?.[0];
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(bundle)?.[0];
  if (!key || !cert) throw new Error(`${path.join(dataDir, 'tls-bundle.pem')} is damaged: delete it to regenerate`);
  // The certificate alone, for clients to trust (same content whichever process writes it).
  const certFile = path.join(dataDir, 'simulator-ca.pem');
  if (!existsSync(certFile) || readFileSync(certFile, 'utf8') !== cert) {
    const temp = `${certFile}.${process.pid}.tmp`;
    writeFileSync(temp, cert);
    renameSync(temp, certFile);
  }
  return { key, cert, certFile };
}

/** The JWT bearer key pair the simulator verifies assertions with (kept so tokens scripts keep working). */
export function loadJwtKeyPair(dataDir: string): JwtKeyPair {
  mkdirSync(dataDir, { recursive: true });
  const pem = createOnce(path.join(dataDir, 'jwt-key.pem'), () => {
    const pair = rsaPair();
    return `${pair.privateKey}${pair.publicKey}`;
  });
  const privateKey = /-----BEGIN RSA PRIVATE KEY-----[\s\S]+?-----END RSA PRIVATE KEY-----\n?/.exec(pem)?.[0];
  const publicKey = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----\n?/.exec(pem)?.[0];
  if (!privateKey || !publicKey) throw new Error(`${path.join(dataDir, 'jwt-key.pem')} is damaged: delete it to regenerate`);
  return { privateKey, publicKey };
}
