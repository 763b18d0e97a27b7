import { APP_ORIGIN } from './protocols';

const OWN = new URL(APP_ORIGIN);

/**
 * Is `url` a page of our own app (app://poster-tagger/…)? IPC calls and navigation are allowed only from it.
 * Node's URL gives custom schemes an opaque origin ("null"), so scheme and host are compared, not `origin`;
 * credentials in the URL (app://poster-tagger@evil/) and unparsable URLs are refused, never thrown.
 */
export function isOwnFrame(url: string | undefined): boolean {
  if (!url) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === OWN.protocol && u.host === OWN.host && u.username === '' && u.password === '';
}
