import type { Handlers } from '../gate';
import { DEFAULT_BACKBONE, type BackboneAvailability } from '../../ml/backbones/registry';
import type { BackbonesService } from '../../training/backbones-service';

type BackboneCalls = 'backbones:download' | 'backbones:import';

const SPEED_NOTE: Record<string, string> = {
  inception_v3: ', most accurate',
  mobilenet_v2: ', fastest',
};

/** How the UI lists a backbone: availability, engine, size and a speed hint. */
export function backboneOption(a: BackboneAvailability) {
  return {
    id: a.id,
    label: a.label,
    available: a.installed,
    reason: a.problem,
    engine: a.installed ? (a.onnx ? 'onnxruntime' : 'tfjs') : undefined,
    inputSize: a.spec.inputSize,
    embeddingSize: a.spec.embeddingSize,
    licence: a.spec.licence,
    source: a.spec.source,
    isDefault: a.id === DEFAULT_BACKBONE,
    note: `${a.spec.inputSize}px, ${a.spec.embeddingSize}-d${SPEED_NOTE[a.id] ?? ''}${a.installed && !a.onnx ? ' (slower TF.js engine)' : a.variant === 'int8' ? ', int8' : ''}`,
    variant: a.variant,
    variantReason: a.variantReason,
  };
}

export function backboneHandlers(s: { backbones: BackbonesService }): Pick<Handlers, BackboneCalls> {
  return {
    'backbones:download': ({ id }) => s.backbones.download(id),
    'backbones:import': async (req) => backboneOption(await s.backbones.import(req)),
  };
}
