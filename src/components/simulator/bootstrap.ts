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

/** True once everything is registered; false if the signal aborted first. */
export async function bootstrap(
  api: ApiClient,
  fleet: readonly FleetMember[],
  channels: readonly SimChannel[],
  context: { signal: AbortSignal; backoff: Backoff; streak: FailureStreak },
): Promise<boolean> {
  const call = async (method: string, path: string, body: unknown, route: string, ok: (status: number) => boolean): Promise<boolean> => {
    const answer = await requestWithRetry(api, { method, path, body, route }, context);
    if (!answer) return false;
    if (!ok(answer.status)) throw new BootstrapError(`${method} ${path}`, answer);
    return true;
  };
  const createdOrExists = (status: number): boolean => (status >= 200 && status < 300) || status === 409;

  if (!(await call('POST', '/v1/missions', DEMO_MISSION, '/v1/missions', createdOrExists))) return false;
  for (const member of fleet) {
    const body = { id: member.id, missionId: DEMO_MISSION.id, name: member.name, tle: member.tle };
    if (!(await call('POST', '/v1/spacecraft', body, '/v1/spacecraft', createdOrExists))) return false;
  }
  for (const member of fleet) {
    for (const { name, ...definition } of channels) {
      const path = `/v1/spacecraft/${encodeURIComponent(member.id)}/channels/${encodeURIComponent(name)}`;
      if (!(await call('PUT', path, definition, '/v1/spacecraft/{id}/channels/{name}', (s) => s >= 200 && s < 300))) return false;
    }
  }
  return true;
}
