// exiftool (apt libimage-exiftool-perl), the reference XMP/IPTC reader the sidecar and JPEG tests check against.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { tempDir } from './temp';

const found = spawnSync('exiftool', ['-ver'], { encoding: 'utf8' }).status === 0;

/** `{ skip }` for tests that need exiftool: a clear reason when it is absent (CI installs it). */
export const skipWithoutExiftool: string | undefined = found ? undefined : 'exiftool is not installed (apt-get install libimage-exiftool-perl)';

/** An exiftool config declaring a custom namespace (acme:Project), to write a tag no tool knows. */
export function acmeConfig(): string {
  const file = path.join(tempDir(), 'acme.config');
  fs.writeFileSync(
    file,
    `%Image::ExifTool::UserDefined = (
    'Image::ExifTool::XMP::Main' => { acme => { SubDirectory => { TagTable => 'Image::ExifTool::UserDefined::acme' } } },
);
%Image::ExifTool::UserDefined::acme = (
    GROUPS => { 0 => 'XMP', 1 => 'XMP-acme', 2 => 'Image' },
    NAMESPACE => { 'acme' => 'http://example.com/acme/1.0/' },
    WRITABLE => 'string',
    Project => { },
);
1;
`,
  );
  return file;
}

export function exiftool(args: string[], config?: string): string {
  return execFileSync('exiftool', [...(config ? ['-config', config] : []), ...args], { encoding: 'utf8' });
}

/** Every tag exiftool reads from `file`, by group (-G1), without the file system's own (name, dates, size). */
export function exiftoolJson(file: string, config?: string, extra: string[] = []): Record<string, unknown> {
  const [tags] = JSON.parse(exiftool(['-j', '-G1', '-struct', ...extra, file], config)) as Record<string, unknown>[];
  return Object.fromEntries(Object.entries(tags).filter(([k]) => k !== 'SourceFile' && !k.startsWith('System:') && !k.startsWith('ExifTool:')));
}
