/**
 * The mission database API: missions, spacecraft and channel definitions.
 */
import { Type } from 'typebox';
import { ProblemSchema } from '../../platform/http.ts';
import { HttpProblem, badRequest, notFound } from '../../platform/problem.ts';
import { Channel, ChannelDefinition, ChannelName, Mission, MissionCreate, Spacecraft, SpacecraftCreate } from '../../core/schemas.ts';
import { validateTle } from '../../core/orbit/tle.ts';
import { expressionProblems } from '../../core/derived.ts';
import type { Limits } from '../../core/schemas.ts';
import type { Routes } from '../../platform/modules.ts';
import type { ConsoleApi } from './api.ts';

/** Limits must nest: redLow <= yellowLow <= yellowHigh <= redHigh. */
function nestingProblems(l: Limits, at: string) {
  const order = (['redLow', 'yellowLow', 'yellowHigh', 'redHigh'] as const).filter((k) => l[k] !== undefined);
  const problems = [];
  for (let i = 1; i < order.length; i++) {
    const [a, b] = [order[i - 1]!, order[i]!];
    if (l[a]! > l[b]!) problems.push({ pointer: `${at}/${b}`, detail: `must not be below ${a} (${l[a]})` });
  }
  return problems;
}

/** What the schema cannot say: limits nest, and the numeric checks apply to number channels only. */
function definitionProblems(def: ChannelDefinition, name: string) {
  const problems = [];
  if (def.type !== 'number') {
    for (const field of ['limits', 'limitSets', 'debounce', 'detector', 'calibration'] as const) {
      if (def[field] !== undefined) problems.push({ pointer: `/${field}`, detail: `applies to number channels, not ${def.type}` });
    }
    return problems;
  }
  if (def.limits) problems.push(...nestingProblems(def.limits, '/limits'));
  def.limitSets?.forEach((set, i) => {
    problems.push(...nestingProblems(set.limits, `/limitSets/${i}/limits`));
    if (set.when.channel === name) problems.push({ pointer: `/limitSets/${i}/when/channel`, detail: 'must name another channel' });
  });
  if (def.debounce && def.debounce.samples === undefined && def.debounce.seconds === undefined) {
    problems.push({ pointer: '/debounce', detail: 'needs samples or seconds' });
  }
  return problems;
}

export const missionRoutes: Routes<ConsoleApi> = (http, api) => {
  http.post('/v1/missions', { schema: { tags: ['missions'], summary: 'Create a mission', body: MissionCreate, response: { 201: Mission, 400: ProblemSchema, 409: ProblemSchema } } }, async (request, reply) => {
    const mission = await api.catalog.createMission(request.body);
    if (!mission) throw new HttpProblem(409, `mission "${request.body.id}" exists already`, { errors: [{ pointer: '/id', detail: 'is taken' }] });
    return reply.status(201).send(mission);
  });

  http.get('/v1/missions', { schema: { tags: ['missions'], summary: 'List missions', response: { 200: Type.Array(Mission) } } }, () => api.catalog.listMissions());

  http.post('/v1/spacecraft', {
    schema: { tags: ['missions'], summary: 'Register a spacecraft, optionally with its TLE', body: SpacecraftCreate, response: { 201: Spacecraft, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema } },
  }, async (request, reply) => {
    const { tle } = request.body;
    if (tle) {
      const problems = validateTle(tle[0], tle[1]);
      if (problems.length) throw badRequest('invalid TLE', problems.map((detail) => ({ pointer: detail.startsWith('line 2') ? '/tle/1' : '/tle/0', detail })));
    }
    const result = await api.catalog.createSpacecraft(request.body);
    if (result === 'no-mission') throw new HttpProblem(404, `no mission "${request.body.missionId}"`, { errors: [{ pointer: '/missionId', detail: 'is not a known mission' }] });
    if (result === 'exists') throw new HttpProblem(409, `spacecraft "${request.body.id}" exists already`, { errors: [{ pointer: '/id', detail: 'is taken' }] });
    return reply.status(201).send(result);
  });

  http.get('/v1/spacecraft', {
    schema: { tags: ['missions'], summary: 'List spacecraft', querystring: Type.Object({ mission: Type.Optional(Type.String()) }), response: { 200: Type.Array(Spacecraft) } },
  }, (request) => api.catalog.listSpacecraft(request.query.mission));

  const ChannelParams = Type.Object({ id: Type.String(), name: ChannelName });

  http.put('/v1/spacecraft/:id/channels/:name', {
    schema: {
      tags: ['missions'], summary: 'Define or redefine a channel (201 created, 200 replaced)', params: ChannelParams, body: ChannelDefinition,
      response: { 200: Channel, 201: Channel, 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request, reply) => {
    const problems = definitionProblems(request.body, request.params.name);
    if (problems.length) throw badRequest('invalid channel definition', problems);
    const view = await api.catalog.spacecraft(request.params.id);
    if (!view) throw notFound(`no spacecraft "${request.params.id}"`);
    const derived = expressionProblems(request.params.name, request.body, view.channels);
    if (derived.length) throw badRequest('invalid channel definition', derived);
    const existing = view.channels.get(request.params.name);
    if (existing && existing.type !== request.body.type && (await api.telemetry.hasReadings(request.params.id, request.params.name))) {
      throw new HttpProblem(409, `channel "${request.params.name}" has stored ${existing.type} readings; its type cannot change to ${request.body.type}`, {
        errors: [{ pointer: '/type', detail: `must stay ${existing.type}` }],
      });
    }
    const { channel, created } = await api.catalog.putChannel(request.params.id, request.params.name, request.body);
    return reply.status(created ? 201 : 200).send(channel);
  });

  http.get('/v1/spacecraft/:id/channels', {
    schema: { tags: ['missions'], summary: "List a spacecraft's channels", params: Type.Object({ id: Type.String() }), response: { 200: Type.Array(Channel), 404: ProblemSchema } },
  }, async (request) => {
    if (!(await api.catalog.spacecraft(request.params.id))) throw notFound(`no spacecraft "${request.params.id}"`);
    return api.catalog.listChannels(request.params.id);
  });
};
