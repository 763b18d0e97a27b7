import type { Handlers } from '../gate';
import type { LoopService } from '../../loop/loop-service';

type LoopCalls = 'loop:next' | 'loop:similar' | 'loop:duplicates' | 'loop:splitLeaks' | 'loop:keepOnTrain';

/** The learning-loop calls, answered by the loop service. */
export function loopHandlers(s: { loop: LoopService }): Pick<Handlers, LoopCalls> {
  const { loop } = s;
  return {
    'loop:next': (req) => loop.next(req),
    'loop:similar': (req) => loop.similar(req),
    'loop:duplicates': (req) => loop.duplicates(req),
    'loop:splitLeaks': (req) => loop.splitLeaks(req),
    'loop:keepOnTrain': (req) => loop.keepOnTrain(req),
  };
}
