/**
 * A region of a console page whose links and forms htmx boosts: their requests (and any
 * hx-get inside) replace the region with the same region of the answer, so the page around
 * it stays; boosted ones also put their URL in the address bar.
 * htmx leaves a 4xx answer unswapped, but a console page answers a refused query with the
 * page itself (the problem beside its field, status 400 or 404): the region swaps those in
 * too. The handler sits on the region because htmx fires before-swap on the target.
 */
import { html, type Html } from './html.ts';

export function swapRegion(id: string): Html {
  return html` id="${id}" hx-boost="true" hx-target="#${id}" hx-select="#${id}" hx-swap="outerHTML" hx-on::before-swap="if (event.detail.xhr.status === 400 || event.detail.xhr.status === 404) { event.detail.shouldSwap = true; event.detail.isError = false; }"`;
}
