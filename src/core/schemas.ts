/**
 * The API's data shapes. These schemas validate requests, type the code (Static<>)
 * and produce /openapi.json: one source of truth.
 */
import { Type, type Static } from 'typebox';
import { MAX_EPOCH_MS } from './time.ts';

const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', description: 'Letters, digits, . _ : -' });

export const TimeInput = Type.Union([Type.String({ format: 'date-time' }), Type.Number({ minimum: 0, maximum: MAX_EPOCH_MS, description: 'Epoch milliseconds' })], {
  description: 'ISO 8601 UTC or epoch milliseconds; kept to the millisecond',
});
export const TimeOutput = Type.String({ format: 'date-time' });

export const MissionCreate = Type.Object(
  {
    id: Id,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    autoRegisterChannels: Type.Optional(Type.Boolean({ description: 'Unknown channels in a batch are created (type inferred, no limits) instead of rejected' })),
    retentionDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 36_500, description: 'Days telemetry is kept; whole days of segments are dropped after it. Absent: kept for good' })),
  },
  { additionalProperties: false },
);
export type MissionCreate = Static<typeof MissionCreate>;

export const Mission = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.Optional(Type.String()),
  autoRegisterChannels: Type.Boolean(),
  retentionDays: Type.Optional(Type.Integer()),
  createdAt: TimeOutput,
});
export type Mission = Static<typeof Mission>;

export const SpacecraftCreate = Type.Object(
  {
    id: Id,
    missionId: Id,
    name: Type.String({ minLength: 1, maxLength: 200 }),
    tle: Type.Optional(Type.Tuple([Type.String(), Type.String()], { description: 'Two-line element set [line1, line2]' })),
  },
  { additionalProperties: false },
);
export type SpacecraftCreate = Static<typeof SpacecraftCreate>;

export const Spacecraft = Type.Object({
  id: Type.String(),
  missionId: Type.String(),
  name: Type.String(),
  tle: Type.Optional(Type.Tuple([Type.String(), Type.String()])),
  createdAt: TimeOutput,
});
export type Spacecraft = Static<typeof Spacecraft>;

export const ChannelType = Type.Union([Type.Literal('number'), Type.Literal('string'), Type.Literal('boolean')]);
export type ChannelType = Static<typeof ChannelType>;

export const Limits = Type.Object(
  {
    redLow: Type.Optional(Type.Number()),
    yellowLow: Type.Optional(Type.Number()),
    yellowHigh: Type.Optional(Type.Number()),
    redHigh: Type.Optional(Type.Number()),
  },
  { additionalProperties: false, description: 'Applied to the engineering value: outside red is critical, outside yellow a warning' },
);
export type Limits = Static<typeof Limits>;

export const Calibration = Type.Object(
  { polynomial: Type.Array(Type.Number(), { minItems: 1, maxItems: 10, description: 'c0 + c1*x + c2*x^2 ...' }) },
  { additionalProperties: false },
);
export type Calibration = Static<typeof Calibration>;

export const ChannelName = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:/-]*$' });

export const ChannelDefinition = Type.Object(
  {
    type: ChannelType,
    unit: Type.Optional(Type.String({ maxLength: 32 })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    calibration: Type.Optional(Calibration),
    limits: Type.Optional(Limits),
    staleAfterSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    expression: Type.Optional(Type.String({
      minLength: 1, maxLength: 1000,
      description: 'Makes this a derived number channel: its readings are computed from other number channels of the spacecraft, e.g. sqrt(x^2 + y^2 + z^2), '
        + 'for each time at which every input has a reading in the same batch. Operators + - * / % ^, functions abs sqrt cbrt exp log log10 log2 sin cos tan asin acos atan '
        + 'sinh cosh tanh floor ceil round sign deg rad atan2 pow min max hypot, constants pi and e; names with - or / go between backticks',
    })),
  },
  { additionalProperties: false },
);
export type ChannelDefinition = Static<typeof ChannelDefinition>;

export const Channel = Type.Intersect([
  Type.Object({ spacecraft: Type.String(), name: Type.String() }),
  ChannelDefinition,
  Type.Object({ createdAt: TimeOutput, updatedAt: TimeOutput }),
]);
export type Channel = Static<typeof Channel>;

export const ReadingValue = Type.Union([Type.Number(), Type.String({ maxLength: 4096 }), Type.Boolean()]);
export type ReadingValue = Static<typeof ReadingValue>;

export const Reading = Type.Object({ channel: ChannelName, time: TimeInput, value: ReadingValue }, { additionalProperties: false });

export const TelemetryBatch = Type.Object(
  { spacecraft: Id, readings: Type.Array(Reading, { minItems: 1 }) },
  { additionalProperties: false },
);
export type TelemetryBatch = Static<typeof TelemetryBatch>;

export const NdjsonReading = Type.Object(
  { spacecraft: Id, channel: ChannelName, time: TimeInput, value: ReadingValue },
  { additionalProperties: false },
);
export type NdjsonReading = Static<typeof NdjsonReading>;

export const Accepted = Type.Object({ batchId: Type.String(), accepted: Type.Integer() });

export const Point = Type.Object({ time: TimeOutput, value: ReadingValue, raw: ReadingValue });
export const Bucket = Type.Object({ time: TimeOutput, min: Type.Number(), max: Type.Number(), avg: Type.Number(), count: Type.Integer() });

export const Severity = Type.Union([Type.Literal('warning'), Type.Literal('critical')]);
export type Severity = Static<typeof Severity>;
export const AlertState = Type.Union([Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('resolved'), Type.Literal('shelved')]);
export type AlertState = Static<typeof AlertState>;
export const AlertRule = Type.Union([Type.Literal('limit'), Type.Literal('stale')], { description: 'limit: red/yellow limits; stale: no reading within staleAfterSeconds' });
export type AlertRule = Static<typeof AlertRule>;

export const AlertTransition = Type.Object({
  at: TimeOutput,
  from: Type.Union([AlertState, Type.Null()]),
  to: AlertState,
  severity: Severity,
  value: Type.Union([Type.Number(), Type.Null()]),
  by: Type.Optional(Type.String()),
  comment: Type.Optional(Type.String()),
});

export const Alert = Type.Object({
  id: Type.String(),
  spacecraft: Type.String(),
  channel: Type.String(),
  rule: AlertRule,
  severity: Severity,
  state: AlertState,
  value: Type.Union([Type.Number(), Type.Null()]),
  threshold: Type.Union([Type.Number(), Type.Null()]),
  message: Type.String(),
  openedAt: TimeOutput,
  updatedAt: TimeOutput,
  resolvedAt: Type.Optional(TimeOutput),
  acknowledgedBy: Type.Optional(Type.String()),
  history: Type.Optional(Type.Array(AlertTransition)),
});
export type Alert = Static<typeof Alert>;

export const Acknowledge = Type.Object(
  { by: Type.String({ minLength: 1, maxLength: 200 }), comment: Type.Optional(Type.String({ maxLength: 4000 })) },
  { additionalProperties: false },
);
