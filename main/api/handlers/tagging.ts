import type { Handlers } from '../gate';
import type { TaggingService } from '../../tagging/tagging-service';

type TaggingCalls =
  | 'tag:start'
  | 'tag:retag'
  | 'predictions:forImages'
  | 'posters:queryPredicted'
  | 'predictions:accept'
  | 'predictions:reject'
  | 'tag:export'
  | 'tag:distribution'
  | 'tag:removeXmp';

/** The tagging calls, answered by the tagging service. */
export function taggingHandlers(s: { tagging: TaggingService }): Pick<Handlers, TaggingCalls> {
  const { tagging } = s;
  return {
    'tag:start': (req) => tagging.start(req),
    'tag:retag': (req) => tagging.retag(req),
    'predictions:forImages': (req) => tagging.forImages(req),
    'posters:queryPredicted': (q) => tagging.queryPredicted(q),
    'predictions:accept': (req) => tagging.accept(req),
    'predictions:reject': (req) => tagging.reject(req),
    'tag:export': (req) => tagging.export(req),
    'tag:distribution': ({ runId, libraryIds }) => tagging.distribution(runId, libraryIds),
    'tag:removeXmp': (req) => tagging.removeXmp(req),
  };
}
