// Regenerates script.ts from fragd-hook.sh (the readable source of the hook), so that
// fragctl carries the script inside its single-file bundle. Run: node client/hooks/generate.mjs
// (test/integration/hooks.test.ts fails when the two differ).
import { readFileSync, writeFileSync } from 'node:fs';

const sh = readFileSync(new URL('./fragd-hook.sh', import.meta.url), 'utf8');
writeFileSync(
  new URL('./script.ts', import.meta.url),
  `// Generated from fragd-hook.sh by generate.mjs; edit the .sh file, then regenerate.\nexport const HOOK_SCRIPT: string = ${JSON.stringify(sh)};\n`,
);
