// Drives the real posthog-node SDK against Burrow's capture endpoints for the ingestion tests.
// argv[2] JSON: {host, token}. Prints {errors} once everything was flushed.
import { PostHog } from 'posthog-node'

const cfg = JSON.parse(process.argv[2])
const errors = []
const client = new PostHog(cfg.token, { host: cfg.host, flushAt: 3, flushInterval: 50 })
client.on('error', (err) => errors.push(String(err && err.message ? err.message : err)))

client.capture({ distinctId: 'node-anon', event: 'node_view', properties: { page: '/a' } })
client.identify({
  distinctId: 'node-user',
  properties: { $set: { email: 'n@example.com' }, $set_once: { first: 'yes' }, $anon_distinct_id: 'node-anon' },
})
client.alias({ distinctId: 'node-user', alias: 'node-alias' })
client.groupIdentify({ groupType: 'org', groupKey: 'o1', properties: { seats: 3 } })
client.capture({ distinctId: 'node-user', event: 'node_buy', groups: { org: 'o1' }, properties: { n: 1 } })
await client.shutdown(5000)
process.stdout.write(JSON.stringify({ errors }))
