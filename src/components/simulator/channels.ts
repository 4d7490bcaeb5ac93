/**
 * The channels every simulated spacecraft reports, as registered with the mission
 * database. Limits sit outside what the physics reaches in normal operation, so an
 * alert means an injected anomaly (or a real bug), never everyday noise.
 */
import type { ChannelDefinition, Limits } from '../../core/schemas.ts';

export interface SimChannel extends ChannelDefinition {
  name: string;
}

/**
 * The battery thermistor is read by a 12-bit ADC and sent as raw counts; the
 * processor turns counts into degrees with this polynomial (degC = c0 + c1 * counts).
 */
export const BATTERY_TEMP_ADC = { c0: -50, c1: 0.05, maxCounts: 4095 } as const;

/** Where a failed (open-circuit) panel thermistor pins its reading: the top of its range. */
export const PANEL_TEMP_FULL_SCALE_C = 150;

export const LIMITS = {
  'orbit.altitude': { redLow: 180, yellowLow: 250 },
  'power.solar_current': { yellowHigh: 10, redHigh: 11 },
  'power.battery_current': { redLow: -30, yellowLow: -15, yellowHigh: 8, redHigh: 10 },
  'power.battery_soc': { redLow: 45, yellowLow: 60 },
  'power.bus_voltage': { redLow: 27.5, yellowLow: 29, yellowHigh: 34, redHigh: 35 },
  'thermal.panel_temp': { redLow: -120, yellowLow: -105, yellowHigh: 100, redHigh: 115 },
  'thermal.battery_temp': { redLow: 0, yellowLow: 5, yellowHigh: 35, redHigh: 45 },
  'adcs.wheel_speed': { redLow: -6000, yellowLow: -5000, yellowHigh: 5000, redHigh: 6000 },
  'comms.signal_strength': { redLow: -120, yellowLow: -110 },
} as const satisfies Record<string, Limits>;

/** Ten samples' worth, but never under a few seconds: one late post must not look like a dead channel. */
export function staleAfterSeconds(intervalMs: number): number {
  return Math.max(5, Math.ceil((10 * intervalMs) / 1000));
}

export function channelCatalog(intervalMs: number): SimChannel[] {
  const staleAfter = staleAfterSeconds(intervalMs);
  const numeric = (name: keyof typeof LIMITS | string, unit: string, description: string, extra: Partial<ChannelDefinition> = {}): SimChannel => ({
    name,
    type: 'number',
    unit,
    description,
    ...(name in LIMITS ? { limits: { ...LIMITS[name as keyof typeof LIMITS] } } : {}),
    staleAfterSeconds: staleAfter,
    ...extra,
  });
  return [
    numeric('orbit.altitude', 'km', 'Height above the WGS-84 ellipsoid, from onboard navigation (SGP4)'),
    numeric('orbit.latitude', 'deg', 'Geodetic latitude of the sub-satellite point'),
    numeric('orbit.longitude', 'deg', 'Longitude of the sub-satellite point, east positive, -180..180'),
    numeric('orbit.speed', 'km/s', 'Inertial speed (TEME)'),
    numeric('power.solar_current', 'A', 'Current delivered by the solar arrays; 0 in umbra'),
    numeric('power.battery_current', 'A', 'Battery current, positive while charging'),
    numeric('power.battery_soc', '%', 'Battery state of charge'),
    numeric('power.bus_voltage', 'V', 'Main bus voltage (unregulated: follows the battery)'),
    numeric('thermal.panel_temp', 'degC', 'Solar array temperature'),
    numeric('thermal.battery_temp', 'degC', 'Battery temperature, sent as raw 12-bit ADC counts', {
      calibration: { polynomial: [BATTERY_TEMP_ADC.c0, BATTERY_TEMP_ADC.c1] },
    }),
    numeric('adcs.wheel_speed', 'rpm', 'Reaction wheel speed (signed)'),
    numeric('comms.signal_strength', 'dBm', 'Received signal strength on the relay link'),
    { name: 'mode', type: 'string', description: 'Spacecraft mode: nominal, or safe (sun-pointing, loads shed)', staleAfterSeconds: staleAfter },
    { name: 'eclipse', type: 'boolean', description: 'True while more than half the solar disk is hidden by the Earth', staleAfterSeconds: staleAfter },
  ];
}
