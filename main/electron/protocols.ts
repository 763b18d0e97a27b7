import fs from 'node:fs';
import type { Protocol } from 'electron';
import type { Backend } from '../backend';
import { contentSecurityPolicy, BASE_HEADERS } from '../web/security-headers';
import { contentType, resolveStatic } from '../web/static-files';

/** The renderer is served from app://poster-tagger (not file://) and images from poster-media://. */
export const APP_SCHEME = 'app';
export const MEDIA_SCHEME = 'poster-media';
export const APP_ORIGIN = `${APP_SCHEME}://poster-tagger`;

export function registerSchemesAsPrivileged(protocol: Protocol) {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
    { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

export function registerAppProtocols(protocol: Protocol, rendererDir: string, backend: Backend) {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    const file = url.host === 'poster-tagger' ? resolveStatic(rendererDir, url.pathname) : undefined;
    if (!file) return new Response('Not found', { status: 404 });
    return new Response(fs.readFileSync(file), {
      headers: { ...BASE_HEADERS, 'Content-Type': contentType(file), 'Content-Security-Policy': contentSecurityPolicy(`${MEDIA_SCHEME}:`) },
    });
  });
  protocol.handle(MEDIA_SCHEME, async (request) => {
    const url = new URL(request.url);
    const found = backend.media ? await backend.media.resolve(`${url.host}${url.pathname}`, url.searchParams) : undefined;
    if (!found) return new Response('Not found', { status: 404 });
    return new Response(fs.readFileSync(found.file), { headers: { ...BASE_HEADERS, 'Content-Type': found.contentType } });
  });
}
