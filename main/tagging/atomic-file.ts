import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Replaces (or creates) `file` with `content` atomically: a hidden temp file in the same folder, fsync,
 * rename. A crash or a full disk leaves the old file (or none) and never a half-written one; the temp is
 * removed on failure. Hidden, so a library scan never picks it up.
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array): Promise<void> {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.promises.open(tmp, 'wx', 0o644);
  try {
    await handle.writeFile(content);
    await handle.sync();
    await handle.close();
    await fs.promises.rename(tmp, file);
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}
