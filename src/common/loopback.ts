/** Loopback host names and addresses: where the proxy listens by default, and where plain HTTP to an issuer is allowed. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}
