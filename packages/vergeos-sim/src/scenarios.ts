// Named failure scenarios, switchable at start and at run time. They apply to the VergeOS API only, never
// to the control API under /__sim/, so a test can always switch back.

import type { ActionEffects } from './cluster';
import { createRandom, type Random } from './random';
import { FLAKY_FAILURE_RATE, SLOW_LATENCY_MS } from './timings';

export const SCENARIOS = [
  'none',
  'slow',
  'flaky',
  'hang',
  'unavailable',
  'acpi-ignored',
  'start-fails',
  'no-capacity',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export function isScenarioName(value: unknown): value is ScenarioName {
  return typeof value === 'string' && (SCENARIOS as readonly string[]).includes(value);
}

interface ScenarioSettings {
  /** `slow`: added latency per request, ms (real time, not scaled). */
  latencyMs?: number;
  /** `flaky`: share of requests answered 500, 0..1. */
  failureRate?: number;
}

/** What to do with one API request before it is handled. */
type Gate =
  | { kind: 'pass' }
  | { kind: 'delay'; ms: number }
  | { kind: 'hang' }
  | { kind: 'unavailable' }
  | { kind: 'fail' };

export const START_FAILURE_INFO =
  "Error starting machine: drive 'disk0' could not be attached: I/O error on the storage tier (simulated start failure)";

export class Scenarios {
  private name: ScenarioName = 'none';
  private latencyMs = SLOW_LATENCY_MS;
  private failureRate = FLAKY_FAILURE_RATE;
  private random: Random;

  constructor(private readonly seed: number) {
    this.random = createRandom(seed, 'flaky');
  }

  get current(): ScenarioName {
    return this.name;
  }

  /** Switches scenario. `flaky` restarts its seeded sequence, so the same switch gives the same answers. */
  set(name: ScenarioName, settings: ScenarioSettings = {}): void {
    this.name = name;
    this.latencyMs = settings.latencyMs ?? SLOW_LATENCY_MS;
    this.failureRate = settings.failureRate ?? FLAKY_FAILURE_RATE;
    this.random = createRandom(this.seed, 'flaky');
  }

  /** Decides the fate of the next API request. */
  gate(): Gate {
    switch (this.name) {
      case 'slow':
        return { kind: 'delay', ms: this.latencyMs };
      case 'flaky':
        return this.random() < this.failureRate ? { kind: 'fail' } : { kind: 'pass' };
      case 'hang':
        return { kind: 'hang' };
      case 'unavailable':
        return { kind: 'unavailable' };
      default:
        return { kind: 'pass' };
    }
  }

  /** How the scenario changes power actions. */
  effects(): ActionEffects {
    switch (this.name) {
      case 'acpi-ignored':
        return { ignoreAcpi: true };
      case 'start-fails':
        return { startFailure: START_FAILURE_INFO };
      case 'no-capacity':
        return { noCapacity: true };
      default:
        return {};
    }
  }
}
