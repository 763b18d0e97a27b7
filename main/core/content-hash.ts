import crypto from 'node:crypto';
import fs from 'node:fs';

/** sha256 (hex) of a file's bytes: the key of thumbnails, embeddings and predictions. */
export async function hashFile(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function hashBuffer(buf: Uint8Array): string {
  return crypto.createHash('sha256').update(buf).digest('hex');
}
