/**
 * Notifications: routes that send alert changes to webhooks, and the log of each delivery.
 * Beside the other API shapes (schemas.ts), in a file of their own, so the alert shapes
 * and these change apart.
 */
import { Type, type Static } from 'typebox';
import { AlertRule, Id, Severity, TimeOutput } from './schemas.ts';

export const NotificationRouteCreate = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    url: Type.String({ maxLength: 2048, pattern: '^https?://\\S+$', description: 'The webhook: an http or https URL, POSTed one JSON body per delivery' }),
    missionId: Type.Optional(Type.String({ ...Id, description: 'Only alerts of spacecraft of this mission; absent: every mission' })),
    severities: Type.Optional(Type.Array(Severity, { minItems: 1, uniqueItems: true, description: 'Only these severities; absent: every severity' })),
    rules: Type.Optional(Type.Array(AlertRule, { minItems: 1, uniqueItems: true, description: 'Only alerts of these rules; absent: every rule' })),
    secret: Type.Optional(Type.String({ minLength: 16, maxLength: 256, description: 'Key of the HMAC-SHA256 signature; generated when absent. Write-only: answered once, by the create' })),
    enabled: Type.Boolean({ default: true, description: 'A disabled route matches nothing' }),
  },
  { additionalProperties: false },
);
export type NotificationRouteCreate = Static<typeof NotificationRouteCreate>;

/** A route as it is listed: never with its secret. */
export const NotificationRoute = Type.Object({
  id: Type.String(),
  name: Type.String(),
  url: Type.String(),
  missionId: Type.Optional(Type.String()),
  severities: Type.Optional(Type.Array(Severity)),
  rules: Type.Optional(Type.Array(AlertRule)),
  enabled: Type.Boolean(),
  createdAt: TimeOutput,
});
export type NotificationRoute = Static<typeof NotificationRoute>;

/** The answer to a create: the one time the secret is shown. */
export const NotificationRouteCreated = Type.Intersect([NotificationRoute, Type.Object({ secret: Type.String({ description: 'Keep it: it is not shown again' }) })]);
export type NotificationRouteCreated = Static<typeof NotificationRouteCreated>;

export const DeliveryState = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed'), Type.Literal('dead')], {
  description: 'pending: not tried yet; failed: the last try failed, another will follow; delivered: the receiver answered 2xx; dead: no try left (or the route was deleted)',
});
export type DeliveryState = Static<typeof DeliveryState>;

export const NotificationDelivery = Type.Object({
  id: Type.String({ description: 'Sent as Orbit-Delivery: the same on every try' }),
  routeId: Type.String(),
  routeName: Type.String(),
  alertId: Type.String(),
  transition: Type.Object({ at: TimeOutput, from: Type.Union([Type.String(), Type.Null()]), to: Type.String(), severity: Severity }),
  state: DeliveryState,
  attempts: Type.Integer(),
  lastStatus: Type.Optional(Type.Integer({ description: "The receiver's HTTP status at the last try" })),
  lastError: Type.Optional(Type.String()),
  createdAt: TimeOutput,
  lastAttemptAt: Type.Optional(TimeOutput),
  deliveredAt: Type.Optional(TimeOutput),
});
export type NotificationDelivery = Static<typeof NotificationDelivery>;
