/**
 * The seeded /opt/data/config.yaml: plan section 5 with the section 10 model, corrected against the real
 * Hermes (see README "Where this differs from the plan"). Seeded once; live edits on the volume win after.
 */
import { siteTimeZone, type Site } from '../site/schema';
import { hermesRelease } from '../image/hermes-version';
import { ConfigError } from '../site/load';

/** The LLM provider of the main model, the auxiliary tasks and every watchdog job: LiteLLM's OpenAI-compatible API. */
export const LLM_PROVIDER = 'openai-api'; // must be explicit: unset + OPENAI_API_KEY would auto-select openrouter

export function hermesConfig(site: Site, hermesVersion: string): Record<string, unknown> {
  const release = hermesRelease(hermesVersion);
  if (!release) throw new ConfigError('dockerfile', [`HERMES_VERSION ${hermesVersion} has no entry in src/image/hermes-version.ts`]);
  const provider = LLM_PROVIDER;
  // base_url set explicitly: "base_url overrides provider" upstream, so side tasks can only reach LiteLLM (their
  // api_key falls back to OPENAI_API_KEY from the pod environment).
  const auxiliary = { provider, model: site.llm.auxiliaryModel, base_url: site.llm.baseUrl };
  return {
    // The schema version of the pinned image, so that later image upgrades migrate this file.
    _config_version: release.configVersion,
    // Cron expressions run in this zone (the container's own clock is UTC).
    timezone: siteTimeZone(site),
    model: {
      provider,
      default: site.llm.model,
      base_url: site.llm.baseUrl,
      api_mode: 'chat_completions',
    },
    auxiliary: {
      compression: { ...auxiliary },
      title_generation: { ...auxiliary },
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
