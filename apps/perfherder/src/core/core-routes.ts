import type { FastifyPluginAsync } from 'fastify';
import { changelogRoutes } from './changelog/changelog-routes.ts';
import { infraCompareRoutes } from './infracompare/infracompare-routes.ts';
import { optionCollectionHashRoutes } from './option-collection-hash/option-collection-hash-routes.ts';
import { pushRoutes } from './push/push-routes.ts';
import { repositoryRoutes } from './repository/repository-routes.ts';
import { userRoutes } from './user/user-routes.ts';

/**
 * The Treeherder core endpoints the Perfherder UI and PerfCompare call (treeherder-core-api.md). The
 * read-only endpoints over `model` tables opt into replica reads (`config: { readReplica: true }`):
 * repository, optioncollectionhash, push list and detail, infracompare. `/api/user/` (the `auth` app) and
 * `/api/changelog/` (the `changelog` app) are not allow-listed for replicas and stay on the primary.
 */
export const coreRoutes: FastifyPluginAsync = async (app) => {
  await app.register(repositoryRoutes);
  await app.register(optionCollectionHashRoutes);
  await app.register(pushRoutes);
  await app.register(userRoutes);
  await app.register(changelogRoutes);
  await app.register(infraCompareRoutes);
};
