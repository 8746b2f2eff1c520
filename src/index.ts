// The public surface: the core (also importable alone as 'sluice/core', without loading
// TensorFlow.js) and the TensorFlow.js adapter (also 'sluice/tf'). Re-exports only.
export * from './core.js';
export * from './tf/index.js';
