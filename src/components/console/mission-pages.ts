/**
 * The mission database's console pages and their form actions. Each action builds the
 * API's JSON body from the form, checks it with the REST route's schema and calls the same
 * mission service as the route; a refused action shows the form again, as posted, with the
 * problem's status, its detail above and each error beside its field.
 */
import multipart from '@fastify/multipart';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import { ChannelDefinition, ChannelName, GroundStationDefinition, Id, MissionCreate, MissionDefinition, MissionPatch, SpacecraftCreate, SpacecraftPatch } from '../../core/schemas.ts';
import { formErrors, NO_ERRORS } from '../../platform/html/form.ts';
import type { Html } from '../../platform/html/html.ts';
import { consolePages, seeOther, sendHtml } from '../../platform/html/pages.ts';
import type { Routes } from '../../platform/modules.ts';
import { HttpProblem } from '../../platform/problem.ts';
import { checkBody } from '../../platform/validation.ts';
import type { ConsoleApi } from './api.ts';
import { parseDefinitionText } from './definition-format.ts';
import { createMission, createSpacecraft, deleteGroundStation, importDefinition, putChannel, putGroundStation, updateMission, updateSpacecraft } from './mission-service.ts';
import { groundStationBody, GROUND_STATION_FIELDS } from './pages/ground-stations.ts';
import { postedActor, rememberedActor } from './pages/actor.ts';
import { channelBody, CHANNEL_FIELDS } from './pages/channel-form.ts';
import { nestedBody, numberOrText, optionalText, text, type FormValues } from '../../platform/html/form-values.ts';
import { MISSION_FIELDS, missionPage, missionsPage, notFoundPage, SPACECRAFT_FIELDS, type MissionView } from './pages/missions.ts';
import { spacecraftPage, type SpacecraftView } from './pages/spacecraft.ts';
import { missionInPath, spacecraftInPath } from '../../platform/scopes.ts';

/** A TLE pasted as two lines (blank lines and surrounding spaces ignored); null when empty. */
function tleLines(value: string): string[] | null {
  const lines = value.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  return lines.length ? lines : null;
}

const HIDDEN = { schema: { hide: true } } as const;
const IdParams = Type.Object({ id: Type.String() });
const MAX_UPLOAD_BYTES = 4 * 1024 * 1024;

/** The problem a refused action met; anything else is not the form's to show. */
function problemOf(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  throw error;
}

/** The fields a mission form posts, as the API's body; nulls remove a setting in a patch. */
function missionBody(form: FormValues, removed: null | undefined) {
  return nestedBody([
    ['name', text(form, 'name')],
    ['description', optionalText(text(form, 'description')) ?? removed],
    ['retentionDays', numberOrText(text(form, 'retentionDays')) ?? removed],
    ['autoRegisterChannels', text(form, 'autoRegisterChannels') === 'true'],
  ]);
}

/** The TLE of a spacecraft form: the uploaded file's lines when one was chosen, else the pasted ones. */
function postedTle(form: FormValues): string[] | null {
  return tleLines(text(form, 'tleFile')) ?? tleLines(text(form, 'tle'));
}

/** A page, or 404 when its record is gone. */
const sendPage = (reply: FastifyReply, body: Html | undefined, missing: string, status = 200) =>
  body ? sendHtml(reply, body, status) : sendHtml(reply, notFoundPage(missing), 404);

export const missionPageRoutes: Routes<ConsoleApi> = (http, api) =>
  consolePages(http, async (app) => {
    // File uploads (a TLE, a definition) arrive as text fields.
    await app.register(multipart, {
      attachFieldsToBody: 'keyValues',
      limits: { files: 1, fileSize: MAX_UPLOAD_BYTES },
      async onFile(part) {
        (part as unknown as { value: string }).value = (await part.toBuffer()).toString('utf8');
      },
    });

    const missionView = async (id: string, actor: string, posted: Partial<MissionView> = {}) => {
      const mission = await api.catalog.getMission(id);
      if (!mission) return undefined;
      const [spacecraft, groundStations, history] = await Promise.all([api.catalog.listSpacecraft(id), api.catalog.groundStations(id), api.catalog.history({ mission: id })]);
      return missionPage({ mission, spacecraft, groundStations: groundStations ?? [], history, actor, ...posted });
    };

    const spacecraftView = async (id: string, channelName: string | undefined, actor: string, posted: Partial<SpacecraftView> = {}) => {
      const view = await api.catalog.spacecraft(id);
      if (!view) return undefined;
      const [channels, history] = await Promise.all([api.catalog.listChannels(id), api.catalog.history({ spacecraft: id })]);
      const channel = channels.find((c) => c.name === channelName);
      const picked = channel && { channel, history: await api.catalog.history({ spacecraft: id, channel: channel.name }) };
      return spacecraftPage({ spacecraft: view.spacecraft, channels, history, actor, channel: picked, ...posted });
    };

    app.get('/console/missions', { ...HIDDEN, config: { access: 'viewer' } }, async (request, reply) =>
      sendHtml(reply, missionsPage({ missions: await api.catalog.listMissions(), actor: rememberedActor(request) })));

    app.post('/console/missions', { ...HIDDEN, config: { access: 'admin' } }, async (request, reply) => {
      const form = request.body as FormValues;
      const by = postedActor(form, reply);
      try {
        const mission = await createMission(api, checkBody(MissionCreate, { id: text(form, 'id').trim(), ...missionBody(form, undefined) }), by);
        return seeOther(reply, `/console/missions/${mission.id}`);
      } catch (error) {
        const problem = problemOf(error);
        const missions = await api.catalog.listMissions();
        return sendHtml(reply, missionsPage({ missions, actor: by, posted: { form, errors: formErrors(problem, MISSION_FIELDS) } }), problem.status);
      }
    });

    app.get('/console/missions/:id', { config: { access: 'viewer', scope: missionInPath() }, schema: { hide: true, params: IdParams } }, async (request, reply) =>
      sendPage(reply, await missionView(request.params.id, rememberedActor(request)), `No mission "${request.params.id}"`));

    app.post('/console/missions/:id', { config: { access: 'admin', scope: missionInPath() }, schema: { hide: true, params: IdParams } }, async (request, reply) => {
      const { id } = request.params;
      const form = request.body as FormValues;
      const by = postedActor(form, reply);
      try {
        await updateMission(api, id, checkBody(MissionPatch, missionBody(form, null)), by);
        return seeOther(reply, `/console/missions/${id}`);
      } catch (error) {
        const problem = problemOf(error);
        return sendPage(reply, await missionView(id, by, { edit: { form, errors: formErrors(problem, MISSION_FIELDS) } }), problem.message, problem.status);
      }
    });

    app.post('/console/missions/:id/spacecraft', { config: { access: 'admin', scope: missionInPath() }, schema: { hide: true, params: IdParams } }, async (request, reply) => {
      const { id } = request.params;
      const form = request.body as FormValues;
      const by = postedActor(form, reply);
      try {
        const body = nestedBody([['id', text(form, 'id').trim()], ['missionId', id], ['name', text(form, 'name')], ['tle', postedTle(form) ?? undefined]]);
        await createSpacecraft(api, checkBody(SpacecraftCreate, body), by);
        return seeOther(reply, `/console/missions/${id}`);
      } catch (error) {
        const problem = problemOf(error);
        return sendPage(reply, await missionView(id, by, { newSpacecraft: { form, errors: formErrors(problem, SPACECRAFT_FIELDS) } }), problem.message, problem.status);
      }
    });

    app.post('/console/missions/:id/ground-stations', { config: { access: 'admin', scope: missionInPath() }, schema: { hide: true, params: IdParams } }, async (request, reply) => {
      const { id } = request.params;
      const form = request.body as FormValues;
      const by = postedActor(form, reply);
      try {
        const stationId = text(form, 'id').trim();
        checkBody(Type.Object({ id: Id }), { id: stationId });
        await putGroundStation(api, id, stationId, checkBody(GroundStationDefinition, groundStationBody(form)), by);
        return seeOther(reply, `/console/missions/${id}#h-ground-stations`);
      } catch (error) {
        const problem = problemOf(error);
        return sendPage(reply, await missionView(id, by, { groundStation: { form, errors: formErrors(problem, GROUND_STATION_FIELDS) } }), problem.message, problem.status);
      }
    });

    app.post('/console/missions/:id/ground-stations/:stationId/delete', { config: { access: 'admin', scope: missionInPath() }, schema: { hide: true, params: Type.Object({ id: Type.String(), stationId: Type.String() }) } }, async (request, reply) => {
      const { id, stationId } = request.params;
      const by = postedActor(request.body as FormValues, reply);
      try {
        await deleteGroundStation(api, id, stationId, by);
        return seeOther(reply, `/console/missions/${id}#h-ground-stations`);
      } catch (error) {
        const problem = problemOf(error);
        return sendPage(reply, await missionView(id, by), problem.message, problem.status);
      }
    });

    app.post('/console/missions/:id/import', { config: { access: 'admin', scope: missionInPath() }, schema: { hide: true, params: IdParams } }, async (request, reply) => {
      const { id } = request.params;
      const form = request.body as FormValues;
      const by = postedActor(form, reply);
      const dryRun = text(form, 'mode') !== 'apply';
      const document = text(form, 'file').trim() ? text(form, 'file') : text(form, 'document');
      const shown = { document };
      try {
        let parsed: unknown;
        try {
          parsed = parseDefinitionText(document);
        } catch (error) {
          throw new HttpProblem(400, 'the document is not valid JSON or YAML', { errors: [{ pointer: '/document', detail: (error as Error).message }] });
        }
        const result = await importDefinition(api, id, checkBody(MissionDefinition, parsed), { by, dryRun });
        return sendPage(reply, await missionView(id, by, { importing: { form: shown, errors: NO_ERRORS, result, dryRun } }), `No mission "${id}"`);
      } catch (error) {
        const problem = problemOf(error);
        return sendPage(reply, await missionView(id, by, { importing: { form: shown, errors: formErrors(problem, ['document']), dryRun } }), problem.message, problem.status);
      }
    });

    app.get('/console/spacecraft/:id', { config: { access: 'viewer', scope: spacecraftInPath() }, schema: { hide: true, params: IdParams, querystring: Type.Object({ channel: Type.Optional(Type.String()) }) } }, async (request, reply) =>
      sendPage(reply, await spacecraftView(request.params.id, request.query.channel, rememberedActor(request)), `No spacecraft "${request.params.id}"`));

    app.post('/console/spacecraft/:id', { config: { access: 'admin', scope: spacecraftInPath() }, schema: { hide: true, params: IdParams } }, async (request, reply) => {
      const { id } = request.params;
      const form = request.body as FormValues;
      const by = postedActor(form, reply);
      try {
        await updateSpacecraft(api, id, checkBody(SpacecraftPatch, { name: text(form, 'name'), tle: postedTle(form) }), by);
        return seeOther(reply, `/console/spacecraft/${id}`);
      } catch (error) {
        const problem = problemOf(error);
        return sendPage(reply, await spacecraftView(id, undefined, by, { edit: { form, errors: formErrors(problem, ['name', 'tle']) } }), problem.message, problem.status);
      }
    });

    app.post('/console/spacecraft/:id/channels', { config: { access: 'admin', scope: spacecraftInPath() }, schema: { hide: true, params: IdParams } }, async (request, reply) => {
      const { id } = request.params;
      const form = request.body as FormValues;
      const by = postedActor(form, reply);
      try {
        const { name, body } = channelBody(form);
        checkBody(Type.Object({ name: ChannelName }), { name });
        await putChannel(api, id, name, checkBody(ChannelDefinition, body), by);
        return seeOther(reply, `/console/spacecraft/${id}?channel=${encodeURIComponent(name)}`);
      } catch (error) {
        const problem = problemOf(error);
        const view = await spacecraftView(id, text(form, 'name').trim(), by, { channelPost: { form, errors: formErrors(problem, CHANNEL_FIELDS) } });
        return sendPage(reply, view, problem.message, problem.status);
      }
    });
  });
