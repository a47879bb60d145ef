// Build step (scripts/build.mjs): synthesizes the state machine definition once at install,
// so the first `npm start` does not pay for CDK synthesis.
import { localDefinition } from './definition.js';

await localDefinition();
