import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, html, trusted } from '../../src/platform/html/html.ts';

const HOSTILE = `<script>alert("x")</script>' onmouseover='x' \`&`;

test('every interpolated text is escaped, in element content and in attributes', () => {
  const out = html`<p title="${HOSTILE}">${HOSTILE}</p>`.value;
  assert.ok(!out.includes('<script>'));
  assert.ok(!out.includes(`'x'`));
  assert.equal(out, `<p title="${escapeHtml(HOSTILE)}">${escapeHtml(HOSTILE)}</p>`);
  assert.equal(escapeHtml('a&b<c>"d\'e`'), 'a&amp;b&lt;c&gt;&quot;d&#39;e&#96;');
});

test('nested templates and lists of them are inserted as markup, their own values still escaped', () => {
  const items = ['<b>', 'ok'].map((t) => html`<li>${t}</li>`);
  assert.equal(html`<ul>${items}</ul>`.value, '<ul><li>&lt;b&gt;</li><li>ok</li></ul>');
});

test('an exclamation mark before a value does not turn escaping off', () => {
  assert.equal(html`Careful!${'<i>'}`.value, 'Careful!&lt;i&gt;');
});

test('nothing renders for null, undefined and booleans; numbers render as text; trusted markup as it is', () => {
  assert.equal(html`[${null}${undefined}${false}${true}${0}${trusted('<hr>')}]`.value, '[0<hr>]');
});
