/**
 * Registers the demo mission, the fleet and its channels through the public API,
 * exactly as an operator's script would. Safe to repeat: "already exists" is success.
 */
import { requestWithRetry, type ApiAnswer, type ApiClient, type Backoff, type FailureStreak } from './client.ts';
import type { SimChannel } from './channels.ts';
import type { FleetMember } from './fleet.ts';

export const DEMO_MISSION = {
  id: 'demo',
  name: 'Demo fleet',
  description: 'Simulated spacecraft on real low-Earth orbits, with injected and labelled anomalies',
} as const;

/** The server refused part of the setup in a way retrying will not fix. */
export class BootstrapError extends Error {
  readonly status: number;
  constructor(call: string, answer: ApiAnswer) {
    const detail = (answer.body as { detail?: string } | undefined)?.detail;
    super(`${call} answered ${answer.status}${detail ? `: ${detail}` : ''}`);
    this.name = 'BootstrapError';
    this.status = answer.status;
  }
}

export interface Registration {
  /**
   * TLEs the mission database already holds for spacecraft registered by an earlier
   * run. There is no call to replace them, so flying them keeps the server's view
   * of each orbit (ground tracks, eclipses, passes) in step with the telemetry.
   */
  registeredTles: Map<string, [string, string]>;
}

/** The registration once everything is in place; undefined if the signal aborted first. */
export async function bootstrap(
  api: ApiClient,
  fleet: readonly FleetMember[],
  channels: readonly SimChannel[],
  context: { signal: AbortSignal; backoff: Backoff; streak: FailureStreak },
): Promise<Registration | undefined> {
  const call = async (method: string, path: string, body: unknown, route: string, ok: (status: number) => boolean): Promise<ApiAnswer | undefined> => {
    const answer = await requestWithRetry(api, { method, path, body, route }, context);
    if (answer && !ok(answer.status)) throw new BootstrapError(`${method} ${path}`, answer);
    return answer;
  };
  const createdOrExists = (status: number): boolean => (status >= 200 && status < 300) || status === 409;

  if (!(await call('POST', '/v1/missions', DEMO_MISSION, '/v1/missions', createdOrExists))) return undefined;
  const existing: string[] = [];
  for (const member of fleet) {
    const body = { id: member.id, missionId: DEMO_MISSION.id, name: member.name, tle: member.tle };
    const answer = await call('POST', '/v1/spacecraft', body, '/v1/spacecraft', createdOrExists);
    if (!answer) return undefined;
    if (answer.status === 409) existing.push(member.id);
  }
  for (const member of fleet) {
    for (const { name, ...definition } of channels) {
      const path = `/v1/spacecraft/${encodeURIComponent(member.id)}/channels/${encodeURIComponent(name)}`;
      if (!(await call('PUT', path, definition, '/v1/spacecraft/{id}/channels/{name}', (s) => s >= 200 && s < 300))) return undefined;
    }
  }
  const registeredTles = new Map<string, [string, string]>();
  if (existing.length) {
    const answer = await requestWithRetry(api, { method: 'GET', path: `/v1/spacecraft?mission=${DEMO_MISSION.id}`, route: '/v1/spacecraft' }, context);
    if (!answer) return undefined;
    // Without the list the fleet flies its own orbits: a mismatch, not a failure.
    const list = answer.status === 200 && Array.isArray(answer.body) ? (answer.body as { id?: unknown; tle?: unknown }[]) : [];
    for (const { id, tle } of list) {
      if (typeof id === 'string' && existing.includes(id) && Array.isArray(tle) && tle.length === 2 && tle.every((l) => typeof l === 'string')) {
        registeredTles.set(id, tle as [string, string]);
      }
    }
  }
  return { registeredTles };
}
