// Drives the real posthog-node SDK against a Burrow server for the flags tests.
// Input (argv[2], JSON): {host, token, secretKey?, local: bool, calls: [{distinctId, groups,
// personProperties, groupProperties}], remoteConfigKey?}. Prints {results, remoteConfig, errors}.
import { PostHog } from 'posthog-node'

const cfg = JSON.parse(process.argv[2])
const errors = []
const client = new PostHog(cfg.token, {
  host: cfg.host,
  secretKey: cfg.secretKey,
  featureFlagsPollingInterval: 600000,
  flushAt: 1,
  disableGeoip: true,
  enableLocalEvaluation: Boolean(cfg.local),
})
client.on('error', (err) => errors.push(String(err && err.message ? err.message : err)))

const results = []
if (cfg.local) {
  await client.waitForLocalEvaluationReady(5000)
}
for (const call of cfg.calls || []) {
  const out = await client.getAllFlagsAndPayloads(call.distinctId, {
    groups: call.groups,
    personProperties: call.personProperties,
    groupProperties: call.groupProperties,
    onlyEvaluateLocally: Boolean(cfg.local),
  })
  results.push(out)
}
let remoteConfig = null
if (cfg.remoteConfigKey) {
  remoteConfig = (await client.getRemoteConfigPayload(cfg.remoteConfigKey)) ?? null
}
await client.shutdown(2000)
process.stdout.write(JSON.stringify({ results, remoteConfig, errors }))
