import { Gauge, type Registry } from 'prom-client';
import type { RoutedPoolStats } from 'replica-router';

/**
 * The series of several replicas and DNS discovery: which selector, each replica's weight, source, statements
 * in flight and selections, and discovery's resolutions. Read from `pool.stats()` at scrape time.
 */
export function registerFleetMetrics(registry: Registry, stats: () => RoutedPoolStats): void {
  new Gauge({
    name: 'perfherder_db_replica_selector',
    help: 'The selector that picks a replica for each read (1 for the one in use)',
    labelNames: ['selector'],
    registers: [registry],
    collect() {
      const selector = stats().selector;
      if (selector !== undefined) this.set({ selector }, 1);
    },
  });
  new Gauge({
    name: 'perfherder_db_replica_weight',
    help: 'Each replica’s weight (share of reads relative to the others) and how it joined: static or dns',
    labelNames: ['replica', 'source'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of stats().replicas) this.set({ replica: r.name, source: r.source }, r.weight);
    },
  });
  new Gauge({
    name: 'perfherder_db_replica_selections_total',
    help: 'Times the selector chose the replica for a read (or a read-only transaction)',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of stats().replicas) this.set({ replica: r.name }, r.selected);
    },
  });
  new Gauge({
    name: 'perfherder_db_replica_outstanding',
    help: 'Statements in flight on the replica through this process (what least_outstanding compares)',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of stats().replicas) this.set({ replica: r.name }, r.outstanding);
    },
  });
  new Gauge({
    name: 'perfherder_db_replica_conflicts_total',
    help:
      'Routed reads the replica cancelled for a conflict with recovery (SQLSTATE 40001), each retried once on ' +
      'another healthy replica or on the primary (reason conflict_retry)',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of stats().replicas) this.set({ replica: r.name }, r.conflicts);
    },
  });
  new Gauge({
    name: 'perfherder_db_replica_draining',
    help: '1 while a replica that left the discovered set finishes its work (its pool then closes)',
    labelNames: ['replica'],
    registers: [registry],
    collect() {
      this.reset();
      for (const r of stats().replicas) this.set({ replica: r.name }, r.draining ? 1 : 0);
    },
  });
  new Gauge({
    name: 'perfherder_db_discovery_resolutions_total',
    help: 'DNS resolutions of READ_REPLICA_DISCOVERY, by outcome (ok, failed: the last set was kept)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const d = stats().discovery;
      if (!d) return;
      this.set({ outcome: 'ok' }, d.resolutions - d.failures);
      this.set({ outcome: 'failed' }, d.failures);
    },
  });
  new Gauge({
    name: 'perfherder_db_discovery_addresses',
    help: 'Addresses in the last good answer of READ_REPLICA_DISCOVERY',
    registers: [registry],
    collect() {
      const d = stats().discovery;
      if (d) this.set(d.addresses.length);
    },
  });
}
