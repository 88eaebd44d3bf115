import type { SeededRandom } from '@premonitor/ml/data';

/** The kinds of machine the simulator can model. */
export const MACHINE_KINDS = ['motor', 'pump', 'compressor', 'fan'] as const;
export type MachineKind = (typeof MACHINE_KINDS)[number];

interface MachineProfile {
  /** Winding/housing temperature rise above ambient at full load, °C. */
  readonly tempRiseC: number;
  /** Thermal time constant of the housing, seconds. */
  readonly thermalTauS: number;
  /** Vibration velocity RMS at idle and the extra at full load, mm/s (ISO 10816 scale). */
  readonly vibrationIdle: number;
  readonly vibrationLoad: number;
  /** Supply current at idle and at full load, A. */
  readonly currentIdle: number;
  readonly currentFull: number;
  /** Outlet pressure at idle and full load, bar; absent for machines without one. */
  readonly pressure?: { readonly idle: number; readonly full: number };
  /** Whether the machine carries a gas sensor (refrigerant or combustible gas leak). */
  readonly gas: boolean;
  /** Shaft rotation at full load, Hz. */
  readonly rotationHz: number;
}

const PROFILES: Record<MachineKind, MachineProfile> = {
  motor: { tempRiseC: 45, thermalTauS: 900, vibrationIdle: 0.8, vibrationLoad: 1.6, currentIdle: 3, currentFull: 22, gas: false, rotationHz: 24.7 },
  pump: { tempRiseC: 30, thermalTauS: 600, vibrationIdle: 1.1, vibrationLoad: 2.2, currentIdle: 2, currentFull: 15, pressure: { idle: 0.5, full: 6 }, gas: false, rotationHz: 48.5 },
  compressor: { tempRiseC: 55, thermalTauS: 1200, vibrationIdle: 1.5, vibrationLoad: 2.8, currentIdle: 4, currentFull: 30, pressure: { idle: 4, full: 10 }, gas: true, rotationHz: 49.2 },
  fan: { tempRiseC: 15, thermalTauS: 400, vibrationIdle: 0.6, vibrationLoad: 1.2, currentIdle: 0.5, currentFull: 4, gas: false, rotationHz: 16.3 },
};

const DAY_MS = 86_400_000;

/** What the synthetic frames need to know about the machine right now. */
export interface MachineState {
  /** Fraction of rated load, 0–1. */
  readonly load: number;
  readonly ambientC: number;
  readonly temperatureC: number;
  readonly rotationHz: number;
  /** True while a vibration burst (a loose part, cavitation) is under way. */
  readonly inBurst: boolean;
}

/** Options of {@link MachineModel}. */
export interface MachineModelOptions {
  readonly kind: MachineKind;
  /** Every random draw of the model comes from here; one seed → one series. */
  readonly random: SeededRandom;
  /** Mean ambient temperature, °C; a daily swing of ±3 °C rides on it. */
  readonly ambientC?: number;
}

/**
 * A small physical model of a rotating machine. Load wanders around a duty-cycle set point
 * that changes now and then; the housing temperature follows ambient plus a load-dependent
 * rise with a first-order lag; vibration, current and pressure follow load with sensor
 * noise; vibration has occasional bursts and the gas sensor occasional leaks.
 */
export class MachineModel {
  readonly kind: MachineKind;
  readonly #profile: MachineProfile;
  readonly #random: SeededRandom;
  readonly #ambientMean: number;
  #load: number;
  #loadTarget: number;
  #temperature: number;
  #ambient: number;
  #burstLeftS = 0;
  #burstAmplitude = 0;
  #leakPpm = 0;

  constructor(options: MachineModelOptions) {
    this.kind = options.kind;
    this.#profile = PROFILES[options.kind];
    this.#random = options.random;
    this.#ambientMean = options.ambientC ?? 22;
    this.#ambient = this.#ambientMean;
    this.#loadTarget = 0.4 + 0.5 * this.#random.next();
    this.#load = this.#loadTarget;
    // Start near thermal equilibrium so a fresh simulator does not show a warm-up ramp.
    this.#temperature = this.#ambient + this.#profile.tempRiseC * this.#load ** 1.5;
  }

  /** Advances the model by `dtMs` to device time `ts` and returns one set of readings. */
  step(dtMs: number, ts: number): Record<string, number> {
    const dt = Math.max(0, dtMs) / 1000;
    const p = this.#profile;
    const r = this.#random;

    // Duty cycle: on average one set-point change every 5 minutes.
    if (r.next() < 1 - Math.exp(-dt / 300)) this.#loadTarget = 0.2 + 0.8 * r.next();
    // Ornstein–Uhlenbeck pull towards the set point, time constant 20 s.
    this.#load += (this.#loadTarget - this.#load) * (1 - Math.exp(-dt / 20)) + r.gaussian(0, 0.01 * Math.sqrt(dt));
    this.#load = Math.min(1, Math.max(0, this.#load));

    const dayPhase = ((ts % DAY_MS) / DAY_MS) * 2 * Math.PI;
    // Coldest around 04:00 UTC, warmest around 16:00.
    this.#ambient = this.#ambientMean - 3 * Math.cos(dayPhase - Math.PI / 3) + r.gaussian(0, 0.05);

    const equilibrium = this.#ambient + p.tempRiseC * this.#load ** 1.5;
    this.#temperature += (equilibrium - this.#temperature) * (1 - Math.exp(-dt / p.thermalTauS));

    if (this.#burstLeftS > 0) this.#burstLeftS -= dt;
    else if (r.next() < 1 - Math.exp(-dt / 500)) {
      this.#burstLeftS = 2 + 8 * r.next();
      this.#burstAmplitude = 3 + 3 * r.next();
    }
    const burst = this.#burstLeftS > 0 ? this.#burstAmplitude : 0;
    const vibration = Math.max(0.05, p.vibrationIdle + p.vibrationLoad * this.#load + burst + r.gaussian(0, 0.08));
    const current = Math.max(0, (p.currentIdle + (p.currentFull - p.currentIdle) * this.#load) * (1 + r.gaussian(0, 0.02)));

    const readings: Record<string, number> = {
      temperature: round(this.#temperature + r.gaussian(0, 0.05), 2),
      vibration_rms: round(vibration, 3),
      current: round(current, 2),
    };
    if (p.pressure) {
      readings.pressure = round(p.pressure.idle + (p.pressure.full - p.pressure.idle) * this.#load + r.gaussian(0, 0.03), 3);
    }
    if (p.gas) {
      // A leak appears about once every 3 hours and dissipates with a 60 s time constant.
      if (r.next() < 1 - Math.exp(-dt / 10_800)) this.#leakPpm += 50 + 150 * r.next();
      this.#leakPpm *= Math.exp(-dt / 60);
      readings.gas_ppm = round(Math.max(0, 5 + this.#leakPpm + r.gaussian(0, 0.5)), 1);
    }
    return readings;
  }

  /** The current state, for synthetic acoustic and thermal frames. */
  state(): MachineState {
    return {
      load: this.#load,
      ambientC: this.#ambient,
      temperatureC: this.#temperature,
      rotationHz: this.#profile.rotationHz * (0.97 + 0.03 * this.#load),
      inBurst: this.#burstLeftS > 0,
    };
  }
}

function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
