import type Joi from 'joi';
import { newId } from '../../shared/domain/ids.js';
import type { FieldProblem } from '../../shared/errors/app-error.js';
import type { SettingsRepo } from '../../shared/store/store.js';
import { conflict, invalid, notFound } from './http.js';
import { route, type ApiRoute } from './route-table.js';

/** How one settings collection is validated, built, checked and shown. */
export interface ResourceSpec<T extends { id: string; created_at: number }, Input> {
  path: string;
  noun: string;
  /** "an", "a": for the docs. */
  article: string;
  repo: SettingsRepo<T>;
  schemas: { create: Joi.ObjectSchema<Input>; patch: Joi.ObjectSchema<Input> };
  /** The record from validated input, over the existing one on PATCH. */
  build: (input: Input, base: { id: string; created_at: number }, existing: T | null) => T;
  /** Problems with references to other records (unknown ids). */
  checkReferences?: (record: T) => Promise<FieldProblem[]>;
  /** Why the record cannot be deleted (something uses it), or null. */
  usedBy?: (id: string) => Promise<string | null>;
  present: (record: T) => object;
}

/** `POST /`, `GET /`, `GET|PATCH|DELETE /:id` for one settings collection. */
export function resourceRoutes<T extends { id: string; created_at: number }, Input>(spec: ResourceSpec<T, Input>): ApiRoute[] {
  const { path, noun, article } = spec;
  const load = async (id: string): Promise<T> => {
    const record = await spec.repo.get(id);
    if (!record) throw notFound(`no ${noun} with id ${id}`);
    return record;
  };
  const save = async (record: T): Promise<T> => {
    const problems = (await spec.checkReferences?.(record)) ?? [];
    if (problems.length) throw invalid(problems);
    await spec.repo.put(record.id, record);
    return record;
  };
  const idOf = (params: Record<string, string>): string => params.id ?? '';
  return [
    route<Record<string, never>, Input>({
      method: 'post',
      path: `/${path}`,
      summary: `Create ${article} ${noun}`,
      auth: 'api-key',
      status: 201,
      body: spec.schemas.create,
      handler: async ({ body }) => spec.present(await save(spec.build(body, { id: newId(), created_at: Date.now() }, null))),
    }),
    route({
      method: 'get',
      path: `/${path}`,
      summary: `List ${noun}s`,
      auth: 'api-key',
      status: 200,
      handler: async () => ({ items: (await spec.repo.list()).map(spec.present) }),
    }),
    route({
      method: 'get',
      path: `/${path}/:id`,
      summary: `Get one ${noun}`,
      auth: 'api-key',
      status: 200,
      handler: async ({ params }) => spec.present(await load(idOf(params))),
    }),
    route<Record<string, never>, Input>({
      method: 'patch',
      path: `/${path}/:id`,
      summary: `Change some fields of ${article} ${noun}`,
      auth: 'api-key',
      status: 200,
      body: spec.schemas.patch,
      handler: async ({ params, body }) => {
        const existing = await load(idOf(params));
        return spec.present(await save(spec.build(body, { id: existing.id, created_at: existing.created_at }, existing)));
      },
    }),
    route({
      method: 'delete',
      path: `/${path}/:id`,
      summary: `Delete ${article} ${noun} nothing uses`,
      auth: 'api-key',
      status: 204,
      handler: async ({ params }) => {
        const id = idOf(params);
        await load(id);
        const user = await spec.usedBy?.(id);
        if (user) throw conflict(`this ${noun} is used by ${user}; change or delete that first`);
        await spec.repo.delete(id);
        return undefined;
      },
    }),
  ];
}
