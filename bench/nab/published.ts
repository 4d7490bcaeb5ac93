/** NAB's published final scores (results/final_results.json), to print beside ours. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { NAB_DIR } from './corpus.ts';
import { NAB_PROFILE_KEYS, PROFILE_NAMES, type ProfileName } from './profiles.ts';

/** Our detector names -> NAB's, for detectors NAB published results for. */
export const NAB_DETECTOR_NAMES: Record<string, string> = {
  'windowed-gaussian': 'windowedGaussian',
  null: 'null',
};

export type ProfileScores = Record<ProfileName, number>;

/** NAB's published normalised scores for one of its detectors (by NAB's name), or undefined. */
export function publishedScores(nabName: string, dir = NAB_DIR): ProfileScores | undefined {
  const file = path.join(dir, 'results', 'final_results.json');
  if (!existsSync(file)) return undefined;
  const results = JSON.parse(readFileSync(file, 'utf8')) as Record<string, Record<string, number>>;
  const byProfile = results[nabName];
  if (!byProfile) return undefined;
  return Object.fromEntries(PROFILE_NAMES.map((p) => [p, byProfile[NAB_PROFILE_KEYS[p]]!])) as ProfileScores;
}
