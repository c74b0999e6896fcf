import { randomUUID } from 'node:crypto';
import { STEPS } from './steps/registry.js';
import { STATE_SCHEMA_VERSION, STEP_NAMES, type PlanRequest, type PostProcessingState, type StepName } from './state.js';

export interface NewStateInput {
  app: PostProcessingState['app'];
  build: PostProcessingState['build'];
  uploadedAt: Date;
  findBuildTimeoutMs: number;
  processingTimeoutMs: number;
  request: PlanRequest;
  /** Steps that do not apply (e.g. `upload-state` after an altool upload, which has no build upload). */
  skip?: StepName[];
  origin?: PostProcessingState['origin'];
  /** What the preflight found already (the group's public link). */
  testflight?: PostProcessingState['testflight'];
}

/** The state of a build whose post-processing starts now: every step the request asks for, pending. */
export function newState(input: NewStateInput): PostProcessingState {
  const at = input.uploadedAt.getTime();
  const steps: PostProcessingState['steps'] = {};
  for (const name of plannedSteps(input.request)) steps[name] = { status: input.skip?.includes(name) ? 'skipped' : 'pending' };
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    id: randomUUID(),
    revision: 0,
    createdAt: new Date().toISOString(),
    app: input.app,
    build: input.build,
    uploadedAt: input.uploadedAt.toISOString(),
    deadlines: {
      findBuild: new Date(at + input.findBuildTimeoutMs).toISOString(),
      processing: new Date(at + input.processingTimeoutMs).toISOString(),
    },
    request: input.request,
    steps,
    status: 'pending',
    origin: input.origin,
    ...(input.testflight ? { testflight: input.testflight } : {}),
  };
}

/** The steps a request needs, in order. */
function plannedSteps(request: PlanRequest): StepName[] {
  return STEP_NAMES.filter((name) => STEPS[name].applies(request));
}
