// Nitro's node-server preset (the default). The Cloudflare variant replaces this file with docs/frameworks.md's.
export default defineNuxtConfig({ compatibilityDate: "2026-04-01", devtools: { enabled: false }, telemetry: false });
