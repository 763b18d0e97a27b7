// A small preview of an image file the user typed the path of (Try it): the page cannot read local files.
import fs from 'node:fs';
import type { DataPaths } from '../../core/data-dir';
import type { Handlers } from '../gate';
import { hashFile } from '../../core/content-hash';
import { ensureThumbnail } from '../../library/thumbnails';
import { InvalidError, NotFoundError } from '../../core/errors';

export function fileHandlers(paths: Pick<DataPaths, 'thumbnails'>): Pick<Handlers, 'files:preview'> {
  return {
    'files:preview': async ({ path: file }) => {
      const st = await fs.promises.stat(file).catch(() => undefined);
      if (!st) throw new NotFoundError(`File not found: ${file}`);
      if (!st.isFile()) throw new InvalidError(`${file} is a folder; give an image file (JPEG, PNG or WebP).`);
      try {
        // The same content-addressed thumbnail cache as the gallery's: a second look costs nothing.
        const thumb = await ensureThumbnail(paths.thumbnails, await hashFile(file), file);
        return { mime: 'image/jpeg', dataBase64: (await fs.promises.readFile(thumb)).toString('base64') };
      } catch {
        throw new InvalidError(`${file} could not be read as an image (JPEG, PNG or WebP).`);
      }
    },
  };
}
