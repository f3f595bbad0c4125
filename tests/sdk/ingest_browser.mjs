// Runs the real posthog-js browser SDK under jsdom against Burrow for the ingestion tests.
// argv[2] JSON: {host, token}. Captures, identifies, then waits for the request queue to flush.
import { JSDOM } from 'jsdom'

const cfg = JSON.parse(process.argv[2])
const dom = new JSDOM('<!doctype html><html><body></body></html>', {
  url: 'https://shop.example/landing?utm_source=test',
  pretendToBeVisual: true,
})
for (const key of ['window', 'document', 'navigator', 'location', 'localStorage', 'sessionStorage',
  'XMLHttpRequest', 'screen', 'HTMLElement', 'Node']) {
  try { globalThis[key] = dom.window[key] } catch { /* read-only in this runtime */ }
}
dom.window.fetch = globalThis.fetch.bind(globalThis)
const mod = await import('posthog-js')
const posthog = mod.posthog ?? mod.default.default
const seen = []
posthog.init(cfg.token, {
  api_host: cfg.host,
  autocapture: false,
  capture_pageview: true,
  disable_session_recording: true,
  advanced_disable_flags: true,
  request_batching: true,
  person_profiles: 'always',
  loaded: () => seen.push('loaded'),
})
posthog.capture('browser_click', { button: 'buy' })
posthog.identify('browser-user', { email: 'b@example.com' })
posthog.capture('after_identify')
await new Promise((resolve) => setTimeout(resolve, 4500))
process.stdout.write(JSON.stringify({ seen, distinctId: posthog.get_distinct_id() }))
process.exit(0)
