// Nitro's node-server preset (the default).
export default defineNuxtConfig({ compatibilityDate: "2026-04-01", devtools: { enabled: false }, telemetry: false });
