// Live view: one card per spacecraft, a row per channel with its latest value and a
// sparkline of the last readings, and the feed of alert changes.
const HISTORY = 120;
const fleet = document.getElementById('fleet');
const alertsList = document.getElementById('alerts');
const statusEl = document.getElementById('status');
const rateEl = document.getElementById('rate');
const cards = new Map();
const limits = new Map();
let received = 0;

async function loadLimits(spacecraft) {
  const res = await fetch(`/v1/spacecraft/${encodeURIComponent(spacecraft)}/channels`);
  if (!res.ok) return;
  for (const ch of await res.json()) limits.set(`${spacecraft}/${ch.name}`, ch);
}

function severity(channel, value) {
  const l = channel?.limits;
  if (!l || typeof value !== 'number') return '';
  if ((l.redHigh !== undefined && value > l.redHigh) || (l.redLow !== undefined && value < l.redLow)) return 'critical';
  if ((l.yellowHigh !== undefined && value > l.yellowHigh) || (l.yellowLow !== undefined && value < l.yellowLow)) return 'warning';
  return '';
}

function card(spacecraft) {
  let c = cards.get(spacecraft);
  if (c) return c;
  const el = document.createElement('div');
  el.className = 'card';
  el.innerHTML = '<h2></h2><div class="rows"></div>';
  el.querySelector('h2').textContent = spacecraft;
  fleet.append(el);
  c = { el, rows: new Map() };
  cards.set(spacecraft, c);
  loadLimits(spacecraft);
  return c;
}

function row(c, spacecraft, channel) {
  let r = c.rows.get(channel);
  if (r) return r;
  const el = document.createElement('div');
  el.className = 'row';
  el.innerHTML = '<span class="name"></span><span class="value"></span><canvas width="300" height="24"></canvas>';
  el.querySelector('.name').textContent = channel;
  const rows = [...c.rows.keys(), channel].sort();
  const container = c.el.querySelector('.rows');
  container.insertBefore(el, container.children[rows.indexOf(channel)] ?? null);
  r = { el, value: el.querySelector('.value'), canvas: el.querySelector('canvas'), points: [], key: `${spacecraft}/${channel}` };
  c.rows.set(channel, r);
  return r;
}

function draw(r) {
  const ctx = r.canvas.getContext('2d');
  const { width, height } = r.canvas;
  ctx.clearRect(0, 0, width, height);
  const values = r.points.filter((v) => typeof v === 'number');
  if (values.length < 2) return;
  const min = Math.min(...values);
  const span = Math.max(...values) - min || 1;
  ctx.strokeStyle = '#8fb3ff';
  ctx.beginPath();
  values.forEach((v, i) => {
    const x = (i / (values.length - 1)) * width;
    const y = height - 2 - ((v - min) / span) * (height - 4);
    if (i) ctx.lineTo(x, y);
    else ctx.moveTo(x, y);
  });
  ctx.stroke();
}

function onTelemetry(batch) {
  const c = card(batch.spacecraft);
  const latest = new Map();
  for (const reading of batch.readings) latest.set(reading.channel, reading);
  received += batch.readings.length;
  for (const [channel, reading] of latest) {
    const r = row(c, batch.spacecraft, channel);
    const value = reading.value;
    r.value.textContent = typeof value === 'number' ? value.toFixed(Math.abs(value) >= 100 ? 1 : 3) : String(value);
    r.el.className = `row ${severity(limits.get(r.key), value)}`;
    r.points.push(value);
    if (r.points.length > HISTORY) r.points.shift();
    draw(r);
  }
}

function onAlert(alert) {
  const li = document.createElement('li');
  li.className = `${alert.severity} ${alert.state}`;
  li.innerHTML = '<div class="msg"></div><div class="meta"></div>';
  li.querySelector('.msg').textContent = alert.message;
  li.querySelector('.meta').textContent = `${alert.state} · ${alert.severity} · ${alert.spacecraft} · ${new Date(alert.updatedAt).toLocaleTimeString()}`;
  alertsList.prepend(li);
  while (alertsList.children.length > 100) alertsList.lastChild.remove();
}

async function loadOpenAlerts() {
  const res = await fetch('/v1/alerts?state=open&limit=50');
  if (res.ok) for (const alert of (await res.json()).reverse()) onAlert(alert);
}

function connect() {
  const source = new EventSource('/v1/stream');
  source.onopen = () => { statusEl.textContent = 'live'; statusEl.className = 'status live'; };
  source.onerror = () => { statusEl.textContent = 'reconnecting…'; statusEl.className = 'status down'; };
  source.addEventListener('telemetry', (e) => onTelemetry(JSON.parse(e.data)));
  source.addEventListener('alert', (e) => onAlert(JSON.parse(e.data)));
}

setInterval(() => {
  rateEl.textContent = `${(received / 5).toFixed(0)} readings/s`;
  received = 0;
}, 5000);
loadOpenAlerts().catch(() => undefined);
connect();
