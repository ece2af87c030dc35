// The Content-Security-Policy of the workbench page: the same in the Electron window and in a
// browser, where `mimic serve` also allows its event socket in connect-src.
export function workbenchCsp(connectSrc = "'self'"): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    // a dataset's audio is played from a blob: URL made in the page (dataset sample view)
    "media-src 'self' blob:",
    `connect-src ${connectSrc}`,
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}
