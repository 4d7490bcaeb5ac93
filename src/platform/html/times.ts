/**
 * Times on console pages. Pages show and take UTC, whatever the browser's zone, so that
 * what an operator reads matches the API and the logs; a `datetime-local` input has no
 * zone, so its value is read as UTC.
 */
import { html, type Html } from './html.ts';

/** An ISO time as people read it, to the second, in a `<time>` element. */
export function timeText(iso: string | undefined): Html {
  if (!iso) return html``;
  return html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/(\.\d+)?Z$/, 'Z')}</time>`;
}

/** An ISO time as the value of a `datetime-local` input (UTC, to the second). */
export function toInputValue(iso: string | undefined): string {
  return iso ? iso.replace(/(\.\d+)?Z$/, '') : '';
}

const LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;

/**
 * A `datetime-local` value as ISO 8601 UTC; anything else (already zoned, epoch ms, or not
 * a time) is handed on unchanged for the API's own check to accept or name.
 */
export function fromInputValue(value: string): string;
export function fromInputValue(value: string | undefined): string | undefined;
export function fromInputValue(value: string | undefined): string | undefined {
  if (value === undefined || !LOCAL.test(value)) return value;
  return `${value.length === 16 ? `${value}:00` : value}Z`;
}
