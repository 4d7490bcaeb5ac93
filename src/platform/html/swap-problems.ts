/**
 * htmx leaves a 4xx answer unswapped, but a console page answers a refused query with the
 * page itself (the problem beside its field, status 400 or 404): on an element, this lets
 * the requests it makes swap those answers in as they would a 200.
 */
import { trusted } from './html.ts';

export const SWAP_PROBLEMS = trusted(` hx-on::before-swap="if (event.detail.xhr.status === 400 || event.detail.xhr.status === 404) { event.detail.shouldSwap = true; event.detail.isError = false; }"`);
