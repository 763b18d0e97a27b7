const REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the folder is on a read-only disk',
  EACCES: 'no permission to write there (read-only folder?)',
  EPERM: 'no permission to write there (read-only folder?)',
  ENOENT: 'the folder does not exist',
  ENOTDIR: 'part of the path is not a folder',
  EISDIR: 'a folder has that name',
  ENAMETOOLONG: 'the path is too long',
};

/**
 * Why a write failed, in words a user can act on ("the disk is full"), instead of errno text that names
 * our hidden temp file. Errors without a known errno code keep their own message.
 */
export function writeErrorReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return (code && REASONS[code]) || (err instanceof Error ? err.message : String(err));
}

export function describeWriteError(err: unknown, file: string): string {
  return `Cannot write ${file}: ${writeErrorReason(err)}`;
}
