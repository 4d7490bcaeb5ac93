/**
 * The sign-in page: one field for an API key. It is public, so it shows nothing of the
 * installation but the form.
 */
import { html, type Html } from '../../platform/html/html.ts';
import { CONSOLE_ASSETS } from '../../platform/html/layout.ts';

export function signInPage(options: { next: string; error?: string; signedInAs?: string }): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<title>Sign in · Orbit</title>
<link rel="stylesheet" href="${CONSOLE_ASSETS}/console.css">
</head>
<body>
<main id="main" class="sign-in">
<h1>◎ Sign in to Orbit</h1>
${options.signedInAs ? html`<p>Signed in as <strong>${options.signedInAs}</strong>. <a href="${options.next}">Continue</a>, or sign in with another key.</p>` : ''}
<form method="post" action="/sign-in">
  <input type="hidden" name="next" value="${options.next}">
  <div class="field${options.error ? ' has-error' : ''}">
    <label for="f-key">API key</label>
    <input id="f-key" name="key" type="password" autocomplete="current-password" required${options.error ? html` aria-invalid="true" aria-describedby="f-key-error"` : ''}>
    ${options.error ? html`<small id="f-key-error" class="field-error">${options.error}</small>` : ''}
    <small class="hint">An administrator creates keys with <code>orbit keys create</code> or POST /v1/keys.</small>
  </div>
  <button type="submit">Sign in</button>
</form>
</main>
</body>
</html>`;
}

/** Where to go after signing in: only a path of this server, so the page cannot be used to send users elsewhere. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/console';
}
