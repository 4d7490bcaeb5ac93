/**
 * Every job type. Adding one: write its module beside these (see kind.ts) and add it here.
 */
import type { JobKind } from '../kind.ts';
import { conjunctionsJob } from './conjunctions.ts';
import { propagateJob } from './propagate.ts';
import { spectrumJob } from './spectrum.ts';
import { passesJob } from './passes.ts';

export const JOB_KINDS: readonly JobKind[] = [propagateJob, spectrumJob, passesJob, conjunctionsJob];

const byType = new Map(JOB_KINDS.map((k) => [k.type, k]));

export const JOB_TYPES = JOB_KINDS.map((k) => k.type);

export const jobKind = (type: string): JobKind | undefined => byType.get(type);
