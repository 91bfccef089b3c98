/**
 * config.yaml schema version (`_config_version`) of each Hermes release this project has been checked against.
 * Seeding a version no newer than the image's makes the boot hook migrate the file; a missing entry stops synth,
 * so bumping HERMES_VERSION in the dockerfile forces a look at the new release's cli-config.yaml.example.
 */
export const HERMES_CONFIG_VERSION: Readonly<Record<string, number>> = {
  // v2026.9.14 = Hermes 0.21.3: schema 44.
  'v2026.9.14': 44,
};
