/**
 * Registering console pages: in a scope of their own that also accepts HTML form posts
 * (application/x-www-form-urlencoded), which the API's routes keep refusing with 415.
 */
import formbody from '@fastify/formbody';
import type { FastifyReply } from 'fastify';
import type { HttpServer } from '../http.ts';
import type { Html } from './html.ts';

export async function consolePages(http: HttpServer, pages: (app: HttpServer) => void | Promise<void>): Promise<void> {
  await http.register(async (app) => {
    await app.register(formbody);
    await pages(app as HttpServer);
  });
}

/** A page or a fragment of one; never cached, as it shows live state. */
export function sendHtml(reply: FastifyReply, body: Html, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body.value);
}

/** After a form post that worked: to the page that shows the result (303, so a reload does not post again). */
export function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.redirect(location, 303);
}
