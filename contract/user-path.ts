/**
 * Paths typed by a user (library folder, folders to tag, export and import files). The back end runs in
 * another process than the page, so a relative path would silently be read from the server's working
 * folder: it is refused instead, with the way out. `~` is the home folder, as in a terminal.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RELATIVE_PATH_MESSAGE =
  "Type a full path such as /home/you/Posters or ~/Posters — a relative path would be read from the server's folder, which means nothing here.";

export type UserPathResult = { ok: true; path: string } | { ok: false; message: string };

export interface UserPathOptions {
  home?: string;
  /** The path flavour (tests check Windows rules on Linux). */
  paths?: path.PlatformPath;
}

/** Expands `~`, accepts file:// URLs (a dragged file) and pasted quotes, refuses relative paths, normalises. */
export function normaliseUserPath(raw: string, opts: UserPathOptions = {}): UserPathResult {
  const p = opts.paths ?? path;
  let s = raw.trim();
  // Pasted from a terminal or a file manager's "copy path": '…' or "…" around it.
  if (s.length >= 2 && (s[0] === '"' || s[0] === "'") && s.at(-1) === s[0]) s = s.slice(1, -1).trim();
  if (s === '') return { ok: false, message: 'Type a path.' };
  if (s.includes('\0')) return { ok: false, message: 'That path contains a NUL character; type it again.' };
  if (/^file:\/\//i.test(s)) {
    try {
      s = fileURLToPath(s, { windows: p === path.win32 });
    } catch {
      return { ok: false, message: `${s} is not a file URL of this computer; type the path instead.` };
    }
  }
  if (s === '~' || s.startsWith('~/') || (p === path.win32 && s.startsWith('~\\'))) {
    s = p.join(opts.home ?? os.homedir(), s.slice(1));
  } else if (s.startsWith('~')) {
    return { ok: false, message: `"${s.split(/[\\/]/)[0]}" (another user's home folder) is not supported; type the full path.` };
  }
  if (!p.isAbsolute(s)) return { ok: false, message: `"${s}" is not a full path. ${RELATIVE_PATH_MESSAGE}` };
  let out = p.normalize(s);
  // No trailing separator (except the root itself), so the same folder is always the same string.
  while (out.length > 1 && /[\\/]$/.test(out) && p.dirname(out) !== out) out = out.slice(0, -1);
  return { ok: true, path: out };
}
