/** True for a host name or address on this machine only (`localhost`, 127.0.0.0/8, `::1`). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '');
  return bare === 'localhost' || bare === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(bare);
}

/**
 * gRPC channel options for `host:port`. grpc-js sends the host as the TLS server name, and Node
 * deprecates an IP address there (DEP0123, RFC 6066): for a loopback IP (the simulator, whose
 * certificate names DNS:localhost too) the name is `localhost` and the certificate is still checked
 * against it. Any other endpoint is left as it is.
 */
export function tlsNameOptions(endpoint: string): Record<string, string> {
  const host = endpoint.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === '::1' ? { 'grpc.ssl_target_name_override': 'localhost' } : {};
}
