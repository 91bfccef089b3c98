/**
 * The seeded /opt/data/config.yaml: plan section 5 with the section 10 model, corrected against the real
 * Hermes (see README "Where this differs from the plan"). Seeded once; live edits on the volume win after.
 */
import type { Site } from '../site/schema';
import { HERMES_CONFIG_VERSION } from '../image/hermes-version';

export function hermesConfig(site: Site, hermesVersion: string): Record<string, unknown> {
  const provider = 'openai-api'; // must be explicit: unset + OPENAI_API_KEY would auto-select openrouter
  return {
    // The schema version of the pinned image, so that later image upgrades migrate this file.
    _config_version: HERMES_CONFIG_VERSION[hermesVersion],
    model: {
      provider,
      default: site.llm.model,
      base_url: site.llm.baseUrl,
      api_mode: 'chat_completions',
    },
    auxiliary: {
      compression: { provider, model: site.llm.auxiliaryModel },
      title_generation: { provider, model: site.llm.auxiliaryModel },
    },
    terminal: {
      backend: 'local',
      // On the volume: the plan's /workspace does not exist and the root filesystem may be read-only.
      cwd: '/opt/data/workspace',
      timeout: 180,
      home_mode: 'profile',
    },
    tool_loop_guardrails: {
      hard_stop_enabled: true,
      hard_stop_after: { exact_failure: 5, idempotent_no_progress: 5 },
    },
    sessions: { auto_prune: true, retention_days: 90 },
    // Pre-check scripts stop starting kubectl calls after 100 s; pin the kill timeout they are sized for (its
    // default moved from 120 s to 3600 s between Hermes releases).
    cron: { wrap_response: false, script_timeout_seconds: 120 },
    memory: { memory_enabled: true, user_profile_enabled: true, write_approval: true },
    skills: { write_approval: false },
    // Cron runs have no human to ask: commands on Hermes' dangerous-pattern list are refused, plain kubectl runs.
    approvals: { mode: 'smart', cron_mode: 'deny' },
    dashboard: {
      public_url: `https://${site.dashboard.host}`,
      trusted_proxies: [...site.dashboard.trustedProxies],
    },
  };
}
