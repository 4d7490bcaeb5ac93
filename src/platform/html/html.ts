/**
 * HTML templates as tagged template literals that escape every interpolated value unless
 * it is already HTML (`Html`, made by this tag or `trusted`). The type says which strings
 * are markup, so a value that must be escaped cannot be passed where markup is expected by
 * mistake, and nesting needs no marker. (ghtml, the closest library, inserts a value
 * unescaped when the literal text before it ends in `!`: `Careful!${name}` would not be
 * escaped. Node runs no JSX, which rules out @kitajs/html without a build step.)
 */

/** Markup that is safe to send: built by `html` or declared so by `trusted`. */
export class Html {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);
}

/** Values a template accepts: markup, text (escaped), numbers, nothing (false, null, undefined: empty), or arrays of them. */
export type Interpolation = Html | string | number | bigint | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value === null || value === undefined || value === false || value === true) return '';
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Markup from a source that is not user input (a constant, a library's output). */
export function trusted(markup: string): Html {
  return new Html(markup);
}
