// Synthetic MovieLens-format ratings drawn from a known model.
export { generateRatings, type GenerateOptions, type GenerateReport } from './generate.js';
export { generateSideTables, ML100K_GENRES, ML100K_OCCUPATIONS, type SideTablesOptions } from './side-tables.js';
