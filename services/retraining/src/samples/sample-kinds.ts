/** What a labelled sample can be: the two frame kinds and the two window kinds (issue 15). */
export const SAMPLE_KINDS = ['acoustic', 'thermal', 'telemetry', 'vibration'] as const;
export type SampleKind = (typeof SAMPLE_KINDS)[number];

/** A sample is healthy or faulty; the fault class (optional) says which fault. */
export const SAMPLE_LABELS = ['normal', 'anomalous'] as const;
export type SampleLabel = (typeof SAMPLE_LABELS)[number];

/** Fault classes are free names of a plant's vocabulary (`Hot-Spot`, `bearing_wear`), bounded and plain. */
export const FAULT_CLASS_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
