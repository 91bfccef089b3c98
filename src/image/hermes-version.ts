/**
 * config.yaml schema version (`_config_version`) of each Hermes release this project has been checked against, with
 * where it was read. Seeding the image's own version makes the boot hook migrate the file on later upgrades; a
 * missing entry stops synth, so bumping HERMES_VERSION in the dockerfile forces a look at the new release's
 * `hermes_cli/config_defaults.py` (DEFAULT_CONFIG's `_config_version`) at the new tag.
 */
export interface HermesRelease {
  /** `_config_version` in DEFAULT_CONFIG at that tag. */
  readonly configVersion: number;
  /** The Hermes package version the release tag carries. */
  readonly packageVersion: string;
  /** The upstream file and commit the version was read from (NousResearch/hermes-agent). */
  readonly source: { readonly file: string; readonly commit: string };
}

export const HERMES_RELEASES: Readonly<Record<string, HermesRelease>> = {
  'v2026.9.14': {
    configVersion: 45,
    packageVersion: '0.21.3',
    source: { file: 'hermes_cli/config_defaults.py', commit: '345cd2b057a452236de401d3534b8502a7465e8d' },
  },
};

/** The release entry for a pinned tag, or undefined when this project has not been checked against it. */
export function hermesRelease(tag: string): HermesRelease | undefined {
  return Object.prototype.hasOwnProperty.call(HERMES_RELEASES, tag) ? HERMES_RELEASES[tag] : undefined;
}
