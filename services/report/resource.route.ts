import { Router } from 'express';
import type Joi from 'joi';
import { newId } from '../../shared/domain/ids.js';
import { AppError, type FieldProblem } from '../../shared/errors/app-error.js';
import { ErrorCodes } from '../../shared/errors/error-codes.js';
import { summarize } from '../../shared/errors/joi-problems.js';
import type { SettingsRepo } from '../../shared/store/store.js';
import { notFound, validateBody } from './validate.js';

/** How one settings collection is validated, built, checked and shown. */
export interface ResourceSpec<T extends { id: string; created_at: number }, Input> {
  path: string;
  noun: string;
  repo: SettingsRepo<T>;
  schemas: { create: Joi.ObjectSchema; patch: Joi.ObjectSchema };
  /** The record from validated input, over the existing one on PATCH. */
  build: (input: Input, base: { id: string; created_at: number }, existing: T | null) => T;
  /** Problems with references to other records (unknown ids). */
  checkReferences?: (record: T) => Promise<FieldProblem[]>;
  /** Why the record cannot be deleted (something uses it), or null. */
  usedBy?: (id: string) => Promise<string | null>;
  present: (record: T) => object;
}

/** `POST /`, `GET /`, `GET|PATCH|DELETE /:id` for one settings collection. */
export function resourceRoute<T extends { id: string; created_at: number }, Input>(spec: ResourceSpec<T, Input>): Router {
  const router = Router();
  const load = async (id: string): Promise<T> => {
    const record = await spec.repo.get(id);
    if (!record) throw notFound(spec.noun, id);
    return record;
  };
  const save = async (record: T): Promise<T> => {
    const problems = (await spec.checkReferences?.(record)) ?? [];
    if (problems.length) throw new AppError(ErrorCodes.VALIDATION, summarize(problems), { httpStatus: 400, details: problems });
    await spec.repo.put(record.id, record);
    return record;
  };

  router.post(`/${spec.path}`, async (req, res) => {
    const input = validateBody<Input>(spec.schemas.create, req);
    const record = await save(spec.build(input, { id: newId(), created_at: Date.now() }, null));
    res.status(201).json(spec.present(record));
  });
  router.get(`/${spec.path}`, async (_req, res) => {
    res.json({ items: (await spec.repo.list()).map(spec.present) });
  });
  router.get(`/${spec.path}/:id`, async (req, res) => {
    res.json(spec.present(await load(req.params.id)));
  });
  router.patch(`/${spec.path}/:id`, async (req, res) => {
    const existing = await load(req.params.id);
    const input = validateBody<Input>(spec.schemas.patch, req);
    const record = await save(spec.build(input, { id: existing.id, created_at: existing.created_at }, existing));
    res.json(spec.present(record));
  });
  router.delete(`/${spec.path}/:id`, async (req, res) => {
    await load(req.params.id);
    const user = await spec.usedBy?.(req.params.id);
    if (user)
      throw new AppError(ErrorCodes.CONFLICT, `this ${spec.noun} is used by ${user}; change or delete that first`, { httpStatus: 409 });
    await spec.repo.delete(req.params.id);
    res.status(204).end();
  });
  return router;
}
