import path from 'node:path';

/**
 * Where an image's sidecar lives. `image-ext` (`poster.jpg.xmp`) is what digiKam, darktable and Immich
 * look for first and cannot collide; `basename` (`poster.xmp`) is Lightroom's, shared by `poster.jpg`
 * and `poster.png` in one folder.
 */
export type SidecarNaming = 'image-ext' | 'basename';

export function sidecarPath(image: string, naming: SidecarNaming = 'image-ext'): string {
  if (naming === 'image-ext') return `${image}.xmp`;
  const ext = path.extname(image);
  return `${ext ? image.slice(0, -ext.length) : image}.xmp`;
}

/** Both names an image's sidecar may have (remove looks at both). */
export function sidecarPaths(image: string): string[] {
  return [...new Set([sidecarPath(image, 'image-ext'), sidecarPath(image, 'basename')])];
}
