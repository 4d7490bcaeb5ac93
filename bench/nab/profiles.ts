/**
 * NAB's application profiles: what a detection inside a window earns (tp), what a
 * missed window costs (fn) and what a detection outside any window costs (fp).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NAB_DIR } from './corpus.ts';

/** Our names for NAB's profiles, as the benchmark prints them. */
export const PROFILE_NAMES = ['standard', 'rewardLowFP', 'rewardLowFN'] as const;
export type ProfileName = (typeof PROFILE_NAMES)[number];

/** NAB's own keys, in config/profiles.json, config/thresholds.json and results/final_results.json. */
export const NAB_PROFILE_KEYS: Record<ProfileName, string> = {
  standard: 'standard',
  rewardLowFP: 'reward_low_FP_rate',
  rewardLowFN: 'reward_low_FN_rate',
};

export interface Costs {
  tp: number;
  fp: number;
  fn: number;
}

export interface Profile {
  name: ProfileName;
  costs: Costs;
}

interface CostMatrix {
  CostMatrix: { tpWeight: number; fpWeight: number; fnWeight: number };
}

export function readProfiles(dir = NAB_DIR): Profile[] {
  const config = JSON.parse(readFileSync(path.join(dir, 'config', 'profiles.json'), 'utf8')) as Record<string, CostMatrix>;
  return PROFILE_NAMES.map((name) => {
    const matrix = config[NAB_PROFILE_KEYS[name]]?.CostMatrix;
    if (!matrix) throw new Error(`config/profiles.json has no profile ${NAB_PROFILE_KEYS[name]}`);
    return { name, costs: { tp: matrix.tpWeight, fp: matrix.fpWeight, fn: matrix.fnWeight } };
  });
}
