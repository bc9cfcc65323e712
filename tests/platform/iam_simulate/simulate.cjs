// Reads a JSON list of simulations on stdin, prints one result per simulation on stdout.
// Each simulation is iam-simulate's `Simulation` shape; the result keeps the overall decision
// and any validation errors (an unknown action or resource), and the context keys the engine
// ignored because the action does not take them.
const { runSimulation } = require('@cloud-copilot/iam-simulate');

async function main() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  const simulations = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  const results = [];
  for (const simulation of simulations) {
    const outcome = await runSimulation(simulation, {});
    results.push({
      result: outcome.overallResult ?? null,
      errors: outcome.errors ?? null,
      ignoredContextKeys: outcome.ignoredContextKeys ?? [],
    });
  }
  process.stdout.write(JSON.stringify(results));
}

main().catch((error) => {
  process.stderr.write(String(error && error.stack ? error.stack : error));
  process.exit(1);
});
