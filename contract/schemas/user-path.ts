// The one schema for every path the renderer sends: normalised by normaliseUserPath, refused with a
// sentence written for users (the gate passes it on as is, not as a field dump).
import { z } from 'zod';
import { normaliseUserPath } from '../user-path';

/** Marks an issue whose message is meant for the user verbatim (see gate.ts). */
export const USER_MESSAGE = { userMessage: true } as const;

export const UserPath = z
  .string()
  .max(4096)
  .transform((raw, ctx) => {
    const r = normaliseUserPath(raw);
    if (r.ok) return r.path;
    ctx.addIssue({ code: 'custom', message: r.message, params: USER_MESSAGE });
    return z.NEVER;
  });

export function isUserMessageIssue(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'custom' && (issue as { params?: Record<string, unknown> }).params?.userMessage === true;
}
