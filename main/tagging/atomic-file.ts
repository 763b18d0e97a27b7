import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeErrorReason } from '../core/write-error';

/**
 * Replaces (or creates) `file` with `content` atomically: a hidden temp file in the same folder, fsync,
 * rename. A crash or a full disk leaves the old file (or none) and never a half-written one; the temp is
 * removed on failure. Hidden, so a library scan never picks it up.
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(tmp, 'wx', 0o644);
  } catch (err) {
    throw new Error(writeErrorReason(err), { cause: err });
  }
  try {
    await handle.writeFile(content);
    await handle.sync();
    await handle.close();
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true });
    // "the disk is full" rather than errno text naming our hidden temp file.
    throw new Error(writeErrorReason(err), { cause: err });
  }
}
