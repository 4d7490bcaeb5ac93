/** The land outline, loaded on demand: the map data and its decoder stay out of the main bundle. */
import { useEffect, useState } from 'react';
import type { Topology } from 'topojson-specification';
import type { Ring } from '../../../../../src/core/geo/land.ts';

export function useLand(): Ring[] | undefined {
  const [rings, setRings] = useState<Ring[]>();
  useEffect(() => {
    let cancelled = false;
    Promise.all([import('../../../../../src/core/geo/land.ts'), import('world-atlas/land-110m.json')]).then(
      ([{ landRings }, topology]) => {
        if (!cancelled) setRings(landRings(topology.default as unknown as Topology));
      },
      () => {}, // No coastlines: the map still shows the grid, the tracks and the night side.
    );
    return () => {
      cancelled = true;
    };
  }, []);
  return rings;
}
