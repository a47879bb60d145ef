// Passwords never leave the process: every message that may carry a connection URL
// passes through redact(). Known secrets are registered when a URL is parsed, so a
// password echoed back by a server in some other shape is caught too.
const secrets = new Set<string>();

export function registerSecret(secret: string | undefined | null): void {
  if (!secret || secret.length < 3) return;
  secrets.add(secret);
  try {
    const decoded = decodeURIComponent(secret);
    if (decoded !== secret) secrets.add(decoded);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) secrets.add(encoded);
  } catch {
    // a malformed %-escape is still a secret in its raw form, which is already registered
  }
}

const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@/\s]*)@/gi;
const KEY_VALUE_PASSWORD = /\b(password|passwd|pwd)\s*=\s*('[^']*'|"[^"]*"|[^\s;&]+)/gi;

export function redact(text: string): string {
  let out = text.replace(URL_CREDENTIALS, '$1:***@').replace(KEY_VALUE_PASSWORD, '$1=***');
  for (const secret of secrets) out = out.split(secret).join('***');
  return out;
}
