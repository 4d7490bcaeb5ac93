/**
 * Pages of a running Orbit in headless Chromium, for the browser tests: screenshots go
 * to test-results/ (ORBIT_TEST_ARTIFACTS), and axe-core checks accessibility.
 */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Page } from 'playwright-core';

const ARTIFACTS = path.resolve(process.env.ORBIT_TEST_ARTIFACTS ?? path.join(import.meta.dirname, '../../test-results'));
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(ARTIFACTS, 'dashboard', `${name}.png`);
  await mkdir(path.dirname(file), { recursive: true });
  await page.screenshot({ path: file });
  return file;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** The serious and critical accessibility violations axe-core finds on the page as it is now. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: AXE });
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export const describeViolations = (violations: AxeViolation[]) =>
  violations.map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`).join('\n');
