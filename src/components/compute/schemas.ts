/**
 * Request and response shapes of /v1/jobs. One job type exists, so the body schema
 * names its parameters exactly and validation reports every bad field; a second type
 * turns `JobCreate` into a union discriminated by `type`.
 */
import { Type, type Static } from 'typebox';
import { TimeInput, TimeOutput } from '../../core/schemas.ts';

export const JOB_TYPES = ['orbit.propagate'] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const PropagateParams = Type.Object(
  {
    spacecraft: Type.String({ minLength: 1, maxLength: 128, description: 'Id of a spacecraft that has a TLE' }),
    from: TimeInput,
    to: TimeInput,
    stepSeconds: Type.Number({ minimum: 0.001, description: 'Seconds between samples; (to - from) / stepSeconds + 1 samples, at most ORBIT_COMPUTE_MAX_SAMPLES per job' }),
  },
  { additionalProperties: false, description: 'Samples at from, from + step, ... up to to' },
);
export type PropagateParams = Static<typeof PropagateParams>;

export const JobCreate = Type.Object(
  {
    type: Type.Enum([...JOB_TYPES], { description: 'Kind of job' }),
    params: PropagateParams,
  },
  { additionalProperties: false },
);
export type JobCreate = Static<typeof JobCreate>;

const Vector = (unit: string) => Type.Array(Type.Number(), { minItems: 3, maxItems: 3, description: `x, y, z in ${unit} (TEME)` });

export const Sample = Type.Object({
  time: TimeOutput,
  positionKm: Vector('km'),
  velocityKmS: Vector('km/s'),
  latitudeDeg: Type.Number(),
  longitudeDeg: Type.Number(),
  altitudeKm: Type.Number({ description: 'Above the WGS-84 ellipsoid' }),
});

export const PropagationResult = Type.Object({
  frame: Type.Literal('TEME'),
  samples: Type.Array(Sample),
});

/** Parameters as stored with the job: times normalised, and the TLE the job flies. */
export const StoredPropagateParams = Type.Object({
  spacecraft: Type.String(),
  from: TimeOutput,
  to: TimeOutput,
  stepSeconds: Type.Number(),
  tle: Type.Array(Type.String(), { minItems: 2, maxItems: 2, description: 'The element set at the time the job was created' }),
});
export type StoredPropagateParams = Static<typeof StoredPropagateParams>;

export const JobState = Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('succeeded'), Type.Literal('failed')]);

export const Job = Type.Object({
  id: Type.String(),
  type: Type.String(),
  state: JobState,
  progress: Type.Number({ minimum: 0, maximum: 1, description: 'Fraction done' }),
  params: StoredPropagateParams,
  result: Type.Optional(PropagationResult),
  error: Type.Optional(Type.String()),
  createdAt: TimeOutput,
  startedAt: Type.Optional(TimeOutput),
  finishedAt: Type.Optional(TimeOutput),
});

export const JobAccepted = Type.Object({ id: Type.String(), state: JobState });

export const JobId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 128 }) });

/** Body of a compute.jobs message. */
export interface JobMessage {
  id: string;
  type: JobType;
}
