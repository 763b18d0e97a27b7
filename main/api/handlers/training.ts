import type { Handlers } from '../gate';
import type { RunsService } from '../../runs/runs-service';
import type { TrainingService } from '../../training/training-service';
import { backboneOption } from './backbones';

type TrainingCalls =
  | 'train:options'
  | 'train:start'
  | 'runs:list'
  | 'runs:get'
  | 'runs:delete'
  | 'runs:evaluation'
  | 'runs:evaluationCharts'
  | 'runs:export'
  | 'runs:import'
  | 'runs:setTagging'
  | 'runs:resetThresholds'
  | 'runs:prefer'
  | 'runs:default'
  | 'runs:compare'
  | 'predict:files'
  | 'predict:images';

/** The training, runs and prediction calls: each one a call of the runs or training service. */
export function trainingHandlers(s: { runs: RunsService; training: TrainingService }): Pick<Handlers, TrainingCalls> {
  const { runs, training } = s;
  return {
    'train:options': () => {
      const options = training.options();
      return { ...options, tutorialGenres: [...options.tutorialGenres], backbones: options.backbones.map(backboneOption) };
    },
    'train:start': (req) => training.start(req),
    'runs:list': () => runs.list(),
    'runs:get': ({ id }) => runs.get(id),
    'runs:delete': ({ id }) => runs.delete(id),
    'runs:evaluation': ({ id }) => runs.evaluation(id),
    'runs:evaluationCharts': ({ id }) => runs.evaluationCharts(id),
    'runs:export': ({ id, file, overwrite, format }) => runs.export(id, file, { overwrite, format }),
    'runs:import': ({ file }) => runs.import(file),
    'runs:setTagging': ({ runId, mode, maxTags, overrides }) => runs.setTagging(runId, { mode, maxTags, overrides }),
    'runs:resetThresholds': ({ runId }) => runs.resetThresholds(runId),
    'runs:prefer': ({ runId, preferred }) => runs.prefer(runId, preferred),
    'runs:default': ({ libraryId, without }) => runs.default({ libraryId, without }),
    'runs:compare': ({ runId, againstRunId }) => runs.compare(runId, againstRunId),
    'predict:files': ({ runId, paths, threshold, mode, maxTags }) => runs.predictFiles(runId, paths, { threshold, mode, maxTags }),
    'predict:images': ({ runId, images, threshold, mode, maxTags }) =>
      runs.predictImages(
        runId,
        images.map((i) => ({ name: i.name, data: Buffer.from(i.dataBase64, 'base64') })),
        { threshold, mode, maxTags },
      ),
  };
}
