// Fault injection for the disk tests. Real faults where this machine allows them (a read-only bind mount, a
// tiny tmpfs that really fills up: both need root with CAP_SYS_ADMIN; chmod when not root, because root
// ignores permission bits), else a simulation at the fs module: every write-mode open, write, rename or
// mkdir under the folder fails with the errno the kernel would give (ENOSPC after writing half the data, as
// a full disk does; EROFS at once). The app's modules all reach the disk through `node:fs`, so they see the
// same errors either way.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export type FaultCode = 'ENOSPC' | 'EROFS';
const MESSAGES: Record<FaultCode, string> = { ENOSPC: 'no space left on device', EROFS: 'read-only file system' };
const ERRNO: Record<FaultCode, number> = { ENOSPC: -28, EROFS: -30 };

function errnoError(code: FaultCode, syscall: string, file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${MESSAGES[code]}, ${syscall} '${file}'`), { code, errno: ERRNO[code], syscall, path: file });
}

const isWriteFlag = (flags: unknown) =>
  typeof flags === 'string' ? /[wax+]/.test(flags) : typeof flags === 'number' && (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) !== 0;

type Patch = [object, string, unknown];

/** Makes every write under `dir` fail with `code` until the returned function is called. */
export function injectWriteFault(dir: string, code: FaultCode): { restore(): void; hits(): number } {
  const root = path.resolve(dir);
  const inside = (p: unknown) => {
    if (typeof p !== 'string' && !(p instanceof URL) && !Buffer.isBuffer(p)) return false;
    const abs = path.resolve(String(p instanceof URL ? p.pathname : p));
    return abs === root || abs.startsWith(root + path.sep);
  };
  let hits = 0;
  const saved: Patch[] = [];
  const patch = <T extends object>(obj: T, name: keyof T & string, make: (orig: any) => unknown) => {
    const orig = (obj as any)[name];
    saved.push([obj, name, orig]);
    (obj as any)[name] = make(orig);
  };
  const half = (data: unknown) =>
    typeof data === 'string' ? data.slice(0, data.length >> 1) : Buffer.from(data as Uint8Array).subarray(0, (data as Uint8Array).length >> 1);

  patch(fs, 'writeFileSync', (orig) => (file: unknown, data: unknown, ...rest: unknown[]) => {
    if (!inside(file)) return orig(file, data, ...rest);
    hits++;
    if (code === 'ENOSPC') orig(file, half(data), ...rest);
    throw errnoError(code, 'write', String(file));
  });
  patch(fs, 'openSync', (orig) => (file: unknown, flags: unknown, ...rest: unknown[]) => {
    if (inside(file) && isWriteFlag(flags) && code === 'EROFS') {
      hits++;
      throw errnoError(code, 'open', String(file));
    }
    return orig(file, flags, ...rest);
  });
  for (const name of ['renameSync', 'mkdirSync', 'copyFileSync'] as const) {
    patch(fs, name, (orig) => (a: unknown, b: unknown, ...rest: unknown[]) => {
      const target = name === 'mkdirSync' ? a : b;
      if (inside(target) && !(name === 'mkdirSync' && fs.existsSync(String(a)))) {
        hits++;
        throw errnoError(code, name.replace('Sync', ''), String(target));
      }
      return orig(a, b, ...rest);
    });
  }
  const p = fs.promises;
  patch(p, 'open', (orig) => async (file: unknown, flags: unknown, ...rest: unknown[]) => {
    if (!inside(file) || !isWriteFlag(flags)) return orig(file, flags, ...rest);
    hits++;
    if (code === 'EROFS') throw errnoError(code, 'open', String(file));
    const handle = await orig(file, flags, ...rest);
    const realWrite = handle.write.bind(handle);
    // A full disk accepts part of the data, then refuses the rest.
    const fail = async (data: unknown) => {
      await realWrite(typeof data === 'string' ? Buffer.from(half(data) as string) : (half(data) as Buffer));
      throw errnoError(code, 'write', String(file));
    };
    handle.writeFile = fail;
    handle.write = fail;
    return handle;
  });
  patch(p, 'writeFile', (orig) => async (file: unknown, data: unknown, ...rest: unknown[]) => {
    if (!inside(file)) return orig(file, data, ...rest);
    hits++;
    if (code === 'ENOSPC') await orig(file, half(data), ...rest);
    throw errnoError(code, 'write', String(file));
  });
  for (const name of ['rename', 'mkdir', 'copyFile'] as const) {
    patch(p, name, (orig) => async (a: unknown, b: unknown, ...rest: unknown[]) => {
      const target = name === 'mkdir' ? a : b;
      if (inside(target) && !(name === 'mkdir' && fs.existsSync(String(a)))) {
        hits++;
        throw errnoError(code, name, String(target));
      }
      return orig(a, b, ...rest);
    });
  }
  return {
    hits: () => hits,
    restore() {
      for (const [obj, name, orig] of saved.reverse()) (obj as any)[name] = orig;
    },
  };
}

const isRoot = () => process.getuid?.() === 0;

function tryMount(args: string[]): boolean {
  try {
    execFileSync('mount', args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface AppliedFault {
  /** How the fault was made, for the test's name and the summary. */
  how: 'chmod' | 'read-only bind mount' | 'tmpfs' | 'simulated (fs)';
  undo(): void;
}

/** `dir` becomes read-only for this process: really when possible, else simulated. */
export function makeReadOnly(dir: string): AppliedFault {
  if (!isRoot()) {
    const entries = [dir, ...fs.readdirSync(dir, { recursive: true }).map((e) => path.join(dir, String(e)))];
    const modes = entries.map((e) => [e, fs.statSync(e).mode] as const);
    for (const [e, m] of modes) fs.chmodSync(e, m & ~0o222);
    return { how: 'chmod', undo: () => modes.forEach(([e, m]) => fs.chmodSync(e, m)) };
  }
  if (tryMount(['--bind', dir, dir])) {
    if (tryMount(['-o', 'remount,bind,ro', dir])) return { how: 'read-only bind mount', undo: () => execFileSync('umount', [dir]) };
    execFileSync('umount', [dir]);
  }
  const fault = injectWriteFault(dir, 'EROFS');
  return { how: 'simulated (fs)', undo: fault.restore };
}

/**
 * A tiny disk at `dir` (created empty): a 1 MB tmpfs when this process may mount one, else null (the caller
 * then simulates with injectWriteFault). `fill()` takes the remaining space, so the next write fails.
 */
export function tinyDisk(dir: string): (AppliedFault & { fill(): void }) | null {
  fs.mkdirSync(dir, { recursive: true });
  if (!isRoot() || !tryMount(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir])) return null;
  return {
    how: 'tmpfs',
    fill() {
      const fd = fs.openSync(path.join(dir, '.filler'), 'w');
      try {
        const chunk = Buffer.alloc(4096, 1);
        for (;;) fs.writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        fs.closeSync(fd);
      }
    },
    undo: () => execFileSync('umount', ['-l', dir]),
  };
}
