/**
 * The notifier's API: notification routes (created with their secret, listed without it,
 * deleted) and the delivery log of an alert.
 */
import { Type } from 'typebox';
import { NotificationDelivery, NotificationRoute, NotificationRouteCreate, NotificationRouteCreated } from '../../core/notifications.ts';
import { ProblemSchema } from '../../platform/http.ts';
import type { Routes } from '../../platform/modules.ts';
import { notFound } from '../../platform/problem.ts';
import type { AlertStore } from '../../stores/alerts/store.ts';
import { createRoute, type RouteDeskDeps } from './route-desk.ts';

export interface NotifierApi extends RouteDeskDeps {
  alerts: Pick<AlertStore, 'get'>;
}

const IdParams = Type.Object({ id: Type.String() });

export const notifierRoutes: Routes<NotifierApi> = (app, desk) => {
  app.post('/v1/notification-routes', { config: { access: 'admin' },
    schema: {
      tags: ['notifications'], summary: 'Create a route that sends matching alert changes to a webhook; the answer is the only one that shows its secret',
      body: NotificationRouteCreate, response: { 201: NotificationRouteCreated, 400: ProblemSchema, 404: ProblemSchema },
    },
  }, async (request, reply) => {
    const created = await createRoute(desk, request.body);
    return reply.code(201).header('location', `/v1/notification-routes/${created.id}`).send(created);
  });
  app.get('/v1/notification-routes', { config: { access: 'admin' },
    schema: { tags: ['notifications'], summary: 'Every notification route, oldest first, without secrets', response: { 200: Type.Array(NotificationRoute) } },
  }, () => desk.store.listRoutes());
  app.get('/v1/notification-routes/:id', { config: { access: 'admin' },
    schema: { tags: ['notifications'], summary: 'One notification route, without its secret', params: IdParams, response: { 200: NotificationRoute, 404: ProblemSchema } },
  }, async (request) => {
    const route = await desk.store.getRoute(request.params.id);
    if (!route) throw notFound(`no notification route "${request.params.id}"`);
    return route;
  });
  app.delete('/v1/notification-routes/:id', { config: { access: 'admin' },
    schema: {
      tags: ['notifications'], summary: 'Delete a route: it matches nothing more, and its deliveries not yet sent are given up (their log stays)',
      params: IdParams, response: { 204: Type.Null({ description: 'Deleted' }), 404: ProblemSchema },
    },
  }, async (request, reply) => {
    if (!(await desk.store.deleteRoute(request.params.id))) throw notFound(`no notification route "${request.params.id}"`);
    return reply.code(204).send(null);
  });
  app.get('/v1/alerts/:id/deliveries', { config: { access: 'viewer' },
    schema: {
      tags: ['notifications'], summary: "An alert's webhook deliveries, oldest first: route, state, tries, the last answer or error",
      params: IdParams, response: { 200: Type.Array(NotificationDelivery), 404: ProblemSchema },
    },
  }, async (request) => {
    const { id } = request.params;
    const deliveries = await desk.store.deliveriesOf(id);
    // No delivery may mean no alert: say which.
    if (!deliveries.length && !(await desk.alerts.get(id))) throw notFound(`no alert "${id}"`);
    return deliveries;
  });
};
