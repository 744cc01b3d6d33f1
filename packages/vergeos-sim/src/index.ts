// @powerdeck/vergeos-sim: a VergeOS API v4 simulator, in-process (createSimulator) or from the CLI.

export { createSimulator, type Simulator } from './simulator';
export type { SimulatorOptions } from './options';
export type { ScenarioName } from './scenarios';
export type { SimStats, RequestLogEntry } from './stats';
