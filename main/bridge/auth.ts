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

/**
 * Every token the request presents: a bearer header (scripts), ?token= (first visit, WebSocket) and the
 * cookie (the page). Any one valid token admits it: the cookie of an earlier start (cookies ignore the
 * port, so a restarted app on a new port still receives it) must never shadow the right URL token.
 */
export function presentedTokens(req: IncomingMessage, url: URL): string[] {
  const auth = req.headers.authorization;
  const bearer = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
  return [bearer, url.searchParams.get('token') ?? undefined, cookieToken(req)].filter((t): t is string => t !== undefined);
}

export type TokenCheck = 'ok' | 'missing' | 'stale-cookie' | 'wrong';

/** Whether the request may in, and why not: 'stale-cookie' is a browser left with an earlier start's cookie. */
export function checkToken(req: IncomingMessage, url: URL, token: string): TokenCheck {
  const given = presentedTokens(req, url);
  if (given.some((t) => sameSecret(t, token))) return 'ok';
  if (given.length === 0) return 'missing';
  return given.length === 1 && cookieToken(req) !== undefined ? 'stale-cookie' : 'wrong';
}

export function hasValidToken(req: IncomingMessage, url: URL, token: string): boolean {
  return checkToken(req, url, token) === 'ok';
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
