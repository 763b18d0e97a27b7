import { z } from 'zod';
import { calls, isCallName, type CallArgs, type CallName, type CallOutput } from '../../contract';
import type { Envelope } from '../../contract/errors';
import { InvalidError } from '../core/errors';
import { UnknownCallError, toErrorBody } from './errors';
import { isUserMessageIssue } from '../../contract/schemas/user-path';

export type Handler<K extends CallName> = (input: CallArgs<K>) => Promise<CallOutput<K>> | CallOutput<K>;
export type Handlers = { [K in CallName]: Handler<K> };

/**
 * The single gate every call passes, whatever the transport: unknown names and inputs that fail the
 * contract's schema are rejected here and never reach a handler.
 */
export function createGate(handlers: Handlers, opts: { validateOutput?: boolean } = {}) {
  async function invoke(name: unknown, rawInput: unknown): Promise<unknown> {
    if (!isCallName(name)) throw new UnknownCallError(name);
    const spec = calls[name];
    const parsed = spec.input.safeParse(rawInput ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(input)', message: i.message }));
      // A field that wrote its refusal for users (a relative path) is told in those words alone.
      const own = parsed.error.issues.find(isUserMessageIssue);
      if (own) throw new InvalidError(own.message, issues);
      const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
      throw new InvalidError(`Invalid input for "${name}": ${summary}`, issues);
    }
    const handler = handlers[name] as (input: unknown) => unknown;
    const result = await handler(parsed.data);
    if (opts.validateOutput) {
      const out = (spec.output as z.ZodType).safeParse(result);
      if (!out.success) throw new Error(`Handler for "${name}" returned an invalid result: ${z.prettifyError(out.error)}`);
    }
    return result;
  }

  async function invokeEnvelope(name: unknown, rawInput: unknown): Promise<Envelope<unknown>> {
    try {
      return { ok: true, result: await invoke(name, rawInput) };
    } catch (err) {
      return { ok: false, error: toErrorBody(err) };
    }
  }

  return { invoke, invokeEnvelope };
}
export type Gate = ReturnType<typeof createGate>;
