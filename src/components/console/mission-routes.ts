/**
 * The mission database API: missions, spacecraft and channel definitions, their change
 * history, and a mission's whole definition as one JSON or YAML document.
 */
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { parse as parseYaml } from 'yaml';
import { ProblemSchema, type HttpServer } from '../../platform/http.ts';
import { badRequest, notFound } from '../../platform/problem.ts';
import {
  Actor, ANONYMOUS, ChangeEntry, Channel, ChannelDefinition, ChannelName, DefinitionImport, GroundStation, GroundStationDefinition, Id, Mission, MissionCreate, MissionDefinition, MissionPatch, Spacecraft,
  SpacecraftCreate, SpacecraftPatch,
} from '../../core/schemas.ts';
import type { Routes } from '../../platform/modules.ts';
import type { ConsoleApi } from './api.ts';
import { createMission, createSpacecraft, deleteGroundStation, importDefinition, putChannel, putGroundStation, updateMission, updateSpacecraft } from './mission-service.ts';
import { definitionDocument, DEFINITION_FORMATS, YAML_TYPES } from './definition-format.ts';
import { missionInBody, missionInPath, missionItems, spacecraftInPath } from '../../platform/scopes.ts';

const ActorHeader = Type.Object({
  'orbit-actor': Type.Optional({ ...Actor, description: 'Who makes the change, for the change history (default "anonymous"); with ORBIT_AUTH on, the name of the API key instead' }),
});
const actor = (request: FastifyRequest) => request.principal?.name ?? (request.headers as { 'orbit-actor'?: string })['orbit-actor'] ?? ANONYMOUS;
const IdParams = Type.Object({ id: Type.String() });
const ChannelParams = Type.Object({ id: Type.String(), name: ChannelName });
const StationParams = Type.Object({ id: Type.String(), stationId: Id });
const HistoryQuery = Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })) });
const HISTORY = 'Newest first: who changed what, with each field\'s old and new value';

export const missionRoutes: Routes<ConsoleApi> = async (http, api) => {
  http.post('/v1/missions', { config: { access: 'admin', scope: missionInBody('id') },
    schema: { tags: ['missions'], summary: 'Create a mission', headers: ActorHeader, body: MissionCreate, response: { 201: Mission, 400: ProblemSchema, 409: ProblemSchema } },
  }, async (request, reply) => reply.status(201).send(await createMission(api, request.body, actor(request))));

  http.get('/v1/missions', { config: { access: 'viewer', scope: missionItems('id') }, schema: { tags: ['missions'], summary: 'List missions', response: { 200: Type.Array(Mission) } } }, () => api.catalog.listMissions());

  http.patch('/v1/missions/:id', { config: { access: 'admin', scope: missionInPath() },
    schema: {
      tags: ['missions'], summary: "Change a mission's name, description, channel auto-registration or retention", params: IdParams, headers: ActorHeader, body: MissionPatch,
      response: { 200: Mission, 400: ProblemSchema, 404: ProblemSchema },
    },
  }, (request) => updateMission(api, request.params.id, request.body, actor(request)));

  http.get('/v1/missions/:id/history', { config: { access: 'viewer', scope: missionInPath() },
    schema: { tags: ['missions'], summary: "A mission's change history, its spacecraft's and channels' included", description: HISTORY, params: IdParams, querystring: HistoryQuery, response: { 200: Type.Array(ChangeEntry), 404: ProblemSchema } },
  }, async (request) => {
    if (!(await api.catalog.getMission(request.params.id))) throw notFound(`no mission "${request.params.id}"`);
    return api.catalog.history({ mission: request.params.id }, request.query.limit);
  });

  http.get('/v1/missions/:id/ground-stations', { config: { access: 'viewer', scope: missionInPath() },
    schema: { tags: ['missions'], summary: "A mission's ground stations", params: IdParams, response: { 200: Type.Array(GroundStation), 404: ProblemSchema } },
  }, async (request) => {
    const stations = await api.catalog.groundStations(request.params.id);
    if (!stations) throw notFound(`no mission "${request.params.id}"`);
    return stations;
  });

  http.put('/v1/missions/:id/ground-stations/:stationId', { config: { access: 'admin', scope: missionInPath() },
    schema: {
      tags: ['missions'], summary: 'Define or redefine a ground station (201 created, 200 replaced)',
      description: 'Position on WGS-84 and elevation mask, for pass prediction. Settings left out take their defaults (altitude 0 m, mask 0°)',
      params: StationParams, headers: ActorHeader, body: GroundStationDefinition,
      response: { 200: GroundStation, 201: GroundStation, 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request, reply) => {
    const { station, created } = await putGroundStation(api, request.params.id, request.params.stationId, request.body, actor(request));
    return reply.status(created ? 201 : 200).send(station);
  });

  http.delete('/v1/missions/:id/ground-stations/:stationId', { config: { access: 'admin', scope: missionInPath() },
    schema: {
      tags: ['missions'], summary: 'Delete a ground station (recorded in the mission history with its last settings)', params: StationParams, headers: ActorHeader,
      response: { 204: Type.Null({ description: 'Deleted' }), 404: ProblemSchema },
    },
  }, async (request, reply) => {
    await deleteGroundStation(api, request.params.id, request.params.stationId, actor(request));
    return reply.code(204).send(null);
  });

  http.post('/v1/spacecraft', { config: { access: 'admin', scope: missionInBody('missionId') },
    schema: {
      tags: ['missions'], summary: 'Register a spacecraft, optionally with its TLE', headers: ActorHeader, body: SpacecraftCreate,
      response: { 201: Spacecraft, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
    },
  }, async (request, reply) => reply.status(201).send(await createSpacecraft(api, request.body, actor(request))));

  http.get('/v1/spacecraft', { config: { access: 'viewer', scope: missionItems('missionId', 'mission') },
    schema: { tags: ['missions'], summary: 'List spacecraft', querystring: Type.Object({ mission: Type.Optional(Type.String()) }), response: { 200: Type.Array(Spacecraft) } },
  }, (request) => api.catalog.listSpacecraft(request.query.mission));

  http.patch('/v1/spacecraft/:id', { config: { access: 'admin', scope: spacecraftInPath() },
    schema: {
      tags: ['missions'], summary: "Change a spacecraft's name or TLE", params: IdParams, headers: ActorHeader, body: SpacecraftPatch,
      response: { 200: Spacecraft, 400: ProblemSchema, 404: ProblemSchema },
    },
  }, (request) => updateSpacecraft(api, request.params.id, request.body, actor(request)));

  http.get('/v1/spacecraft/:id/history', { config: { access: 'viewer', scope: spacecraftInPath() },
    schema: { tags: ['missions'], summary: "A spacecraft's change history, its channels' included", description: HISTORY, params: IdParams, querystring: HistoryQuery, response: { 200: Type.Array(ChangeEntry), 404: ProblemSchema } },
  }, async (request) => {
    if (!(await api.catalog.getSpacecraft(request.params.id))) throw notFound(`no spacecraft "${request.params.id}"`);
    return api.catalog.history({ spacecraft: request.params.id }, request.query.limit);
  });

  http.put('/v1/spacecraft/:id/channels/:name', { config: { access: 'admin', scope: spacecraftInPath() },
    schema: {
      tags: ['missions'], summary: 'Define or redefine a channel (201 created, 200 replaced)', params: ChannelParams, headers: ActorHeader, body: ChannelDefinition,
      response: { 200: Channel, 201: Channel, 400: ProblemSchema, 404: ProblemSchema, 409: ProblemSchema },
    },
  }, async (request, reply) => {
    const { channel, created } = await putChannel(api, request.params.id, request.params.name, request.body, actor(request));
    return reply.status(created ? 201 : 200).send(channel);
  });

  http.get('/v1/spacecraft/:id/channels', { config: { access: 'viewer', scope: spacecraftInPath() },
    schema: { tags: ['missions'], summary: "List a spacecraft's channels", params: IdParams, response: { 200: Type.Array(Channel), 404: ProblemSchema } },
  }, async (request) => {
    if (!(await api.catalog.spacecraft(request.params.id))) throw notFound(`no spacecraft "${request.params.id}"`);
    return api.catalog.listChannels(request.params.id);
  });

  http.get('/v1/spacecraft/:id/channels/:name/history', { config: { access: 'viewer', scope: spacecraftInPath() },
    schema: { tags: ['missions'], summary: "A channel's change history", description: HISTORY, params: ChannelParams, querystring: HistoryQuery, response: { 200: Type.Array(ChangeEntry), 404: ProblemSchema } },
  }, async (request) => {
    const { id, name } = request.params;
    const view = await api.catalog.spacecraft(id);
    if (!view) throw notFound(`no spacecraft "${id}"`);
    const entries = await api.catalog.history({ spacecraft: id, channel: name }, request.query.limit);
    if (!entries.length && !view.channels.has(name)) throw notFound(`no channel "${name}" on spacecraft "${id}"`);
    return entries;
  });

  http.get('/v1/missions/:id/definition', { config: { access: 'viewer', scope: missionInPath() },
    schema: {
      tags: ['missions'], summary: "Export a mission's whole definition: the mission, its spacecraft with their TLEs, their channels with every setting",
      params: IdParams, querystring: Type.Object({ format: Type.Optional(Type.Union(DEFINITION_FORMATS.map((f) => Type.Literal(f)), { default: 'json' })) }),
      response: {
        200: { description: 'The definition, as a download', content: { 'application/json': { schema: MissionDefinition }, 'application/yaml': { schema: MissionDefinition } } },
        404: ProblemSchema,
      },
    },
  }, async (request, reply) => {
    const doc = await api.catalog.definition(request.params.id);
    if (!doc) throw notFound(`no mission "${request.params.id}"`);
    const { body, type, extension } = definitionDocument(doc, request.query.format ?? 'json');
    // A Buffer is sent as it is, past the response serializer (which the typing of send assumes).
    return reply.type(type).header('content-disposition', `attachment; filename="${request.params.id}.mission.${extension}"`).send(Buffer.from(body) as never);
  });

  // YAML is accepted by this route only: the rest of the API answers 415 to it.
  await http.register(async (plugin) => {
    const scope = plugin as HttpServer;
    scope.addContentTypeParser(YAML_TYPES, { parseAs: 'string' }, (_request, body, done) => {
      try {
        done(null, parseYaml(body as string));
      } catch (error) {
        done(badRequest(`the body is not valid YAML: ${(error as Error).message}`, [{ pointer: '/', detail: (error as Error).message }]));
      }
    });
    scope.put('/v1/missions/:id/definition', { config: { access: 'admin', scope: missionInPath() },
      schema: {
        tags: ['missions'], summary: "Import a mission's whole definition (JSON or YAML): validated whole, applied in one transaction, recorded as 'import'",
        description: 'Creates what is new and updates what differs; spacecraft and channels absent from the document are kept, never deleted. `dryRun=true` answers the changes and writes nothing',
        consumes: ['application/json', ...YAML_TYPES],
        params: IdParams, headers: ActorHeader, querystring: Type.Object({ dryRun: Type.Optional(Type.Boolean({ default: false })) }), body: MissionDefinition,
        response: { 200: DefinitionImport, 400: ProblemSchema, 409: ProblemSchema },
      },
    }, (request) => importDefinition(api, request.params.id, request.body, { by: actor(request), dryRun: request.query.dryRun ?? false }));
  });
};
