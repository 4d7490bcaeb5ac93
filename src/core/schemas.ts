/**
 * The API's data shapes. These schemas validate requests, type the code (Static<>)
 * and produce /openapi.json: one source of truth.
 */
import { Type, type Static } from 'typebox';
import { DetectorSpec } from './anomaly/registry.ts';
import { MAX_EPOCH_MS } from './time.ts';

export const Id = Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$', description: 'Letters, digits, . _ : -' });

export const TimeInput = Type.Union([Type.String({ format: 'date-time' }), Type.Number({ minimum: 0, maximum: MAX_EPOCH_MS, description: 'Epoch milliseconds' })], {
  description: 'ISO 8601 UTC or epoch milliseconds; kept to the millisecond',
});
export const TimeOutput = Type.String({ format: 'date-time' });
/**
 * A two-line element set. Written as an array of exactly two strings: a tuple's `items`
 * array is draft-07 JSON Schema, which OpenAPI 3.1 (JSON Schema 2020-12) does not accept.
 */
export const TleLines = Type.Unsafe<[string, string]>(Type.Array(Type.String(), { minItems: 2, maxItems: 2, description: 'Two-line element set [line1, line2]' }));

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
    tle: Type.Optional(TleLines),
  },
  { additionalProperties: false },
);
export type SpacecraftCreate = Static<typeof SpacecraftCreate>;

export const Spacecraft = Type.Object({
  id: Type.String(),
  missionId: Type.String(),
  name: Type.String(),
  tle: Type.Optional(TleLines),
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

export const Debounce = Type.Object(
  {
    samples: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Raise on the Nth consecutive reading past a limit' })),
    seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 86_400, description: 'Raise on a reading past a limit once the unbroken run of such readings spans this many seconds (reading times)' })),
  },
  { additionalProperties: false, description: 'A limit alert is raised only when either condition given is met; a reading within limits starts over. Escalation and resolution are not delayed' },
);
export type Debounce = Static<typeof Debounce>;

export const ReturnToNormal = Type.Union([Type.Literal('auto'), Type.Literal('acknowledge')], {
  description: 'auto (default): an alert whose value returns to normal resolves by itself. acknowledge (latching): it stays, as rtn-unacknowledged, until acknowledged',
});
export type ReturnToNormal = Static<typeof ReturnToNormal>;

export const StateValue = Type.Union([Type.String({ maxLength: 4096 }), Type.Number(), Type.Boolean()]);

export const LimitSet = Type.Object(
  {
    when: Type.Object(
      { channel: ChannelName, equals: StateValue },
      { additionalProperties: false, description: "Applies while the latest reading of this channel of the same spacecraft equals the value" },
    ),
    limits: Limits,
  },
  { additionalProperties: false },
);
export type LimitSet = Static<typeof LimitSet>;

export const ChannelDefinition = Type.Object(
  {
    type: ChannelType,
    unit: Type.Optional(Type.String({ maxLength: 32 })),
    description: Type.Optional(Type.String({ maxLength: 4000 })),
    calibration: Type.Optional(Calibration),
    limits: Type.Optional(Limits),
    limitSets: Type.Optional(Type.Array(LimitSet, { maxItems: 16, description: 'The first set whose condition holds replaces `limits`; none: `limits` apply' })),
    debounce: Type.Optional(Debounce),
    returnToNormal: Type.Optional(ReturnToNormal),
    detector: Type.Optional(DetectorSpec),
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

// One object rather than an intersection: the definition's additionalProperties: false
// would otherwise refuse the fields the other parts add.
export const Channel = Type.Object({
  spacecraft: Type.String(), name: Type.String(),
  ...ChannelDefinition.properties,
  createdAt: TimeOutput, updatedAt: TimeOutput,
});
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
export type Point = Static<typeof Point>;
export const LatestReading = Type.Object({ channel: Type.String(), time: TimeOutput, value: ReadingValue, raw: ReadingValue });
export type LatestReading = Static<typeof LatestReading>;
export const Bucket = Type.Object({ time: TimeOutput, min: Type.Number(), max: Type.Number(), avg: Type.Number(), count: Type.Integer() });
export type Bucket = Static<typeof Bucket>;

export const Severity = Type.Union([Type.Literal('warning'), Type.Literal('critical')]);
export type Severity = Static<typeof Severity>;
export const AlertState = Type.Union(
  [Type.Literal('open'), Type.Literal('acknowledged'), Type.Literal('shelved'), Type.Literal('rtn-unacknowledged'), Type.Literal('resolved')],
  { description: 'open: raised, not acknowledged. acknowledged. shelved: hidden until unshelved or its time is up. rtn-unacknowledged: back to normal, kept until acknowledged (returnToNormal: acknowledge). resolved' },
);
export type AlertState = Static<typeof AlertState>;
export const AlertRule = Type.Union([Type.Literal('limit'), Type.Literal('stale'), Type.Literal('anomaly')], {
  description: "limit: red/yellow limits; stale: no reading within staleAfterSeconds; anomaly: the channel's detector scored a reading past its threshold",
});
export type AlertRule = Static<typeof AlertRule>;
export const AlertAction = Type.Union(
  [
    Type.Literal('raise'), Type.Literal('severity'), Type.Literal('return'), Type.Literal('resolve'), Type.Literal('acknowledge'), Type.Literal('shelve'),
    Type.Literal('unshelve'), Type.Literal('comment'), Type.Literal('assign'), Type.Literal('clear'),
  ],
  {
    description:
      'What made the transition. raise: opened, or raised again after returning to normal; severity: a new severity; return: back to normal, the alert kept; resolve: back to normal, or its time on the shelf ended while normal; ' +
      'acknowledge, shelve, unshelve, comment, assign, clear: an operator, or the shelf time running out (unshelve without `by`)',
  },
);
export type AlertAction = Static<typeof AlertAction>;

export const AlertTransition = Type.Object({
  at: TimeOutput,
  from: Type.Union([AlertState, Type.Null()]),
  to: AlertState,
  action: Type.Optional(AlertAction),
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
  threshold: Type.Union([Type.Number(), Type.Null()], { description: 'The limit crossed; for anomaly alerts, the score threshold' }),
  score: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Anomaly alerts: the score of the reading that raised it' })),
  message: Type.String(),
  openedAt: TimeOutput,
  updatedAt: TimeOutput,
  resolvedAt: Type.Optional(TimeOutput),
  returnedAt: Type.Optional(TimeOutput),
  acknowledgedBy: Type.Optional(Type.String()),
  shelvedBy: Type.Optional(Type.String()),
  shelvedUntil: Type.Optional(TimeOutput),
  assignedTo: Type.Optional(Type.String()),
  history: Type.Optional(Type.Array(AlertTransition)),
});
export type Alert = Static<typeof Alert>;

const Person = Type.String({ minLength: 1, maxLength: 200 });
const Comment = Type.String({ minLength: 1, maxLength: 4000 });

export const Acknowledge = Type.Object({ by: Person, comment: Type.Optional(Type.String({ maxLength: 4000 })) }, { additionalProperties: false });
export type Acknowledge = Static<typeof Acknowledge>;

export const Shelve = Type.Object(
  {
    by: Person,
    until: Type.Optional(TimeInput),
    forSeconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 31_536_000 })),
    comment: Type.Optional(Comment),
  },
  { additionalProperties: false, description: 'Exactly one of until (in the future) and forSeconds' },
);
export type Shelve = Static<typeof Shelve>;

export const AlertNote = Type.Object({ by: Person, comment: Type.Optional(Comment) }, { additionalProperties: false });
export type AlertNote = Static<typeof AlertNote>;

export const AlertComment = Type.Object({ by: Person, comment: Comment }, { additionalProperties: false });
export type AlertComment = Static<typeof AlertComment>;

export const Assign = Type.Object(
  { by: Person, to: Type.Union([Person, Type.Null()], { description: 'Who takes it; null: nobody' }), comment: Type.Optional(Comment) },
  { additionalProperties: false },
);
export type Assign = Static<typeof Assign>;

/** Live stream (`GET /v1/stream`), event `telemetry`: the processed readings of one batch of one spacecraft. */
export const StreamTelemetry = Type.Object({
  batchId: Type.String(),
  spacecraft: Type.String(),
  readings: Type.Array(Type.Object({ channel: Type.String(), time: TimeOutput, value: ReadingValue, raw: ReadingValue })),
});
export type StreamTelemetry = Static<typeof StreamTelemetry>;

/** Live stream, event `alert`: the alert as it is after a change, the change, and the batch that caused it, if a reading did. */
export const StreamAlert = Type.Intersect([
  Alert,
  Type.Object({
    transition: Type.Object({
      from: Type.Union([AlertState, Type.Null()]), to: AlertState, action: AlertAction, severity: Severity, at: TimeOutput,
      by: Type.Optional(Type.String()), comment: Type.Optional(Type.String()),
    }),
    batchId: Type.Optional(Type.String()),
  }),
]);
export type StreamAlert = Static<typeof StreamAlert>;

/** Who made a change to the mission database; the API reads it from the `Orbit-Actor` header. */
export const Actor = Type.String({ minLength: 1, maxLength: 200 });
export const ANONYMOUS = 'anonymous';

export const MissionPatch = Type.Object(
  {
    name: Type.Optional(MissionCreate.properties.name),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 4000 }), Type.Null()], { description: 'null removes it' })),
    autoRegisterChannels: Type.Optional(MissionCreate.properties.autoRegisterChannels),
    retentionDays: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 36_500 }), Type.Null()], { description: 'null: telemetry is kept for good' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type MissionPatch = Static<typeof MissionPatch>;

export const SpacecraftPatch = Type.Object(
  {
    name: Type.Optional(SpacecraftCreate.properties.name),
    tle: Type.Optional(Type.Union([TleLines, Type.Null()], { description: 'Two-line element set [line1, line2]; null removes it' })),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type SpacecraftPatch = Static<typeof SpacecraftPatch>;

export const HorizonPoint = Type.Object(
  {
    azimuthDeg: Type.Number({ minimum: 0, exclusiveMaximum: 360, description: 'From north, clockwise' }),
    elevationDeg: Type.Number({ minimum: -5, maximum: 90 }),
  },
  { additionalProperties: false },
);
export type HorizonPoint = Static<typeof HorizonPoint>;

export const GroundStationDefinition = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    latitudeDeg: Type.Number({ minimum: -90, maximum: 90, description: 'Geodetic latitude on WGS-84, degrees north' }),
    longitudeDeg: Type.Number({ minimum: -180, maximum: 180, description: 'Longitude, degrees east' }),
    altitudeM: Type.Optional(Type.Number({ minimum: -1000, maximum: 20_000, default: 0, description: 'Height above the WGS-84 ellipsoid, metres (default 0)' })),
    elevationMaskDeg: Type.Optional(Type.Number({
      minimum: -5, maximum: 90, default: 0,
      description: 'Elevation below which the station cannot see a spacecraft, degrees (default 0; a station on high ground may see a little below the horizontal)',
    })),
    horizonMask: Type.Optional(Type.Array(HorizonPoint, {
      minItems: 1, maxItems: 720,
      description: 'The horizon by azimuth (terrain, buildings): points by strictly increasing azimuth, joined linearly and around through north; the mask at an azimuth is the higher of this and elevationMaskDeg',
    })),
  },
  { additionalProperties: false },
);
export type GroundStationDefinition = Static<typeof GroundStationDefinition>;

export const GroundStation = Type.Object({
  id: Type.String(),
  missionId: Type.String(),
  name: Type.String(),
  latitudeDeg: Type.Number(),
  longitudeDeg: Type.Number(),
  altitudeM: Type.Number(),
  elevationMaskDeg: Type.Number(),
  horizonMask: Type.Optional(Type.Array(HorizonPoint)),
  createdAt: TimeOutput,
  updatedAt: TimeOutput,
});
export type GroundStation = Static<typeof GroundStation>;

export const FieldChange = Type.Object({
  field: Type.String({ description: 'The field, a dotted path into nested settings (limits.redHigh)' }),
  old: Type.Unknown({ description: 'null when it was not set' }),
  new: Type.Unknown({ description: 'null when it is no longer set' }),
});
export type FieldChange = Static<typeof FieldChange>;

export const ChangeAction = Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('import'), Type.Literal('delete')]);
export type ChangeAction = Static<typeof ChangeAction>;
export const ChangedEntity = Type.Union([Type.Literal('mission'), Type.Literal('spacecraft'), Type.Literal('channel'), Type.Literal('ground-station')]);
export type ChangedEntity = Static<typeof ChangedEntity>;

export const ChangeEntry = Type.Object({
  at: TimeOutput,
  by: Type.String(),
  action: ChangeAction,
  entity: ChangedEntity,
  mission: Type.String(),
  spacecraft: Type.Optional(Type.String()),
  channel: Type.Optional(Type.String()),
  groundStation: Type.Optional(Type.String()),
  changes: Type.Array(FieldChange),
});
export type ChangeEntry = Static<typeof ChangeEntry>;

export const DefinitionChannel = Type.Object({ name: ChannelName, ...ChannelDefinition.properties }, { additionalProperties: false });
export type DefinitionChannel = Static<typeof DefinitionChannel>;

export const DefinitionSpacecraft = Type.Object(
  {
    id: Id,
    name: SpacecraftCreate.properties.name,
    tle: SpacecraftCreate.properties.tle,
    channels: Type.Array(DefinitionChannel, { maxItems: 10_000 }),
  },
  { additionalProperties: false },
);
export type DefinitionSpacecraft = Static<typeof DefinitionSpacecraft>;

export const DefinitionGroundStation = Type.Object({ id: Id, ...GroundStationDefinition.properties }, { additionalProperties: false });
export type DefinitionGroundStation = Static<typeof DefinitionGroundStation>;

/**
 * A mission's whole definition, as exported and imported: the mission, its spacecraft and
 * their channels. A setting left out is not set (a PUT of each part).
 */
export const MissionDefinition = Type.Object(
  {
    version: Type.Literal(1, { description: 'Format of this document' }),
    mission: Type.Object(
      {
        id: Id,
        name: MissionCreate.properties.name,
        description: MissionCreate.properties.description,
        autoRegisterChannels: MissionCreate.properties.autoRegisterChannels,
        retentionDays: MissionCreate.properties.retentionDays,
      },
      { additionalProperties: false },
    ),
    spacecraft: Type.Array(DefinitionSpacecraft, { maxItems: 10_000 }),
    groundStations: Type.Optional(Type.Array(DefinitionGroundStation, { maxItems: 1000, description: "The mission's ground stations (left out when it has none)" })),
  },
  { additionalProperties: false },
);
export type MissionDefinition = Static<typeof MissionDefinition>;

export const DefinitionChange = Type.Object({
  entity: ChangedEntity,
  id: Type.String({ description: 'The mission or spacecraft id; for a channel, spacecraft/channel; for a ground station, its id' }),
  action: Type.Union([Type.Literal('create'), Type.Literal('update')]),
  fields: Type.Array(FieldChange),
});
export type DefinitionChange = Static<typeof DefinitionChange>;

export const DefinitionImport = Type.Object({
  applied: Type.Boolean({ description: 'false for a dry run, or when nothing changed' }),
  changes: Type.Array(DefinitionChange),
  note: Type.String({ description: 'Spacecraft, channels and ground stations absent from the document are left as they are, never deleted' }),
});
export type DefinitionImport = Static<typeof DefinitionImport>;
