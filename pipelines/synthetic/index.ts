// Synthetic MovieLens-format ratings drawn from a known model.
export { generateRatings, type GenerateOptions, type GenerateReport } from './generate.js';
