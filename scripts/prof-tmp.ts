import { runProgram } from "../mocks/engine";
import { generatedApps } from "./bench";
import { placeholderSecretsEnv } from "./lib/graph";
async function main() {
  process.setSourceMapsEnabled(false);
  const apps = generatedApps(500);
  const env = placeholderSecretsEnv(apps);
  await runProgram({ stack: "staging", config: { apps: generatedApps(10) }, env: placeholderSecretsEnv(generatedApps(10)) });
  const t = performance.now();
  const run = await runProgram({ stack: "staging", config: { apps }, env });
  process.stdout.write(`${run.resources.length} registrations, ${Math.round(performance.now() - t)} ms\n`);
  const types = new Map<string, number>(); for (const r of run.resources) types.set(r.type, (types.get(r.type) ?? 0) + 1);
  process.stdout.write(JSON.stringify([...types].filter(([, n]) => n >= 100)) + "\n");
}
main();
