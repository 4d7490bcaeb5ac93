import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitAtAntimeridian } from '../../src/core/geo/equirectangular.ts';
import { groundTrackSvg, MAP, project, thin } from '../../src/components/compute/pages/ground-track.ts';
import { unwrapRing } from '../../src/components/compute/pages/land.ts';

test('the projection maps longitude −180..180 to the width and latitude 90..−90 to the height', () => {
  assert.deepEqual(project({ lon: -180, lat: 90 }), [0, 0]);
  assert.deepEqual(project({ lon: 180, lat: -90 }), [MAP.width, MAP.height]);
  assert.deepEqual(project({ lon: 0, lat: 0 }), [MAP.width / 2, MAP.height / 2]);
});

test('a track is cut where it crosses the anti-meridian, each run ending at the edge at the crossing latitude', () => {
  const east = splitAtAntimeridian([{ lon: 170, lat: 10 }, { lon: 178, lat: 12 }, { lon: -178, lat: 14 }, { lon: -170, lat: 16 }]);
  assert.equal(east.length, 2);
  assert.deepEqual(east[0]!.at(-1), { lon: 180, lat: 13 });
  assert.deepEqual(east[1]![0], { lon: -180, lat: 13 });
  assert.deepEqual(east[1]!.at(-1), { lon: -170, lat: 16 });

  const west = splitAtAntimeridian([{ lon: -175, lat: 0 }, { lon: 175, lat: -10 }]);
  assert.deepEqual(west, [[{ lon: -175, lat: 0 }, { lon: -180, lat: -5 }], [{ lon: 180, lat: -5 }, { lon: 175, lat: -10 }]]);

  assert.equal(splitAtAntimeridian([{ lon: -90, lat: 0 }, { lon: 0, lat: 10 }, { lon: 90, lat: 0 }]).length, 1, 'a track that goes round without crossing stays whole');
  assert.deepEqual(splitAtAntimeridian([]), []);
});

test('a long track is thinned evenly, keeping its first and last points', () => {
  const points = Array.from({ length: 10_001 }, (_, i) => i);
  const kept = thin(points, 101);
  assert.equal(kept.length, 101);
  assert.equal(kept[0], 0);
  assert.equal(kept.at(-1), 10_000);
  assert.equal(kept[50], 5000);
  assert.deepEqual(thin([1, 2, 3], 10), [1, 2, 3]);
});

test('a land ring across the anti-meridian runs on past it; one round a pole is closed along the pole', () => {
  assert.deepEqual(unwrapRing([[170, 60], [-175, 65], [-170, 60], [170, 60]]).map((p) => p.lon), [170, 185, 190, 170]);
  const antarctica = unwrapRing([[-180, -80], [0, -70], [179, -80], [-180, -80]]);
  assert.deepEqual(antarctica.slice(-2), [{ lon: 180, lat: -90 }, { lon: -180, lat: -90 }]);
});

test('the SVG names itself for assistive technology and draws one line per run', () => {
  const svg = groundTrackSvg([{ lon: 170, lat: 0 }, { lon: -170, lat: 1 }], { title: 'Track of <x>', description: 'two samples' }).value;
  assert.match(svg, /role="img"/);
  assert.match(svg, /<title id="track-title">Track of &lt;x&gt;<\/title>/);
  assert.equal(svg.match(/<polyline /g)?.length, 2);
});
