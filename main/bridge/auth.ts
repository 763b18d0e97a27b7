import crypto from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'poster_tagger_token';

export function newToken(): string {
  return crypto.randomBytes(24).toString('base64url');
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === TOKEN_COOKIE) return v.join('=');
  }
  return undefined;
}

/** The token may come as a bearer header (scripts), the cookie (the page) or ?token= (first visit, WebSocket). */
export function presentedToken(req: IncomingMessage, url: URL): string | undefined {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) return auth.slice(7).trim();
  return cookieToken(req) ?? url.searchParams.get('token') ?? undefined;
}

export function hasValidToken(req: IncomingMessage, url: URL, token: string): boolean {
  const given = presentedToken(req, url);
  return given !== undefined && sameSecret(given, token);
}

/**
 * Host must name this loopback server (defeats DNS rebinding); Origin, when the browser sends one, must be
 * this server's own origin (defeats cross-site requests from other pages).
 */
export function checkHostAndOrigin(req: IncomingMessage, port: number): string | undefined {
  const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  const host = req.headers.host;
  if (!host || !allowedHosts.includes(host.toLowerCase())) return `Host "${host ?? ''}" is not allowed`;
  const origin = req.headers.origin;
  if (origin !== undefined && !allowedHosts.some((h) => origin.toLowerCase() === `http://${h}`)) return `Origin "${origin}" is not allowed`;
  return undefined;
}
