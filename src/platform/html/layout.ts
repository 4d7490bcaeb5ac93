/**
 * The console's page frame: navigation between its sections, the stylesheet and htmx
 * (with its server-sent-events extension) for partial updates. Pages work without
 * JavaScript; htmx only saves reloads. Each section is served by the target that owns its
 * data (missions, history and logs by `console`, the alarm desk by `analyzer`, jobs by
 * `compute`), all under /console behind one gateway.
 */
import { html, trusted, type Html } from './html.ts';
import { ACCOUNT_MARK } from '../access.ts';

export const SECTIONS = [
  { id: 'overview', href: '/console', label: 'Overview' },
  { id: 'missions', href: '/console/missions', label: 'Missions' },
  { id: 'alerts', href: '/console/alerts', label: 'Alarm desk' },
  { id: 'history', href: '/console/history', label: 'History' },
  { id: 'jobs', href: '/console/jobs', label: 'Jobs' },
  { id: 'logs', href: '/console/logs', label: 'Logs' },
] as const;

/** `audit` is linked from the account menu, for admins only (it exists with ORBIT_AUTH on). */
export type Section = (typeof SECTIONS)[number]['id'] | 'audit';

/** Where the console's static files are served (by the `console` target). */
export const CONSOLE_ASSETS = '/console/assets';

export interface PageOptions {
  title: string;
  section: Section;
  body: Html;
}

export function page({ title, section, body }: PageOptions): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="dark">
<title>${title} · Orbit console</title>
<link rel="stylesheet" href="${CONSOLE_ASSETS}/console.css">
<script src="${CONSOLE_ASSETS}/htmx.min.js" defer></script>
<script src="${CONSOLE_ASSETS}/sse.min.js" defer></script>
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="topbar">
  <span class="brand">◎ Orbit console</span>
  <nav aria-label="Console sections">
    ${SECTIONS.map((s) => html`<a href="${s.href}"${s.id === section ? html` aria-current="page" class="active"` : ''}>${s.label}</a>`)}
    <a href="/dashboard/">Dashboard</a>
  </nav>
  ${trusted(ACCOUNT_MARK)}
</header>
<main id="main">
${body}
</main>
</body>
</html>`;
}
