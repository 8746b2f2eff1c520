// The TensorFlow.js namespace sluice uses, from the packages it needs (peer dependencies):
// tfjs-core, tfjs-layers and tfjs-data, as the umbrella `@tensorflow/tfjs` composes them,
// without its webgl backend and converter. The cpu backend is registered on import, so a
// tensor works before any useBackend(); wasm and node are loaded by useBackend().
import '@tensorflow/tfjs-backend-cpu';

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';
export * as data from '@tensorflow/tfjs-data';
