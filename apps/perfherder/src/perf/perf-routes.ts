import type { FastifyPluginAsync } from 'fastify';
import { alertRoutes } from './alert/alert-routes.ts';
import { alertWriteRoutes } from './alert/alert-write-routes.ts';
import { alertSummaryRoutes } from './alert-summary/alert-summary-routes.ts';
import { alertSummaryWriteRoutes } from './alert-summary/alert-summary-write-routes.ts';
import { alertSummaryTasksRoutes } from './alertsummary-tasks/alertsummary-tasks-routes.ts';
import { bugTemplateRoutes } from './bug-template/bug-template-routes.ts';
import { dataRoutes } from './data/data-routes.ts';
import { frameworkRoutes } from './framework/framework-routes.ts';
import { issueTrackerRoutes } from './issue-tracker/issue-tracker-routes.ts';
import { jobDataRoutes } from './job-data/job-data-routes.ts';
import { perfcompareRoutes } from './perfcompare/perfcompare-routes.ts';
import { platformsRoutes } from './platforms/platforms-routes.ts';
import { signaturesRoutes } from './signatures/signatures-routes.ts';
import { summaryRoutes } from './summary/summary-routes.ts';
import { tagRoutes } from './tag/tag-routes.ts';
import { validityDashboardRoutes } from './validity-dashboard/validity-dashboard-routes.ts';

/**
 * Every Perfherder endpoint. The 11 read-only endpoints of the reference opt into replica reads with
 * `config: { readReplica: true }` on their route; tags stay on the primary, and alert summaries and alerts too
 * unless `alertReplicaReads` opts their GETs in.
 */
export const perfRoutes: FastifyPluginAsync<{ readonly alertReplicaReads?: boolean }> = async (
  app,
  options,
) => {
  const alertReads = { replicaReads: options.alertReplicaReads === true };
  await app.register(frameworkRoutes);
  await app.register(perfcompareRoutes);
  await app.register(alertSummaryTasksRoutes);
  await app.register(bugTemplateRoutes);
  await app.register(issueTrackerRoutes);
  await app.register(summaryRoutes);
  await app.register(tagRoutes);
  await app.register(validityDashboardRoutes);
  await app.register(dataRoutes);
  await app.register(jobDataRoutes);
  await app.register(platformsRoutes);
  await app.register(signaturesRoutes);
  await app.register(alertSummaryRoutes, alertReads);
  await app.register(alertRoutes, alertReads);
  await app.register(alertSummaryWriteRoutes);
  await app.register(alertWriteRoutes);
};
