/** Shared test helpers: build the objects for a site without touching dist/. */
import { parseSite } from '../src/site/load';
import type { SiteInput } from '../src/site/schema';
import type { ProjectInputs } from '../src/charts';
import { renderObjects } from '../src/synth/render';

export const DISCORD = { homeChannel: '100000000000000001', allowedUsers: ['100000000000000002'] };
export const IMAGE = { hermesVersion: 'v2026.9.14', tag: 'v2026.9.14-abc1234' } as const;

export type KubeObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any;
};

export function inputs(site: Partial<SiteInput> = {}, extra: Partial<ProjectInputs> = {}): ProjectInputs {
  return { site: parseSite({ discord: DISCORD, ...site }), image: IMAGE, ...extra };
}

/** Every object of every output file, in output order. */
export function objects(site: Partial<SiteInput> = {}, extra: Partial<ProjectInputs> = {}): KubeObject[] {
  return [...renderObjects(inputs(site, extra)).values()].flat() as KubeObject[];
}

export function find(objs: KubeObject[], kind: string, name: string): KubeObject {
  const found = objs.filter((o) => o.kind === kind && o.metadata.name === name);
  if (found.length !== 1) throw new Error(`expected exactly one ${kind}/${name}, found ${found.length}`);
  return found[0];
}

export function podSpec(o: KubeObject): any {
  return o.spec.template.spec;
}

export function container(o: KubeObject, name: string): any {
  const spec = podSpec(o);
  const c = [...(spec.initContainers ?? []), ...spec.containers].find((x: any) => x.name === name);
  if (!c) throw new Error(`no container ${name} in ${o.kind}/${o.metadata.name}`);
  return c;
}
